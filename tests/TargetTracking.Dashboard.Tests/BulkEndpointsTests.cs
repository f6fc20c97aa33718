using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace TargetTracking.Dashboard.Tests;

public sealed class BulkEndpointsTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task BulkStatus_AllOrNothing_AppliesEveryItem()
    {
        var a = await _client.CreateAsync("Bulk A", status: "Cold");
        var b = await _client.CreateAsync("Bulk B", status: "Active");

        var result = await BulkAsync(null, (a.Id, 1, "Active"), (b.Id, 1, "Hot"));

        Assert.True(result.GetProperty("succeeded").GetBoolean());
        Assert.Equal("allOrNothing", result.GetProperty("mode").GetString());
        Assert.Equal(2, result.GetProperty("appliedCount").GetInt32());
        Assert.Equal(["applied", "applied"], States(result));
        Assert.Equal(2, result.GetProperty("items")[1].GetProperty("target").GetProperty("version").GetInt64());
        Assert.Equal(("Active", "Hot"), ((await _client.GetTargetAsync(a.Id)).Status, (await _client.GetTargetAsync(b.Id)).Status));
    }

    [Fact]
    public async Task BulkStatus_AllOrNothingWithOneBadItem_AppliesNothingAndSaysWhy()
    {
        var a = await _client.CreateAsync("Rollback A", status: "Cold");
        var b = await _client.CreateAsync("Rollback B", status: "Cold");
        var c = await _client.CreateAsync("Rollback C", status: "Cold");

        var result = await BulkAsync("allOrNothing", (a.Id, 1, "Active"), (b.Id, 1, "Closed"), (c.Id, 7, "Hot"));

        Assert.False(result.GetProperty("succeeded").GetBoolean());
        Assert.Equal(0, result.GetProperty("appliedCount").GetInt32());
        Assert.Equal(2, result.GetProperty("failedCount").GetInt32());
        Assert.Equal(["rolledBack", "failed", "failed"], States(result));
        var forbidden = result.GetProperty("items")[1].GetProperty("error");
        Assert.Equal((422, "transition_not_allowed"), (forbidden.GetProperty("status").GetInt32(), forbidden.GetProperty("code").GetString()));
        Assert.Equal(["Passed", "Active", "Hot"], forbidden.GetProperty("allowedNext").Strings());
        var conflict = result.GetProperty("items")[2].GetProperty("error");
        Assert.Equal((409, 1L), (conflict.GetProperty("status").GetInt32(), conflict.GetProperty("currentVersion").GetInt64()));
        foreach (var id in new[] { a.Id, b.Id, c.Id })
        {
            Assert.Equal(("Cold", 1L), ((await _client.GetTargetAsync(id)).Status, (await _client.GetTargetAsync(id)).Version));
        }
    }

    [Fact]
    public async Task BulkStatus_Partial_AppliesValidItemsAndReportsEachFailure()
    {
        var a = await _client.CreateAsync("Partial A", status: "Cold");
        var b = await _client.CreateAsync("Partial B", status: "Cold");
        var missing = Guid.CreateVersion7();

        var result = await BulkAsync("partial", (a.Id, 1, "Active"), (b.Id, 1, "Won"), (missing, 1, "Hot"));

        Assert.False(result.GetProperty("succeeded").GetBoolean());
        Assert.Equal("partial", result.GetProperty("mode").GetString());
        Assert.Equal((1, 2), (result.GetProperty("appliedCount").GetInt32(), result.GetProperty("failedCount").GetInt32()));
        Assert.Equal(["applied", "failed", "failed"], States(result));
        Assert.Equal("unknown_status", result.GetProperty("items")[1].GetProperty("error").GetProperty("code").GetString());
        var notFound = result.GetProperty("items")[2];
        Assert.Equal((missing.ToString(), 404), (notFound.GetProperty("id").GetString(), notFound.GetProperty("error").GetProperty("status").GetInt32()));
        Assert.Equal("Active", (await _client.GetTargetAsync(a.Id)).Status);
        Assert.Equal("Cold", (await _client.GetTargetAsync(b.Id)).Status);
    }

    [Fact]
    public async Task BulkStatus_ChainedChangesToOneTarget_ApplyInOrder()
    {
        var a = await _client.CreateAsync("Chained", status: "Cold");

        var result = await BulkAsync(null, (a.Id, 1, "Active"), (a.Id, 2, "Hot"));

        Assert.Equal(["applied", "applied"], States(result));
        Assert.Equal(("Hot", 3L), ((await _client.GetTargetAsync(a.Id)).Status, (await _client.GetTargetAsync(a.Id)).Version));
        Assert.Equal(3, (await _client.GetHistoryAsync(a.Id)).Items.Length);
    }

    [Fact]
    public async Task BulkStatus_WithoutItemsOrWithUnknownMode_ReturnsValidationProblemPerField()
    {
        var response = await _client.PostAsJsonAsync("/api/targets/bulk/status", new { mode = "sometimes", items = Array.Empty<object>() });

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["items", "mode"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task BulkStatus_WithItemIdThatIsNotAGuid_ReturnsBadRequestProblem()
    {
        var response = await _client.PostAsJsonAsync("/api/targets/bulk/status", new { items = new[] { new { id = "nope", expectedVersion = 1, status = "Cold" } } });

        await response.ProblemAsync(HttpStatusCode.BadRequest);
    }

    private async Task<JsonElement> BulkAsync(string? mode, params (Guid Id, long Version, string? Status)[] items)
    {
        var response = await _client.PostAsJsonAsync(
            "/api/targets/bulk/status",
            new { mode, items = items.Select(i => new { id = i.Id, expectedVersion = i.Version, status = i.Status }) },
            Api.Json);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Api.Json);
    }

    private static string[] States(JsonElement result) => [.. result.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("state").GetString()!)];
}
