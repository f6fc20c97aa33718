using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace TargetTracking.Dashboard.Tests;

public sealed class StatusChangeEndpointsTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task ChangeStatus_WithIfMatch_MovesTargetAndReturnsNewETag()
    {
        var created = await _client.CreateAsync("Mover", status: "Cold");

        var response = await _client.ChangeStatusAsync(created.Id, "active", ifMatch: 1);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"2\"", response.Headers.ETag?.Tag);
        var target = (await response.Content.ReadFromJsonAsync<TargetDto>(Api.Json))!;
        Assert.Equal(("Active", 2L), (target.Status, target.Version));
        Assert.NotNull(target.StatusChangedAt);
    }

    [Fact]
    public async Task ChangeStatus_WithExpectedVersionInBody_MovesTarget()
    {
        var created = await _client.CreateAsync("Body mover");

        var response = await _client.ChangeStatusAsync(created.Id, "Hot", bodyVersion: 1);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Hot", (await _client.GetTargetAsync(created.Id)).Status);
    }

    [Fact]
    public async Task ChangeStatus_WithSameVersionInHeaderAndBody_MovesTarget()
    {
        var created = await _client.CreateAsync("Both alike");

        var response = await _client.ChangeStatusAsync(created.Id, "Hot", ifMatch: 1, bodyVersion: 1);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ChangeStatus_WithBareNumberInIfMatch_MovesTarget()
    {
        var created = await _client.CreateAsync("Hand typed");
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/targets/{created.Id}/status") { Content = JsonContent.Create(new { status = "Cold" }) };
        request.Headers.TryAddWithoutValidation("If-Match", "1");

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ChangeStatus_ToNullStatus_IsAMoveToNotSetCheckedByThePipeline()
    {
        var created = await _client.CreateAsync("Back to unset", status: "Cold");

        // The default pipeline has no move back to Not Set: the answer names where Cold may go.
        var refused = await (await _client.ChangeStatusAsync(created.Id, null, ifMatch: 1)).ProblemAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Equal(System.Text.Json.JsonValueKind.Null, refused.GetProperty("to").ValueKind);
        Assert.Equal(["Passed", "Active", "Hot"], refused.GetProperty("allowedNext").Strings());
        Assert.Contains("to Not Set", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangeStatus_ToCurrentStatus_IsNoOpWithoutNewVersionOrEntry()
    {
        var created = await _client.CreateAsync("Still cold", status: "Cold");

        var target = await _client.ChangeStatusOkAsync(created.Id, "COLD", 1);

        Assert.Equal(1, target.Version);
        Assert.Single((await _client.GetHistoryAsync(created.Id)).Items);
    }

    [Fact]
    public async Task ChangeStatus_WithStaleIfMatch_ReturnsPreconditionFailedWithCurrentVersionAndTarget()
    {
        var created = await _client.CreateAsync("Contested", status: "Cold");
        await _client.ChangeStatusOkAsync(created.Id, "Active", 1);

        var problem = await (await _client.ChangeStatusAsync(created.Id, "Hot", ifMatch: 1)).ProblemAsync(HttpStatusCode.PreconditionFailed);

        Assert.Equal("version_conflict", problem.GetProperty("code").GetString());
        Assert.Equal(1, problem.GetProperty("expectedVersion").GetInt64());
        Assert.Equal(2, problem.GetProperty("currentVersion").GetInt64());
        var current = problem.GetProperty("current");
        Assert.Equal((created.Id.ToString(), "Active", 2L), (current.GetProperty("id").GetString(), current.GetProperty("status").GetString(), current.GetProperty("version").GetInt64()));
        Assert.Equal("Active", (await _client.GetTargetAsync(created.Id)).Status);
    }

    [Fact]
    public async Task ChangeStatus_ToUnknownStatus_ReturnsUnprocessableWithKnownStatuses()
    {
        var created = await _client.CreateAsync("Unknown move", status: "Cold");

        var problem = await (await _client.ChangeStatusAsync(created.Id, "Won", ifMatch: 1)).ProblemAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Equal("unknown_status", problem.GetProperty("code").GetString());
        Assert.Equal("Won", problem.GetProperty("unknownStatus").GetString());
        Assert.Equal(["Passed", "Cold", "Active", "Hot", "Closed"], problem.GetProperty("knownStatuses").Strings());
    }

    [Fact]
    public async Task ChangeStatus_ForbiddenTransition_ReturnsUnprocessableWithAllowedNext()
    {
        var created = await _client.CreateAsync("Closed deal", status: "Hot");
        await _client.ChangeStatusOkAsync(created.Id, "Closed", 1);
        var cold = await _client.CreateAsync("Cold lead", status: "Cold");

        var fromClosed = await (await _client.ChangeStatusAsync(created.Id, "Active", ifMatch: 2)).ProblemAsync(HttpStatusCode.UnprocessableEntity);
        var fromCold = await (await _client.ChangeStatusAsync(cold.Id, "Closed", ifMatch: 1)).ProblemAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Equal("transition_not_allowed", fromClosed.GetProperty("code").GetString());
        Assert.Equal(("Closed", "Active"), (fromClosed.GetProperty("from").GetString(), fromClosed.GetProperty("to").GetString()));
        Assert.Empty(fromClosed.GetProperty("allowedNext").Strings());
        Assert.Equal(["Passed", "Active", "Hot"], fromCold.GetProperty("allowedNext").Strings());
        Assert.Contains("Allowed next: Passed, Active, Hot", fromCold.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Cold", (await _client.GetTargetAsync(cold.Id)).Status);
    }

    [Fact]
    public async Task ChangeStatus_UnknownTarget_ReturnsNotFound()
    {
        await (await _client.ChangeStatusAsync(Guid.CreateVersion7(), "Cold", ifMatch: 1)).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ChangeStatus_WithoutAnyVersion_ReturnsValidationProblem()
    {
        var created = await _client.CreateAsync("No version");

        var problem = await (await _client.ChangeStatusAsync(created.Id, "Cold")).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("expectedVersion", out _));
        Assert.Null((await _client.GetTargetAsync(created.Id)).Status);
    }

    [Fact]
    public async Task ChangeStatus_WithDifferentVersionsInHeaderAndBody_ReturnsValidationProblem()
    {
        var created = await _client.CreateAsync("Two versions");

        var problem = await (await _client.ChangeStatusAsync(created.Id, "Cold", ifMatch: 1, bodyVersion: 2)).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains("If-Match names version 1", problem.GetProperty("errors").GetProperty("expectedVersion")[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("\"1\", \"2\"")]
    [InlineData("W/\"1\"")]
    [InlineData("\"one\"")]
    public async Task ChangeStatus_WithIfMatchThatNamesNoSingleVersion_ReturnsValidationProblem(string ifMatch)
    {
        var created = await _client.CreateAsync("Odd If-Match");
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/targets/{created.Id}/status") { Content = JsonContent.Create(new { status = "Cold" }) };
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);

        var problem = await (await _client.SendAsync(request)).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("If-Match", out _));
        Assert.Null((await _client.GetTargetAsync(created.Id)).Status);
    }

    [Fact]
    public async Task ChangeStatus_WithZeroVersion_ReturnsValidationProblemFromCore()
    {
        var created = await _client.CreateAsync("Zero");
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/targets/{created.Id}/status") { Content = JsonContent.Create(new { status = "Cold" }) };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue("\"0\""));

        var problem = await (await _client.SendAsync(request)).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains("at least 1", problem.GetProperty("errors").GetProperty("expectedVersion")[0].GetString(), StringComparison.Ordinal);
    }
}
