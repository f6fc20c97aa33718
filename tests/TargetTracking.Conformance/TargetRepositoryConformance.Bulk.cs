using TargetTracking;

namespace TargetTracking.Conformance;

public abstract partial class TargetRepositoryConformance<TFixture>
{
    private async Task<(TargetTracker Tracker, List<Target> Targets)> SeedAsync(int count, string? status = "Cold", Action<TargetTrackingOptions>? configure = null)
    {
        var tracker = await NewTrackerAsync(configure);
        var created = await tracker.CreateManyAsync(Enumerable.Range(0, count).Select(i => new NewTarget($"Target {i:D5}", null, ["EU"], status)));
        Assert.True(created.Succeeded);
        return (tracker, [.. created.Items.Select(i => i.Target!)]);
    }

    private static async Task<List<(Target? Target, List<HistoryEntry> History)>> SnapshotAsync(TargetTracker tracker, IEnumerable<TargetId> ids)
    {
        var result = new List<(Target?, List<HistoryEntry>)>();
        foreach (var id in ids)
        {
            var target = await tracker.GetAsync(id);
            result.Add((target.IsSuccess ? target.Value : null, await HistoryAsync(tracker, id)));
        }

        return result;
    }

    [Fact]
    public async Task Bulk_AllOrNothing_AppliesEveryItem_InOneUnitOfWork()
    {
        var (tracker, targets) = await SeedAsync(50);
        var bulk = tracker.BeginBulk();
        foreach (var target in targets)
        {
            bulk.ChangeStatus(target.Id, 1, "Active");
        }

        var result = await bulk.CommitAsync(BulkMode.AllOrNothing, Alice with { CorrelationId = null });
        Assert.True(result.Succeeded);
        Assert.Equal(50, result.AppliedCount);
        Assert.Equal(Enumerable.Range(0, 50), result.Items.Select(i => i.Index));
        var correlation = new HashSet<string>();
        foreach (var target in targets)
        {
            Assert.Equal(("Active", 2L), ((await tracker.GetAsync(target.Id)).Value!.Status, (await tracker.GetAsync(target.Id)).Value!.Version));
            var entry = (await HistoryAsync(tracker, target.Id))[0];
            Assert.Equal((HistoryAction.StatusChanged, 2L, "Alice"), (entry.Action, entry.Version, entry.ActorName));
            correlation.Add(entry.CorrelationId);
        }

        Assert.Single(correlation);
        Assert.Equal(50, (await tracker.QueryAsync(new TargetQuery { Statuses = ["Active"] })).TotalCount);
    }

    [Fact]
    public async Task Bulk_AllOrNothing_WithOneBadItem_LeavesNoTrace_AndReportsEveryItem()
    {
        var (tracker, targets) = await SeedAsync(6);
        var before = await SnapshotAsync(tracker, targets.Select(t => t.Id));
        var missing = TargetId.New(Clock);
        var bulk = tracker.BeginBulk()
            .ChangeStatus(targets[0].Id, 1, "Active")
            .ChangeStatus(targets[1].Id, 9, "Active")
            .ChangeStatus(targets[2].Id, 1, "Closed")
            .ChangeStatus(targets[3].Id, 1, "Warm")
            .ChangeStatus(missing, 1, "Active")
            .Delete(targets[4].Id, 1);
        bulk.Create(new NewTarget("New one"));
        var result = await bulk.CommitAsync();

        Assert.False(result.Succeeded);
        Assert.Equal(
            [BulkItemState.RolledBack, BulkItemState.Failed, BulkItemState.Failed, BulkItemState.Failed, BulkItemState.Failed, BulkItemState.RolledBack, BulkItemState.RolledBack],
            result.Items.Select(i => i.State));
        Assert.IsType<VersionConflictError>(result.Items[1].Error);
        Assert.IsType<TransitionNotAllowedError>(result.Items[2].Error);
        Assert.IsType<UnknownStatusError>(result.Items[3].Error);
        Assert.Equal(new NotFoundError(missing), result.Items[4].Error);
        var after = await SnapshotAsync(tracker, targets.Select(t => t.Id));
        Assert.Equal(before.Count, after.Count);
        foreach (var (b, a) in before.Zip(after))
        {
            Assert.True(b.Target!.SameAs(a.Target));
            Assert.Equal(b.History, a.History);
        }

        Assert.Equal(6, (await tracker.QueryAsync()).TotalCount);
    }

    [Fact]
    public async Task Bulk_Partial_CommitsValidItems_WithTypedOutcomePerItem()
    {
        var (tracker, targets) = await SeedAsync(4);
        var result = await tracker.BeginBulk()
            .ChangeStatus(targets[0].Id, 1, "Hot")
            .ChangeStatus(targets[1].Id, 2, "Hot")
            .ChangeStatus(targets[2].Id, 1, "Cold")
            .ChangeStatus(targets[3].Id, 1, "Closed")
            .CommitAsync(BulkMode.Partial);

        Assert.Equal([BulkItemState.Applied, BulkItemState.Failed, BulkItemState.Unchanged, BulkItemState.Failed], result.Items.Select(i => i.State));
        Assert.Equal(("Hot", 2L), (result.Items[0].Target!.Status, result.Items[0].Target!.Version));
        Assert.IsType<VersionConflictError>(result.Items[1].Error);
        Assert.IsType<TransitionNotAllowedError>(result.Items[3].Error);
        Assert.Equal("Hot", (await tracker.GetAsync(targets[0].Id)).Value!.Status);
        var versions = await Task.WhenAll(targets.Skip(1).Select(async t => (await tracker.GetAsync(t.Id)).Value!.Version));
        Assert.Equal([1L, 1L, 1L], versions);
        Assert.Equal(2, (await HistoryAsync(tracker, targets[0].Id)).Count);
    }

    [Fact]
    public async Task Bulk_ChainsChangesToOneTarget_AndMixesCommands()
    {
        var (tracker, targets) = await SeedAsync(2);
        var bulk = tracker.BeginBulk()
            .ChangeStatus(targets[0].Id, 1, "Active")
            .ChangeStatus(targets[0].Id, 2, "Hot")
            .Update(targets[0].Id, 3, new TargetUpdate("Renamed", "now with text", ["US"]))
            .Delete(targets[1].Id, 1);
        var created = bulk.Create(new NewTarget("Born", Status: "Cold"));
        bulk.ChangeStatus(created, 1, "Active");
        var transient = bulk.Create(new NewTarget("Short-lived"));
        bulk.Delete(transient, 1);
        var result = await bulk.CommitAsync();

        Assert.True(result.Succeeded, string.Join("; ", result.Items.Select(i => i.Error?.Message)));
        var first = (await tracker.GetAsync(targets[0].Id)).Value!;
        Assert.Equal(("Renamed", "Hot", 4L), (first.Name, first.Status, first.Version));
        Assert.Equal([4L, 3L, 2L, 1L], (await HistoryAsync(tracker, targets[0].Id)).Select(h => h.Version));
        Assert.IsType<NotFoundError>((await tracker.GetAsync(targets[1].Id)).Error);
        var born = (await tracker.GetAsync(created)).Value!;
        Assert.Equal(("Active", 2L), (born.Status, born.Version));
        Assert.IsType<NotFoundError>((await tracker.GetAsync(transient)).Error);
        Assert.Equal([HistoryAction.Deleted, HistoryAction.Created], (await HistoryAsync(tracker, transient)).Select(h => h.Action));
    }

    [Fact]
    public async Task Bulk_OverTheCap_IsRefusedBeforeAnyWrite()
    {
        var tracker = await NewTrackerAsync(o => o.MaxBulkItems = 2);
        List<Target> targets = [await CreateAsync(tracker, "a", "Cold"), await CreateAsync(tracker, "b", "Cold"), await CreateAsync(tracker, "c", "Cold")];
        var bulk = tracker.BeginBulk().ChangeStatus(targets[0].Id, 1, "Active").ChangeStatus(targets[1].Id, 1, "Active");
        Assert.Throws<InvalidOperationException>(() => bulk.ChangeStatus(targets[2].Id, 1, "Active"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => tracker.CreateManyAsync([new("a"), new("b"), new("c")]));
        Assert.Equal(3, (await tracker.QueryAsync()).TotalCount);
    }

    [Fact]
    public async Task Bulk_TenThousandItems_CommitAllOrNothing()
    {
        var (tracker, targets) = await SeedAsync(10_000, status: "Hot");
        var bulk = tracker.BeginBulk();
        foreach (var target in targets)
        {
            bulk.ChangeStatus(target.Id, 1, "Closed");
        }

        var result = await bulk.CommitAsync();
        Assert.Equal(10_000, result.AppliedCount);
        Assert.Equal(10_000, (await tracker.QueryAsync(new TargetQuery { Statuses = ["Closed"], Take = 1 })).TotalCount);
        var feed = await tracker.GetHistoryFeedAsync(new HistoryFeedRequest(Clock.GetUtcNow(), null, 1000));
        Assert.Equal(1000, feed.Count);
    }

    [Fact]
    public async Task Write_WithCancelledToken_Throws_AndWritesNothing()
    {
        var tracker = await NewTrackerAsync();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => tracker.CreateAsync(new NewTarget("Acme"), null, cts.Token));
        Assert.Equal(0, (await tracker.QueryAsync()).TotalCount);
    }
}
