using Microsoft.Extensions.Logging;
using TargetTracking.Conformance;

namespace TargetTracking.Tests;

/// <summary>When the store is down, what the library logs, throws and returns says what happened.</summary>
public sealed class FailureTests
{
    private static (TargetTracker Tracker, LogCapture Logs) Tracker(FaultyRepository store, int retries = 2)
    {
        var logs = new LogCapture();
        var tracker = new TargetTracker(store, new TargetTrackingOptions { MaxRetryAttempts = retries, RetryBaseDelay = TimeSpan.Zero }, new FakeTimeProvider(), logger: logs.For<TargetTracker>());
        return (tracker, logs);
    }

    private static async Task<Target[]> SeedAsync(TargetTracker tracker, int count)
    {
        var created = await tracker.CreateManyAsync(Enumerable.Range(0, count).Select(i => new NewTarget($"T{i}", Status: "Cold", Markets: ["EU"])));
        Assert.True(created.Succeeded);
        return [.. created.Items.Select(i => i.Target!)];
    }

    [Fact]
    public async Task RetriesRunOut_LogsOneEvent_AndThrows_WithWhatIsNeededToReplayTheUnitOfWork()
    {
        var store = new FaultyRepository();
        var (tracker, logs) = Tracker(store);
        var seeded = await SeedAsync(tracker, 3);
        store.Fault = _ => new TimeoutException("connection reset");

        var bulk = tracker.BeginBulk();
        var fresh = bulk.Create(new NewTarget("New one", "desc", ["US"], "Hot"));
        bulk.ChangeStatus(seeded[0].Id, 1, "hot");
        bulk.Update(seeded[1].Id, 1, TargetUpdate.From(seeded[1]) with { Name = "Renamed" });
        bulk.Delete(seeded[2].Id, 1);
        var error = await Assert.ThrowsAsync<TargetStoreUnavailableException>(() => bulk.CommitAsync(audit: new AuditContext { ActorName = "Dana", CorrelationId = "corr-9" }));

        Assert.Equal((3, "corr-9", (string?)null, false), (error.Attempts, error.CorrelationId, error.OperationId, error.CommitOutcomeUnknown));
        Assert.IsType<TimeoutException>(error.InnerException);
        Assert.Equal(
            [
                (RequestedChangeKind.Create, fresh, (long?)null, (string?)"Hot"),
                (RequestedChangeKind.ChangeStatus, seeded[0].Id, 1, "hot"),
                (RequestedChangeKind.Update, seeded[1].Id, 1, null),
                (RequestedChangeKind.Delete, seeded[2].Id, 1, null),
            ],
            error.Changes.Select(c => (c.Kind, c.TargetId, c.ExpectedVersion, c.Status)));
        Assert.Equal("New one", error.Changes[0].NewTarget!.Name);
        Assert.Equal("Renamed", error.Changes[2].Update!.Name);
        Assert.Contains("nothing was written", error.Message, StringComparison.Ordinal);
        Assert.Contains(seeded[0].Id.ToString(), error.Message, StringComparison.Ordinal);

        var logged = Assert.Single(logs.Events, e => e.EventId.Id == 3);
        Assert.Equal((LogLevel.Error, "UnitOfWorkAbandoned"), (logged.Level, logged.EventId.Name));
        Assert.Equal("corr-9", logged.Values["CorrelationId"]);
        Assert.Equal(4, logged.Values["ChangeCount"]);
        Assert.Equal(false, logged.Values["CommitOutcomeUnknown"]);
        Assert.Equal(error.Changes, (IEnumerable<RequestedChange>)logged.Values["Changes"]!);
        Assert.Contains($"ChangeStatus {seeded[0].Id} at version 1 to hot", logged.Message, StringComparison.Ordinal);
        Assert.Contains($"Delete {seeded[2].Id} at version 1", logged.Message, StringComparison.Ordinal);
        Assert.Same(error.InnerException, logged.Exception);
        Assert.Equal(2, logs.Events.Count(e => e.EventId.Id == 1));

        // Nothing was written, as it says; replaying what it carries applies the unit of work.
        Assert.All(seeded, t => Assert.Equal(1, tracker.GetAsync(t.Id).Result.Value!.Version));
        store.Fault = _ => null;
        var replay = tracker.BeginBulk();
        foreach (var change in error.Changes.Where(c => c.Kind == RequestedChangeKind.ChangeStatus))
        {
            replay.ChangeStatus(change.TargetId, change.ExpectedVersion!.Value, change.Status);
        }

        Assert.True((await replay.CommitAsync()).Succeeded);
    }

    [Fact]
    public async Task RetriesRunOut_WithoutACorrelationId_GiveTheLogTheExceptionAndEveryAttemptTheSameOne()
    {
        var store = new FaultyRepository();
        var (tracker, logs) = Tracker(store);
        var target = (await SeedAsync(tracker, 1))[0];
        store.Fault = _ => new TimeoutException("down");

        var error = await Assert.ThrowsAsync<TargetStoreUnavailableException>(() => tracker.ChangeStatusAsync(target.Id, 1, "Hot"));

        Assert.False(string.IsNullOrEmpty(error.CorrelationId));
        Assert.Equal(error.CorrelationId, Assert.Single(logs.Events, e => e.EventId.Id == 3).Values["CorrelationId"]);
    }

    [Fact]
    public async Task RetriesRunOut_AfterACommitWhoseAnswerWasLost_SayTheChangesMayHaveBeenWritten()
    {
        var store = new FaultyRepository();
        var (tracker, _) = Tracker(store);
        var target = (await SeedAsync(tracker, 1))[0];
        var commits = store.Commits;
        // The answer of the commit is lost, then the store is down: the next attempts cannot look for the lost commit.
        store.CommitFault = n =>
        {
            if (n != commits + 1)
            {
                return null;
            }

            store.ReadFault = () => new TimeoutException("store down");
            store.BeginFault = () => new TimeoutException("store down");
            return new TimeoutException("answer lost");
        };

        var error = await Assert.ThrowsAsync<TargetStoreUnavailableException>(() => tracker.ChangeStatusAsync(target.Id, 1, "Hot", new AuditContext { CorrelationId = "c-lost" }));

        Assert.True(error.CommitOutcomeUnknown);
        Assert.Contains("may have been written", error.Message, StringComparison.Ordinal);
        store.BeginFault = () => null;
        store.ReadFault = () => null;
        Assert.Equal(("Hot", 2L), ((await tracker.GetAsync(target.Id)).Value!.Status, (await tracker.GetAsync(target.Id)).Value!.Version));
        Assert.Equal("c-lost", (await tracker.GetHistoryAsync(target.Id))[0].CorrelationId);
    }

    [Fact]
    public async Task SingleChange_ThatPassesItsChecks_IsOneGuardedChange_AndNoSessionOfTheCore()
    {
        var store = new FaultyRepository();
        var (tracker, _) = Tracker(store);
        var target = (await SeedAsync(tracker, 1))[0];
        var (sessions, guarded) = (store.Sessions, store.GuardedChanges);

        var moved = await tracker.ChangeStatusAsync(target.Id, 1, "hot");

        Assert.Equal(("Hot", 2L), (moved.Value?.Status, moved.Value?.Version ?? 0));
        Assert.Equal((1, 1), (store.GuardedChanges - guarded, store.Sessions - sessions));
    }

    [Theory]
    [InlineData("stale")]
    [InlineData("forbidden")]
    [InlineData("missing")]
    [InlineData("same")]
    public async Task SingleChange_WhoseChecksFail_IsDecidedUnderALock_WithTheSameTypedError(string why)
    {
        var store = new FaultyRepository();
        var (tracker, _) = Tracker(store);
        var target = (await SeedAsync(tracker, 1))[0];
        var (sessions, guarded, saves) = (store.Sessions, store.GuardedChanges, store.Saves);

        var result = why switch
        {
            "stale" => await tracker.ChangeStatusAsync(target.Id, 2, "Hot"),
            "forbidden" => await tracker.ChangeStatusAsync(target.Id, 1, "Closed"),
            "missing" => await tracker.ChangeStatusAsync(TargetId.New(TimeProvider.System), 1, "Hot"),
            _ => await tracker.ChangeStatusAsync(target.Id, 1, target.Status),
        };

        Assert.Equal((1, 2, 0), (store.GuardedChanges - guarded, store.Sessions - sessions, store.Saves - saves));
        switch (why)
        {
            case "stale": Assert.IsType<VersionConflictError>(result.Error); break;
            case "forbidden": Assert.IsType<TransitionNotAllowedError>(result.Error); break;
            case "missing": Assert.IsType<NotFoundError>(result.Error); break;
            default: Assert.True(result.IsSuccess && result.Value.Version == 1); break;
        }
    }

    [Fact]
    public async Task SingleChange_WhoseGuardedAnswerIsLost_ReturnsTheTargetItLeft_AndIsAppliedOnce()
    {
        var store = new FaultyRepository();
        var (tracker, _) = Tracker(store);
        var target = (await SeedAsync(tracker, 1))[0];
        var commits = store.Commits;
        store.CommitFault = n => n == commits + 1 ? new TimeoutException("answer lost") : null;

        var moved = await tracker.ChangeStatusAsync(target.Id, 1, "Hot");

        Assert.True(moved.IsSuccess, moved.ToString());
        Assert.True(moved.Value.SameAs((await tracker.GetAsync(target.Id)).Value));
        Assert.Equal(2L, moved.Value.Version);
        Assert.Equal([2L, 1L], (await tracker.GetHistoryAsync(target.Id)).Select(h => h.Version));
    }

    [Fact]
    public async Task Reads_DuringAnOutage_ThrowTargetStoreUnavailable_AfterTheSameRetryPolicy()
    {
        var store = new FaultyRepository();
        var (tracker, logs) = Tracker(store);
        var target = (await SeedAsync(tracker, 1))[0];
        var operations = new TargetOperations(tracker);
        await operations.StartAsync(new StartOperationRequest("op", "Hot", OperationSelection.ForIds([target.Id])));
        store.ReadFault = () => new TimeoutException("connection refused");

        Func<Task>[] reads =
        [
            () => tracker.GetAsync(target.Id),
            () => tracker.QueryAsync(),
            () => tracker.QueryAsync(new TargetQuery { Statuses = ["Warm"] }),
            () => tracker.GetHistoryAsync(target.Id),
            () => tracker.GetHistoryFeedAsync(new HistoryFeedRequest(DateTimeOffset.MinValue)),
            () => tracker.CountByStatusAsync(),
            () => tracker.FindUnconfiguredStatusesAsync(),
            () => operations.GetAsync("op"),
            () => operations.GetFailuresAsync("op"),
            () => operations.FindRunnableAsync(),
            () => operations.GetSummaryAsync("op"),
            () => operations.GetTargetStatsAsync(target.Id),
            () => operations.RunAsync("op"),
            () => new TargetHealth(tracker).FindStagnantAsync(new Dictionary<string, TimeSpan>()),
        ];
        foreach (var read in reads)
        {
            var before = store.Reads;
            var error = await Assert.ThrowsAsync<TargetStoreUnavailableException>(read);
            Assert.IsType<TimeoutException>(error.InnerException);
            Assert.Equal((3, 3), (error.Attempts, store.Reads - before));
            Assert.Empty(error.Changes);
        }

        Assert.Contains(logs.Events, e => e.EventId.Id == 4 && e.Level == LogLevel.Warning);

        // A short outage is ridden out by the retries.
        var failing = 2;
        store.ReadFault = () => failing-- > 0 ? new TimeoutException("blip") : null;
        Assert.True((await tracker.GetAsync(target.Id)).IsSuccess);
    }

    [Fact]
    public async Task RunAsync_WhenTheStoreGoesDown_ThrowsTheStoredState_InsteadOfReturningAFailedStateItCouldNotStore()
    {
        var store = new FaultyRepository();
        var (tracker, _) = Tracker(store);
        var ids = (await SeedAsync(tracker, 25)).Select(t => t.Id).ToList();
        var operations = new TargetOperations(tracker);
        await operations.StartAsync(new StartOperationRequest("op", "Active", OperationSelection.ForIds(ids)) { BatchSize = 10, MaxRetries = 2 });

        // The first batch commits; then the store goes away for writes and reads alike.
        var first = store.Saves;
        store.Fault = n => n > first + 1 ? new TimeoutException("database is down") : null;
        store.BeginFault = () => store.Saves > first + 1 ? new TimeoutException("database is down") : null;

        var error = await Assert.ThrowsAsync<TargetStoreUnavailableException>(() => operations.RunAsync("op"));

        Assert.Equal("op", error.OperationId);
        Assert.False(error.CommitOutcomeUnknown);
        var thrown = error.Operation!;
        Assert.Equal((OperationStatus.Processing, 10L, 1L), (thrown.Status, thrown.Processed, thrown.CurrentBatch));
        store.Fault = _ => null;
        store.BeginFault = () => null;
        Assert.Equal(thrown, (await operations.GetAsync("op")).Value);

        var resumed = (await operations.RunAsync("op")).Value!;
        Assert.Equal((OperationStatus.Completed, 25L), (resumed.Status, resumed.Succeeded));
        Assert.Equal(resumed, (await operations.GetAsync("op")).Value);
    }

    [Fact]
    public async Task RunAsync_WhenTheStoreStaysUpToRecordIt_ReturnsTheFailedStateAsStored()
    {
        var store = new FaultyRepository();
        var (tracker, _) = Tracker(store);
        var ids = (await SeedAsync(tracker, 25)).Select(t => t.Id).ToList();
        var operations = new TargetOperations(tracker);
        await operations.StartAsync(new StartOperationRequest("op", "Active", OperationSelection.ForIds(ids)) { BatchSize = 10, MaxRetries = 1 });
        var first = store.Saves;
        store.Fault = n => n > first + 1 && n % 2 == 0 ? new TimeoutException("flaky") : null;

        var returned = (await operations.RunAsync("op")).Value!;

        Assert.Equal(returned, (await operations.GetAsync("op")).Value);
    }
}
