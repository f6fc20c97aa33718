using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace TargetTracking.Dashboard.Tests;

public sealed class OperationsEndpointsTests(SlowOperationsFactory factory) : IClassFixture<SlowOperationsFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task StartedOperation_RunsInTheBackgroundToCompleted_MovesEveryMatch_AndIsListed()
    {
        var market = Unique("Ops");
        var targets = new[] { await _client.CreateAsync("Ops A", [market], "Cold"), await _client.CreateAsync("Ops B", [market], "Cold") };
        var other = await _client.CreateAsync("Ops Other", [market], "Active");

        var response = await _client.PostAsJsonAsync("/api/operations", new { status = "Passed", filter = new { statuses = new[] { "cold" }, market } }, Api.Json);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var started = await response.Content.ReadFromJsonAsync<JsonElement>(Api.Json);
        var id = started.GetProperty("operation").GetProperty("id").GetString()!;
        Assert.Equal($"/api/operations/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(2, started.GetProperty("operation").GetProperty("total").GetInt64());

        var done = await WaitAsync(id, o => o.GetProperty("isFinished").GetBoolean());
        Assert.Equal("completed", done.GetProperty("operation").GetProperty("status").GetString());
        Assert.Equal(2, done.GetProperty("operation").GetProperty("succeeded").GetInt64());
        Assert.Equal(100, done.GetProperty("percent").GetDouble());
        Assert.All(targets, t => Assert.Equal("Passed", _client.GetTargetAsync(t.Id).Result.Status));
        Assert.Equal("Active", (await _client.GetTargetAsync(other.Id)).Status);
        Assert.Empty((await _client.GetFromJsonAsync<JsonElement>($"/api/operations/{id}/failures", Api.Json)).EnumerateArray());

        var list = await _client.GetFromJsonAsync<JsonElement>("/api/operations", Api.Json);
        var line = Assert.Single(list.GetProperty("items").EnumerateArray(), o => o.GetProperty("operationId").GetString() == id);
        Assert.Equal("completed", line.GetProperty("outcome").GetString());
        Assert.Equal(2, line.GetProperty("affected").GetInt64());
    }

    [Fact]
    public async Task RunningOperation_Cancelled_StopsAfterItsBatch_AndLeavesTheRestUnmoved()
    {
        var market = Unique("Cancel");
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await _client.CreateAsync($"Cancel {i}", [market], "Cold")).Id);
        }

        var response = await _client.PostAsJsonAsync("/api/operations", new { status = "Passed", ids, batchSize = 1 }, Api.Json);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(Api.Json)).GetProperty("operation").GetProperty("id").GetString()!;

        // The factory pauses two seconds after each batch: the first batch is committed, the rest wait.
        await WaitAsync(id, o => o.GetProperty("operation").GetProperty("processed").GetInt64() >= 1);
        var cancel = await _client.PostAsync($"/api/operations/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.True((await cancel.Content.ReadFromJsonAsync<JsonElement>(Api.Json)).GetProperty("operation").GetProperty("cancelRequested").GetBoolean());

        var done = await WaitAsync(id, o => o.GetProperty("isFinished").GetBoolean());
        Assert.Equal("cancelled", done.GetProperty("operation").GetProperty("status").GetString());
        var moved = done.GetProperty("operation").GetProperty("succeeded").GetInt64();
        Assert.InRange(moved, 1, 4);
        var statuses = await Task.WhenAll(ids.Select(t => _client.GetTargetAsync(t)));
        Assert.Equal(moved, statuses.Count(t => t.Status == "Passed"));
        Assert.Equal(5 - moved, statuses.Count(t => t.Status == "Cold"));
    }

    [Fact]
    public async Task ForbiddenMoves_AreListedAsFailures_WithTheirCode_AndResumingAFinishedOperationChangesNothing()
    {
        var cold = await _client.CreateAsync("Fail Cold", status: "Cold");
        var closed = await _client.CreateAsync("Fail Closed", status: "Active");
        closed = await _client.ChangeStatusOkAsync(closed.Id, "Closed", closed.Version);

        var response = await _client.PostAsJsonAsync("/api/operations", new { status = "Hot", ids = new[] { cold.Id, closed.Id } }, Api.Json);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(Api.Json)).GetProperty("operation").GetProperty("id").GetString()!;
        var done = await WaitAsync(id, o => o.GetProperty("isFinished").GetBoolean());

        Assert.Equal("completed", done.GetProperty("operation").GetProperty("status").GetString());
        Assert.Equal(1, done.GetProperty("operation").GetProperty("succeeded").GetInt64());
        Assert.Equal(1, done.GetProperty("operation").GetProperty("failed").GetInt64());
        var failure = Assert.Single((await _client.GetFromJsonAsync<JsonElement>($"/api/operations/{id}/failures", Api.Json)).EnumerateArray());
        Assert.Equal(closed.Id.ToString(), failure.GetProperty("targetId").GetString());
        Assert.Equal("transition_not_allowed", failure.GetProperty("code").GetString());

        var resumed = await _client.PostAsync($"/api/operations/{id}/resume", null);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal(
            done.GetProperty("operation").GetProperty("lastUpdatedAt").GetDateTimeOffset(),
            (await resumed.Content.ReadFromJsonAsync<JsonElement>(Api.Json)).GetProperty("operation").GetProperty("lastUpdatedAt").GetDateTimeOffset());
        Assert.Equal("Closed", (await _client.GetTargetAsync(closed.Id)).Status);
    }

    [Fact]
    public async Task OperationStartedElsewhere_IsFoundByThePumpsPoll_AndRunToCompleted()
    {
        // Started on the store without the API (another host, or before a restart): nothing wakes the pump, its poll finds it.
        var target = await _client.CreateAsync("Elsewhere", status: "Cold");
        var operations = factory.Services.GetRequiredService<TargetOperations>();
        var started = await operations.StartAsync(new StartOperationRequest($"elsewhere-{Guid.NewGuid():N}", "Passed", OperationSelection.ForIds([new TargetId(target.Id)])));
        Assert.True(started.IsSuccess);

        var done = await WaitAsync(started.Value.Id, o => o.GetProperty("isFinished").GetBoolean());

        Assert.Equal("completed", done.GetProperty("operation").GetProperty("status").GetString());
        Assert.Equal("Passed", (await _client.GetTargetAsync(target.Id)).Status);
    }

    [Fact]
    public async Task UnknownOperation_IsA404_ForReadCancelAndResume()
    {
        var read = await (await _client.GetAsync("/api/operations/no-such-op")).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal("operation_not_found", read.GetProperty("code").GetString());
        await (await _client.PostAsync("/api/operations/no-such-op/cancel", null)).ProblemAsync(HttpStatusCode.NotFound);
        await (await _client.GetAsync("/api/operations/no-such-op/failures")).ProblemAsync(HttpStatusCode.NotFound);
        await (await _client.PostAsync("/api/operations/no-such-op/resume", null)).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task UnknownTargetStatus_IsA422()
    {
        var response = await _client.PostAsJsonAsync("/api/operations", new { status = "Won", filter = new { statuses = new[] { "Cold" } } }, Api.Json);

        Assert.Equal("unknown_status", (await response.ProblemAsync(HttpStatusCode.UnprocessableEntity)).GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("{\"filter\":{\"statuses\":[\"Cold\"]}}", "status")]
    [InlineData("{\"status\":\"Passed\"}", "filter")]
    [InlineData("{\"status\":\"Passed\",\"filter\":{}}", "filter")]
    [InlineData("{\"status\":\"Passed\",\"filter\":{\"statuses\":[\"Cold\"]},\"ids\":[\"3f2504e0-4f89-11d3-9a0c-0305e82c3301\"]}", "filter")]
    [InlineData("{\"status\":\"Passed\",\"filter\":{\"statuses\":[\"Wonn\"]}}", "filter.statuses")]
    [InlineData("{\"status\":\"Passed\",\"filter\":{\"statuses\":[\"Cold\"]},\"batchSize\":0}", "batchSize")]
    [InlineData("{\"status\":\"Passed\",\"filter\":{\"statuses\":[\"Cold\"]},\"batchSize\":\"big\"}", "batchSize")]
    [InlineData("{\"status\":\"Passed\",\"filter\":{\"statusses\":[\"Cold\"]}}", "statusses")]
    [InlineData("{\"status\":\"Passed\",\"ids\":[\"not-a-guid\"]}", "ids[0]")]
    public async Task Start_WithBadInput_IsA400_NamingTheField(string body, string field)
    {
        var response = await _client.PostAsync("/api/operations", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await response.AssertInvalidFieldAsync(field);
    }

    [Theory]
    [InlineData("days=0", "days")]
    [InlineData("take=0", "take")]
    [InlineData("days=week", "days")]
    public async Task List_WithBadInput_IsA400_NamingTheField(string query, string field)
    {
        await (await _client.GetAsync($"/api/operations?{query}")).AssertInvalidFieldAsync(field);
    }

    private async Task<JsonElement> WaitAsync(string id, Func<JsonElement, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var operation = await _client.GetFromJsonAsync<JsonElement>($"/api/operations/{id}", Api.Json);
            if (until(operation))
            {
                return operation;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The operation did not get there in 60 s: {operation}");
            await Task.Delay(100);
        }
    }

    private static string Unique(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..6]}";
}
