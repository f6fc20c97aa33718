using TargetTracking;

namespace TargetTracking.Conformance;

public abstract partial class TargetRepositoryConformance<TFixture>
{
    [Fact]
    public async Task Integrity_OfDataWrittenThroughTheTracker_IsHealthy_DeletedTargetsIncluded()
    {
        var tracker = await NewTrackerAsync();
        var a = await CreateAsync(tracker, "A", "Cold");
        var b = await CreateAsync(tracker, "B");
        Assert.True((await tracker.ChangeStatusAsync(a.Id, 1, "Hot")).IsSuccess);
        Assert.True((await tracker.DeleteAsync(b.Id, 1)).IsSuccess);

        var report = await new TargetHealth(tracker).CheckIntegrityAsync();
        Assert.True(report.IsHealthy, string.Join("; ", report.Problems));
        Assert.Equal((1L, 4L), (report.TargetsChecked, report.EntriesChecked));
    }

    [Fact]
    public async Task Integrity_FindsOrphanedHistory_AndStatusThatDisagreesWithHistory()
    {
        var repository = await Fixture.CreateRepositoryAsync();
        var tracker = new TargetTracker(repository, new TargetTrackingOptions(), Clock);
        var drifted = await CreateAsync(tracker, "Drifted", "Cold");
        var unaudited = await CreateAsync(tracker, "Unaudited", "Cold");
        var gone = TargetId.New(Clock);

        // Writes that bypass the core, as a hand-written script against the database might.
        var session = await repository.BeginWriteAsync();
        await using (session)
        {
            await session.LockAsync([drifted.Id]);
            await session.SaveAsync(new ChangeSet
            {
                Updates = [new TargetWrite(drifted with { Status = "Closed", Version = 2 }, 1)],
                Inserts = [unaudited with { Id = TargetId.New(Clock), Name = "No history" }],
                History = [new HistoryEntry { Id = Guid.CreateVersion7(), TargetId = gone, Action = HistoryAction.Created, Version = 1, OccurredAt = Clock.GetUtcNow(), CorrelationId = "script" }],
            });
            await session.CommitAsync();
        }

        var report = await new TargetHealth(tracker).CheckIntegrityAsync();
        Assert.Equal(
            [(IntegrityProblemKind.OrphanedHistory, gone), (IntegrityProblemKind.StatusDisagreesWithHistory, drifted.Id)],
            report.Problems.Where(p => p.Kind != IntegrityProblemKind.MissingHistory).Select(p => (p.Kind, p.TargetId)));
        Assert.Single(report.Problems, p => p.Kind == IntegrityProblemKind.MissingHistory);
        Assert.Contains("Closed at version 2", report.Problems.Single(p => p.TargetId == drifted.Id).Detail, StringComparison.Ordinal);
    }

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
