using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace TargetTracking.Dashboard.Tests;

public sealed class TargetEndpointsTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Create_ReturnsCreatedTargetWithLocationAndETag()
    {
        var response = await _client.PostAsJsonAsync("/api/targets", new { name = "Fjordline", description = "Freight", markets = new[] { " Nordics ", "DACH" }, status = "Cold" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var target = (await response.Content.ReadFromJsonAsync<TargetDto>(Api.Json))!;
        Assert.Equal(new Uri($"/api/targets/{target.Id}", UriKind.Relative), response.Headers.Location);
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
        Assert.Equal(("Fjordline", "Freight", "Cold", 1L), (target.Name, target.Description, target.Status, target.Version));
        Assert.Equal(["Nordics", "DACH"], target.Markets);
    }

    [Fact]
    public async Task Create_WithNotSetStatus_CreatesTargetWithoutStatus()
    {
        var target = await _client.CreateAsync("No status yet", status: "NotSet");

        Assert.Null(target.Status);
        Assert.Null((await _client.GetTargetAsync(target.Id)).Status);
    }

    [Fact]
    public async Task Create_WithInvalidFields_ReturnsValidationProblemPerField()
    {
        var response = await _client.PostAsJsonAsync("/api/targets", new { name = " ", markets = new[] { "Nordics", "nordics", "" } });

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.Equal(["markets[1]", "markets[2]", "name"], errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Contains("required", errors.GetProperty("name")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal("invalid_input", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Create_WithUnknownStatus_ReturnsUnprocessableWithKnownStatuses()
    {
        var response = await _client.PostAsJsonAsync("/api/targets", new { name = "Odd", status = "Won" });

        var problem = await response.ProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("unknown_status", problem.GetProperty("code").GetString());
        Assert.Equal("Won", problem.GetProperty("unknownStatus").GetString());
        Assert.Equal(["Passed", "Cold", "Active", "Hot", "Closed"], problem.GetProperty("knownStatuses").Strings());
    }

    [Fact]
    public async Task Create_WithMalformedJson_ReturnsBadRequestProblem()
    {
        var response = await _client.PostAsync("/api/targets", new StringContent("{\"name\":", System.Text.Encoding.UTF8, "application/json"));

        await response.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Get_ReturnsTargetWithVersionAsETag()
    {
        var created = await _client.CreateAsync("Alpenwerk", ["DACH"]);
        await _client.ChangeStatusOkAsync(created.Id, "Active", 1);

        var response = await _client.GetAsync($"/api/targets/{created.Id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"2\"", response.Headers.ETag?.Tag);
        var target = (await response.Content.ReadFromJsonAsync<TargetDto>(Api.Json))!;
        Assert.Equal(("Active", 2L), (target.Status, target.Version));
    }

    [Fact]
    public async Task Get_WithCurrentETagInIfNoneMatch_ReturnsNotModified()
    {
        var created = await _client.CreateAsync("Cached");
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/targets/{created.Id}");
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"1\""));

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
    }

    [Fact]
    public async Task Get_UnknownTarget_ReturnsNotFoundProblem()
    {
        var id = Guid.CreateVersion7();

        var problem = await (await _client.GetAsync($"/api/targets/{id}")).ProblemAsync(HttpStatusCode.NotFound);

        Assert.Equal("not_found", problem.GetProperty("code").GetString());
        Assert.Equal(id.ToString(), problem.GetProperty("targetId").GetString());
    }

    [Fact]
    public async Task Get_WithIdThatIsNotAGuid_ReturnsNotFoundProblem()
    {
        await (await _client.GetAsync("/api/targets/not-a-guid")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task List_FiltersByStatusIncludingNotSet_MarketAndName()
    {
        var market = "List-" + Guid.NewGuid().ToString("N");
        var cold = await _client.CreateAsync("Alpha Cold", [market], "Cold");
        var notSet = await _client.CreateAsync("Beta Unset", [market]);
        var hot = await _client.CreateAsync("Gamma Hot", [market], "Hot");
        await _client.CreateAsync("Delta Elsewhere", ["Elsewhere"], "Cold");

        var coldOrNotSet = await _client.ListAsync($"?market={market.ToUpperInvariant()}&status=Cold&status=NotSet");
        var byName = await _client.ListAsync($"?market={market}&name=gAMMA");
        var commaSeparated = await _client.ListAsync($"?market={market}&status=hot,not%20set");

        Assert.Equal([cold.Id, notSet.Id], coldOrNotSet.Items.Select(t => t.Id));
        Assert.Equal(2, coldOrNotSet.TotalCount);
        Assert.Equal([hot.Id], byName.Items.Select(t => t.Id));
        Assert.Equal([notSet.Id, hot.Id], commaSeparated.Items.Select(t => t.Id).Order());
    }

    [Fact]
    public async Task List_SortsAndPages_WithTotalCountOfAllMatches()
    {
        var market = "Page-" + Guid.NewGuid().ToString("N");
        foreach (var name in new[] { "c", "a", "e", "b", "d" })
        {
            await _client.CreateAsync(name, [market]);
        }

        var page = await _client.ListAsync($"?market={market}&sort=name&desc=true&skip=1&take=2");
        var byCreation = await _client.ListAsync($"?market={market}&sort=createdAt");

        Assert.Equal(["d", "c"], page.Items.Select(t => t.Name));
        Assert.Equal((5L, 1, 2), (page.TotalCount, page.Skip, page.Take));
        Assert.Equal(["c", "a", "e", "b", "d"], byCreation.Items.Select(t => t.Name));
    }

    [Fact]
    public async Task List_WithUnknownStatusFilter_ReturnsUnprocessable()
    {
        var problem = await (await _client.GetAsync("/api/targets?status=Cold&status=Won")).ProblemAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Equal("Won", problem.GetProperty("unknownStatus").GetString());
    }

    [Fact]
    public async Task List_WithBadPagingAndSort_ReturnsValidationProblemPerField()
    {
        var problem = await (await _client.GetAsync("/api/targets?sort=size&skip=-1&take=0")).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal(["skip", "sort", "take"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Update_WithIfMatch_ReplacesFieldsAndBumpsVersion()
    {
        var created = await _client.CreateAsync("Harbourview", ["UK"], "Active");
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/targets/{created.Id}")
        {
            Content = JsonContent.Create(new { name = "Harbourview Analytics", description = "Ports", markets = new[] { "UK", "Benelux" } }),
        };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"2\"", response.Headers.ETag?.Tag);
        var target = (await response.Content.ReadFromJsonAsync<TargetDto>(Api.Json))!;
        Assert.Equal(("Harbourview Analytics", "Ports", "Active", 2L), (target.Name, target.Description, target.Status, target.Version));
        Assert.Equal(["UK", "Benelux"], target.Markets);
        Assert.Equal("updated", (await _client.GetHistoryAsync(created.Id)).Items[0].Action);
    }

    [Fact]
    public async Task Update_WithExpectedVersionInBody_Applies()
    {
        var created = await _client.CreateAsync("Body version");

        var response = await _client.PutAsJsonAsync($"/api/targets/{created.Id}", new { name = "Body version 2", expectedVersion = 1 });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Body version 2", (await _client.GetTargetAsync(created.Id)).Name);
    }

    [Fact]
    public async Task Update_WithStaleVersion_ReturnsConflictWithCurrentTarget()
    {
        var created = await _client.CreateAsync("Kestrel");
        await _client.ChangeStatusOkAsync(created.Id, "Cold", 1);

        var response = await _client.PutAsJsonAsync($"/api/targets/{created.Id}", new { name = "Kestrel Payments", expectedVersion = 1 });

        var problem = await response.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(1, problem.GetProperty("expectedVersion").GetInt64());
        Assert.Equal(2, problem.GetProperty("currentVersion").GetInt64());
        Assert.Equal("Kestrel", problem.GetProperty("current").GetProperty("name").GetString());
        Assert.Equal("Kestrel", (await _client.GetTargetAsync(created.Id)).Name);
    }

    [Fact]
    public async Task Update_WithInvalidName_ReturnsValidationProblem()
    {
        var created = await _client.CreateAsync("Valid");

        var response = await _client.PutAsJsonAsync($"/api/targets/{created.Id}", new { name = new string('x', 256), expectedVersion = 1 });

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _));
    }

    [Fact]
    public async Task Update_UnknownTarget_ReturnsNotFound()
    {
        var response = await _client.PutAsJsonAsync($"/api/targets/{Guid.CreateVersion7()}", new { name = "Ghost", expectedVersion = 1 });

        await response.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_WithIfMatch_RemovesTargetAndKeepsHistoryWithDeletedEntry()
    {
        var created = await _client.CreateAsync("Short-lived", status: "Cold");
        var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/targets/{created.Id}");
        request.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await (await _client.GetAsync($"/api/targets/{created.Id}")).ProblemAsync(HttpStatusCode.NotFound);
        var history = await _client.GetHistoryAsync(created.Id);
        Assert.Equal(["deleted", "created"], history.Items.Select(h => h.Action));
    }

    [Fact]
    public async Task Delete_WithExpectedVersionInQuery_RemovesTarget()
    {
        var created = await _client.CreateAsync("Query delete");

        var response = await _client.DeleteAsync($"/api/targets/{created.Id}?expectedVersion=1");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await (await _client.GetAsync($"/api/targets/{created.Id}")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_WithStaleVersion_ReturnsConflictAndKeepsTarget()
    {
        var created = await _client.CreateAsync("Keep me");
        await _client.ChangeStatusOkAsync(created.Id, "Hot", 1);

        var problem = await (await _client.DeleteAsync($"/api/targets/{created.Id}?expectedVersion=1")).ProblemAsync(HttpStatusCode.Conflict);

        Assert.Equal(2, problem.GetProperty("currentVersion").GetInt64());
        Assert.Equal("Hot", (await _client.GetTargetAsync(created.Id)).Status);
    }

    [Fact]
    public async Task Delete_UnknownTarget_ReturnsNotFound()
    {
        await (await _client.DeleteAsync($"/api/targets/{Guid.CreateVersion7()}?expectedVersion=1")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_WithoutVersion_ReturnsValidationProblemAndKeepsTarget()
    {
        var created = await _client.CreateAsync("Unversioned delete");

        var problem = await (await _client.DeleteAsync($"/api/targets/{created.Id}")).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("expectedVersion", out _));
        Assert.Equal(1, (await _client.GetTargetAsync(created.Id)).Version);
    }
}
