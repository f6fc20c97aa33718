using System.Net.Http.Json;
using System.Text.Json;

namespace TargetTracking.Dashboard.Tests;

public sealed class DemoDataTests(SeededDashboardFactory factory) : IClassFixture<SeededDashboardFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task EmptyStore_IsSeededWithAPipelineAcrossMarketsAndStatuses_WithHistory()
    {
        var all = await _client.ListAsync("?take=1000");

        Assert.InRange(all.TotalCount, 30, 60);
        Assert.True(all.Items.Select(t => t.Status).Distinct().Count() >= 5, "targets spread over most statuses");
        Assert.True(all.Items.SelectMany(t => t.Markets).Distinct().Count() >= 8, "targets spread over many markets");
        Assert.Contains(all.Items, t => t.Status is null);
        var moved = all.Items.OrderByDescending(t => t.Version).First();
        var history = await _client.GetHistoryAsync(moved.Id);
        Assert.Equal(moved.Version, history.Items.Length);
        Assert.Contains(history.Items, h => h.ActorName is not null);
        Assert.True(history.Items[^1].OccurredAt < history.Items[0].OccurredAt, "history spreads over time");
    }

    [Fact]
    public async Task SeededTargets_FollowThePipeline()
    {
        var pipeline = await _client.GetFromJsonAsync<JsonElement>("/api/pipeline");
        var allowed = pipeline.GetProperty("transitions").EnumerateArray().ToDictionary(
            t => t.GetProperty("from").GetString() ?? "", t => t.GetProperty("allowedNext").EnumerateArray().Select(s => s.GetString()).ToList());

        foreach (var target in (await _client.ListAsync("?take=1000")).Items.Where(t => t.Version > 2))
        {
            foreach (var entry in (await _client.GetHistoryAsync(target.Id)).Items.Where(h => h.Action == "statusChanged"))
            {
                Assert.Contains(entry.NewStatus, allowed[entry.OldStatus ?? ""]);
            }
        }
    }

    [Fact]
    public async Task Store_StartsEmpty_WhenSeedingIsTurnedOff()
    {
        await using var unseeded = new DashboardFactory();

        var all = await unseeded.CreateClient().ListAsync("?take=1");

        Assert.Equal(0, all.TotalCount);
    }
}
