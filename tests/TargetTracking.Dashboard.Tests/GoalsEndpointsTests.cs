using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace TargetTracking.Dashboard.Tests;

/// <summary>Goals, sprints and commitments over HTTP: linked through targets only, with progress from the outcomes.</summary>
public sealed class GoalsEndpointsTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task GoalTree_ShowsOutcomesWithTheirSprintsAndCommitments_AndProgressFromTheirStatuses()
    {
        var goal = await CreateItemAsync("goals", new { title = $"Enter the Nordics {Guid.NewGuid():N}", targetDate = "2027-06-30" });
        var sprint = await CreateItemAsync("sprints", new { title = "Sprint 14", sprintName = "S14", startDate = "2026-11-02", endDate = "2026-12-18" });
        var commitment = await CreateItemAsync("commitments", new { title = "Call three distributors" });
        var won = await _client.CreateAsync("Won outcome", status: "Active");
        await _client.ChangeStatusOkAsync(won.Id, "Closed", 1);
        var open = await _client.CreateAsync("Open outcome", status: "Active");

        foreach (var (target, item) in new[] { (won.Id, goal), (open.Id, goal), (open.Id, sprint), (open.Id, commitment) })
        {
            Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync($"/api/targets/{target}/links/{item}", null)).StatusCode);
        }

        var again = await (await _client.PutAsync($"/api/targets/{open.Id}/links/{goal}", null)).Content.ReadFromJsonAsync<JsonElement>(Api.Json);
        var tree = await _client.GetFromJsonAsync<JsonElement>($"/api/goals/{goal}/tree", Api.Json);
        var listed = (await _client.GetFromJsonAsync<JsonElement>("/api/goals?take=1000", Api.Json)).GetProperty("items").EnumerateArray()
            .Single(g => g.GetProperty("goal").GetProperty("id").GetGuid() == goal);

        Assert.Equal("unchanged", again.GetProperty("state").GetString());
        Assert.Equal(75, tree.GetProperty("progress").GetProperty("percent").GetDouble());
        Assert.Equal(75, listed.GetProperty("progress").GetProperty("percent").GetDouble());
        var outcomes = tree.GetProperty("tree").GetProperty("outcomes").EnumerateArray().ToDictionary(o => o.GetProperty("outcome").GetProperty("id").GetGuid());
        Assert.Equal(["S14"], outcomes[open.Id].GetProperty("sprints").EnumerateArray().Select(s => s.GetProperty("sprintName").GetString()));
        Assert.Equal(["Call three distributors"], outcomes[open.Id].GetProperty("commitments").EnumerateArray().Select(c => c.GetProperty("title").GetString()));
        Assert.Empty(outcomes[won.Id].GetProperty("sprints").EnumerateArray());
    }

    [Fact]
    public async Task LinkToAMissingItem_IsA404Problem_AndAGoalWithoutOutcomes_HasNoProgressYet()
    {
        var target = await _client.CreateAsync("Lonely outcome");
        var goal = await CreateItemAsync("goals", new { title = "Nothing linked" });

        var missing = await (await _client.PutAsync($"/api/targets/{target.Id}/links/{Guid.NewGuid()}", null)).ProblemAsync(HttpStatusCode.NotFound);
        var tree = await _client.GetFromJsonAsync<JsonElement>($"/api/goals/{goal}/tree", Api.Json);

        Assert.Equal("not_found", missing.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, tree.GetProperty("progress").GetProperty("percent").ValueKind);
    }

    private async Task<Guid> CreateItemAsync(string kind, object body)
    {
        var response = await _client.PostAsJsonAsync($"/api/{kind}", body, Api.Json);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Api.Json)).GetProperty("id").GetGuid();
    }
}
