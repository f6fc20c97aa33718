using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>
/// The behaviour of tracked bulk operations every store that implements <see cref="IOperationStore"/> must have.
/// An adapter signs up with an empty subclass, as for <see cref="TargetRepositoryConformance{TFixture}"/>.
/// </summary>
public abstract class OperationConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, IStoreFixture
{
    protected FakeTimeProvider Clock { get; } = new();

    private async Task<(TargetTracker Tracker, TargetOperations Operations)> NewAsync()
    {
        var tracker = new TargetTracker(await fixture.CreateRepositoryBesideANeighbourAsync(), new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero }, Clock);
        return (tracker, new TargetOperations(tracker));
    }

    private static async Task<List<Target>> SeedAsync(TargetTracker tracker, int count, string status, string market)
    {
        var result = await tracker.CreateManyAsync(Enumerable.Range(0, count).Select(i => new NewTarget($"{market} {i:D5}", null, [market], status)));
        Assert.True(result.Succeeded);
        return [.. result.Items.Select(i => i.Target!)];
    }

    private static async Task<List<HistoryEntry>> EntriesOfAsync(TargetTracker tracker, TargetId id, string operationId) =>
        [.. (await tracker.GetHistoryAsync(id, new HistoryPageRequest(Limit: 1000))).Where(e => e.OperationId == operationId)];

    private sealed class Recorder : IProgress<OperationProgress>
    {
        public List<OperationProgress> Reports { get; } = [];

        public Action<OperationProgress>? OnReport { get; init; }

        public void Report(OperationProgress value)
        {
            Reports.Add(value);
            OnReport?.Invoke(value);
        }
    }

    private static readonly AuditContext Ops = new() { ActorId = "ops-1", ActorName = "Ops Bot", ClientAddress = "10.1.1.1", UserAgent = "ops/2" };

    [Fact]
    public async Task Operation_OverAQuery_MovesEverySelectedTargetInBatches_WithProgressAndHistory()
    {
        var (tracker, operations) = await NewAsync();
        var eu = await SeedAsync(tracker, 250, "Active", "EU");
        var us = await SeedAsync(tracker, 30, "Active", "US");
        await SeedAsync(tracker, 20, "Cold", "EU");

        var started = await operations.StartAsync(new StartOperationRequest("move-eu", "hot", OperationSelection.Where(new TargetQuery { Statuses = ["active"], Market = "eu" })), Ops);
        Assert.True(started.IsSuccess, started.ToString());
        Assert.Equal((OperationStatus.Pending, 250L, 100, "Hot", 3), (started.Value.Status, started.Value.Total, started.Value.BatchSize, started.Value.TargetStatus, started.Value.MaxRetries));

        Clock.Advance(TimeSpan.FromSeconds(3));
        var progress = new Recorder();
        var done = (await operations.RunAsync("move-eu", progress)).Value!;
        Assert.Equal((OperationStatus.Completed, 250L, 250L, 0L, 3L), (done.Status, done.Processed, done.Succeeded, done.Failed, done.CurrentBatch));
        Assert.Equal([100L, 200L, 250L], progress.Reports.Select(p => p.Processed));
        Assert.Equal([40.0, 80.0, 100.0], progress.Reports.Select(p => p.Percent));
        Assert.Equal(Clock.GetUtcNow(), done.CompletedAt);
        Assert.Equal(TimeSpan.Zero, done.Duration);

        foreach (var target in eu)
        {
            Assert.Equal(("Hot", 2L), ((await tracker.GetAsync(target.Id)).Value!.Status, (await tracker.GetAsync(target.Id)).Value!.Version));
            var entry = Assert.Single(await EntriesOfAsync(tracker, target.Id, "move-eu"));
            Assert.Equal(("Active", (string?)"Hot", "move-eu", "Ops Bot", "ops/2"), (entry.OldStatus, entry.NewStatus, entry.CorrelationId, entry.ActorName, entry.UserAgent));
        }

        Assert.All(await Task.WhenAll(us.Select(t => tracker.GetAsync(t.Id))), r => Assert.Equal("Active", r.Value!.Status));
        Assert.Equal(new OperationSummary("move-eu", OperationStatus.Completed, 250, 0, 250, TimeSpan.Zero, "ops-1", "Ops Bot"), (await operations.GetSummaryAsync("move-eu")).Value);
        Assert.Equal(new TargetOperationStats(eu[0].Id, 1, Clock.GetUtcNow()), await operations.GetTargetStatsAsync(eu[0].Id));
    }

    [Fact]
    public async Task Operation_OverIds_ReportsEachFailedItemWithItsTypedReason()
    {
        var (tracker, operations) = await NewAsync();
        var cold = await SeedAsync(tracker, 3, "Cold", "EU");
        var closed = await SeedAsync(tracker, 2, "Closed", "EU");
        var missing = TargetId.New(Clock);
        var alreadyActive = await SeedAsync(tracker, 1, "Active", "EU");
        var ids = cold.Concat(closed).Concat(alreadyActive).Select(t => t.Id).Append(missing).Append(cold[0].Id).ToList();

        var started = (await operations.StartAsync(new StartOperationRequest("by-ids", "Active", OperationSelection.ForIds(ids)) { BatchSize = 2 })).Value!;
        Assert.Equal(7, started.Total);
        var done = (await operations.RunAsync("by-ids")).Value!;
        Assert.Equal((OperationStatus.Completed, 7L, 4L, 3L, 4L), (done.Status, done.Processed, done.Succeeded, done.Failed, done.CurrentBatch));

        var failures = await operations.GetFailuresAsync("by-ids");
        Assert.Equal(closed.Select(t => t.Id).Append(missing).Order(), failures.Select(f => f.TargetId));
        Assert.Equal(["not_found", "transition_not_allowed", "transition_not_allowed"], failures.Select(f => f.Code).Order());
        var page = await operations.GetFailuresAsync("by-ids", failures[0].TargetId, 1);
        Assert.Equal(failures[1], Assert.Single(page));
        Assert.Empty(await EntriesOfAsync(tracker, alreadyActive[0].Id, "by-ids"));
        Assert.Equal(2, (await tracker.GetAsync(cold[0].Id)).Value!.Version);
    }

    [Fact]
    public async Task Start_WithTheSameIdTwice_Concurrently_ReturnsOneOperation_AndAppliesItOnce()
    {
        var (tracker, operations) = await NewAsync();
        var targets = await SeedAsync(tracker, 120, "Cold", "EU");
        var request = new StartOperationRequest("once", "Active", OperationSelection.Where(new TargetQuery { Market = "EU" })) { BatchSize = 7 };
        var starts = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => operations.StartAsync(request))));
        Assert.All(starts, s => Assert.Equal((120L, OperationStatus.Pending), (s.Value!.Total, s.Value.Status)));

        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => operations.RunAsync("once"))));
        Assert.All(runs, r => Assert.Equal(OperationStatus.Completed, r.Value!.Status));
        var again = await operations.StartAsync(request);
        Assert.Equal((OperationStatus.Completed, 120L, 120L), (again.Value!.Status, again.Value.Processed, again.Value.Succeeded));
        Assert.Equal(OperationStatus.Completed, (await operations.RunAsync("once")).Value!.Status);
        foreach (var target in targets)
        {
            Assert.Single(await EntriesOfAsync(tracker, target.Id, "once"));
            Assert.Equal(2, (await tracker.GetAsync(target.Id)).Value!.Version);
        }
    }

    [Fact]
    public async Task Run_StoppedBetweenBatches_IsInterrupted_AndResumesWithoutApplyingAnythingTwice()
    {
        var (tracker, operations) = await NewAsync();
        var targets = await SeedAsync(tracker, 35, "Hot", "EU");
        await operations.StartAsync(new StartOperationRequest("resume", "Closed", OperationSelection.Where(new TargetQuery())) { BatchSize = 10 });

        using var stop = new CancellationTokenSource();
        var progress = new Recorder { OnReport = p => stop.Cancel() };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => operations.RunAsync("resume", progress, stop.Token));
        var interrupted = (await operations.GetAsync("resume")).Value!;
        Assert.Equal((OperationStatus.Processing, 10L, 1L), (interrupted.Status, interrupted.Processed, interrupted.CurrentBatch));

        Assert.Empty(await operations.FindRunnableAsync());
        Clock.Advance(new TargetTrackingOptions().Operations.InterruptedAfter + TimeSpan.FromSeconds(1));
        Assert.Equal("resume", Assert.Single(await operations.FindRunnableAsync()).Id);

        var done = (await operations.RunAsync("resume")).Value!;
        Assert.Equal((OperationStatus.Completed, 35L, 35L, 4L), (done.Status, done.Processed, done.Succeeded, done.CurrentBatch));
        foreach (var target in targets)
        {
            Assert.Single(await EntriesOfAsync(tracker, target.Id, "resume"));
        }

        Assert.Empty(await operations.FindRunnableAsync());
    }

    [Fact]
    public async Task Cancel_StopsAfterTheCurrentBatch_AndKeepsWhatWasCommitted()
    {
        var (tracker, operations) = await NewAsync();
        await SeedAsync(tracker, 30, "Cold", "EU");
        await operations.StartAsync(new StartOperationRequest("pending", "Hot", OperationSelection.Where(new TargetQuery())));
        var cancelledWhilePending = (await operations.CancelAsync("pending")).Value!;
        Assert.Equal(OperationStatus.Cancelled, cancelledWhilePending.Status);
        Assert.Equal((OperationStatus.Cancelled, 0L), ((await operations.RunAsync("pending")).Value!.Status, (await operations.GetAsync("pending")).Value!.Processed));

        await operations.StartAsync(new StartOperationRequest("running", "Hot", OperationSelection.Where(new TargetQuery())) { BatchSize = 10 });
        using var stop = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => operations.RunAsync("running", new Recorder { OnReport = _ => stop.Cancel() }, stop.Token));
        var requested = (await operations.CancelAsync("running")).Value!;
        Assert.Equal((OperationStatus.Processing, true), (requested.Status, requested.CancelRequested));
        var cancelled = (await operations.RunAsync("running")).Value!;
        Assert.Equal((OperationStatus.Cancelled, 10L), (cancelled.Status, cancelled.Processed));
        Assert.Equal(10, (await tracker.QueryAsync(new TargetQuery { Statuses = ["Hot"] })).TotalCount);
        Assert.Equal(OperationStatus.Cancelled, (await operations.CancelAsync("running")).Value!.Status);
    }

    [Fact]
    public async Task Retention_RemovesFinishedOperationsPastTheirAge_AndKeepsTheirHistory()
    {
        var (tracker, operations) = await NewAsync();
        var targets = await SeedAsync(tracker, 3, "Cold", "EU");
        await operations.StartAsync(new StartOperationRequest("old", "Active", OperationSelection.ForIds([targets[0].Id, TargetId.New(Clock)])));
        await operations.RunAsync("old");
        Assert.Single(await operations.GetFailuresAsync("old"));
        await operations.StartAsync(new StartOperationRequest("old-pending", "Active", OperationSelection.ForIds([targets[1].Id])));
        Clock.Advance(TimeSpan.FromDays(31));
        await operations.StartAsync(new StartOperationRequest("recent", "Active", OperationSelection.ForIds([targets[2].Id])));
        await operations.RunAsync("recent");

        Assert.Equal(1, await operations.RemoveExpiredAsync());
        Assert.IsType<OperationNotFoundError>((await operations.GetAsync("old")).Error);
        Assert.Empty(await operations.GetFailuresAsync("old"));
        Assert.True((await operations.GetAsync("old-pending")).IsSuccess);
        Assert.True((await operations.GetAsync("recent")).IsSuccess);
        Assert.Single(await EntriesOfAsync(tracker, targets[0].Id, "old"));
        Assert.Equal(0, await operations.RemoveExpiredAsync());
    }

    [Fact]
    public async Task Start_WithBadInput_ReturnsTypedErrors_AndStoresNothing()
    {
        var (_, operations) = await NewAsync();
        var all = OperationSelection.Where(new TargetQuery());
        Assert.Equal(["batchSize"], Assert.IsType<InvalidInputError>((await operations.StartAsync(new StartOperationRequest("x", "Hot", all) { BatchSize = 1001 })).Error).Errors.Select(e => e.Field));
        Assert.Equal(["operationId", "batchSize"], Assert.IsType<InvalidInputError>((await operations.StartAsync(new StartOperationRequest(" ", "Hot", all) { BatchSize = 0 })).Error).Errors.Select(e => e.Field));
        Assert.IsType<UnknownStatusError>((await operations.StartAsync(new StartOperationRequest("x", "Lukewarm", all))).Error);
        await Assert.ThrowsAsync<ArgumentException>(() => operations.StartAsync(new StartOperationRequest("x", "Hot", OperationSelection.Where(new TargetQuery { Statuses = ["Lukewarm"] }))));
        Assert.IsType<OperationNotFoundError>((await operations.GetAsync("x")).Error);
        Assert.IsType<OperationNotFoundError>((await operations.RunAsync("x")).Error);
        Assert.IsType<OperationNotFoundError>((await operations.CancelAsync("x")).Error);
    }

    [Fact]
    public async Task Start_WithTextNoStoreKeeps_InTheFilterOrTheId_IsRefusedAlike_OnEveryStore()
    {
        var (tracker, operations) = await NewAsync();
        await SeedAsync(tracker, 3, "Active", "EU");

        await Assert.ThrowsAsync<ArgumentException>(() => operations.StartAsync(new StartOperationRequest("nul", "Hot", OperationSelection.Where(new TargetQuery { NameContains = "EU\0" }))));
        await Assert.ThrowsAsync<ArgumentException>(() => operations.StartAsync(new StartOperationRequest("lone", "Hot", OperationSelection.Where(new TargetQuery { Market = "\uD800" }))));
        var badId = await operations.StartAsync(new StartOperationRequest("op-\uDC00", "Hot", OperationSelection.Where(new TargetQuery())));
        Assert.Equal("operationId", Assert.Single(Assert.IsType<InvalidInputError>(badId.Error).Errors).Field);

        // An audit context no store keeps as given is cleaned, never a reason to refuse the operation.
        var started = await operations.StartAsync(new StartOperationRequest("ok", "Hot", OperationSelection.Where(new TargetQuery { Market = "EU" })), new AuditContext { ActorName = new string('a', AuditContext.MaxFieldLength - 1) + "🚀", UserAgent = "\uD800" });
        Assert.True(started.IsSuccess, started.ToString());
        Assert.Equal((new string('a', AuditContext.MaxFieldLength - 1), "\uFFFD"), (started.Value.ActorName, started.Value.UserAgent));
        var done = (await operations.RunAsync("ok")).Value!;
        Assert.Equal((OperationStatus.Completed, 3L), (done.Status, done.Succeeded));
    }

    [Fact]
    public async Task ReturnedLists_OfOperations_CannotBeWrittenThrough()
    {
        var (tracker, operations) = await NewAsync();
        var seeded = await SeedAsync(tracker, 3, "Closed", "EU");
        await operations.StartAsync(new StartOperationRequest("stuck", "Cold", OperationSelection.ForIds([.. seeded.Select(t => t.Id)])));
        await operations.StartAsync(new StartOperationRequest("pending", "Cold", OperationSelection.ForIds([seeded[0].Id])));
        Assert.Equal(3, (await operations.RunAsync("stuck")).Value!.Failed);

        ReadOnlyAssert.CannotWriteThrough(await operations.GetFailuresAsync("stuck"), "operation failures");
        ReadOnlyAssert.CannotWriteThrough(await operations.FindRunnableAsync(), "runnable operations");
        Assert.Equal(3, (await operations.GetFailuresAsync("stuck")).Count);
    }
}
