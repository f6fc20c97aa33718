using TargetTracking;

namespace TargetTracking.Conformance;

public abstract partial class TargetRepositoryConformance<TFixture>
{
    [Fact]
    public async Task Stagnation_FindsTargetsStuckInAStatusTooLong_LongestFirst()
    {
        var tracker = await NewTrackerAsync();
        var oldest = await CreateAsync(tracker, "Oldest", "Hot");
        Clock.Advance(TimeSpan.FromDays(1));
        var neverMoved = await CreateAsync(tracker, "Never moved");
        Clock.Advance(TimeSpan.FromDays(10));
        var moved = await CreateAsync(tracker, "Moved", "Cold");
        Assert.True((await tracker.ChangeStatusAsync(moved.Id, 1, "Hot")).IsSuccess);
        var closed = await CreateAsync(tracker, "Closed long ago", "Hot");
        Assert.True((await tracker.ChangeStatusAsync(closed.Id, 1, "Closed")).IsSuccess);
        Clock.Advance(TimeSpan.FromDays(5));

        var health = new TargetHealth(tracker);
        var stagnant = await health.FindStagnantAsync(new Dictionary<string, TimeSpan> { ["Hot"] = TimeSpan.FromDays(7), [PipelineOptions.NotSet] = TimeSpan.FromDays(14) });
        Assert.Equal([oldest.Id, neverMoved.Id], stagnant.Select(s => s.Target.Id));
        Assert.Equal((TimeSpan.FromDays(16), TimeSpan.FromDays(15)), (stagnant[0].Age, stagnant[1].Age));
        Assert.Equal(oldest.StatusChangedAt, stagnant[0].InStatusSince);
        await Assert.ThrowsAsync<ArgumentException>(() => health.FindStagnantAsync(new Dictionary<string, TimeSpan> { ["Warm"] = TimeSpan.FromDays(1) }));
    }
}
