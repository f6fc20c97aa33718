using System.Diagnostics;
using Npgsql;
using TargetTracking.PostgreSql;

namespace TargetTracking.Cluster.Tests.Patroni;

/// <summary>
/// The store on a Patroni cluster through Npgsql's multi-host data source: four writers, a 10,000-item unit of work and
/// a tracked operation run across a planned switchover and then a <c>kill -9</c> of the primary's node. Every change the
/// library acknowledged is on the new primary, none is there twice, and what gave up said so.
/// </summary>
[Collection(PatroniCollection.Name)]
public sealed class PatroniFailoverTests(PatroniCluster cluster, ITestOutputHelper output)
{
    private const int BulkItems = 10_000;
    private const int OperationItems = 3_000;

    [Fact]
    public async Task Writes_AcrossASwitchoverAndAKillOfThePrimary_AreAllOnTheNewPrimary_NoneTwice()
    {
        output.WriteLine($"cluster started in {cluster.StartedIn.TotalSeconds:F1} s");
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        var schema = $"failover_{Guid.NewGuid():N}";
        await using var store = PostgreSqlDialect.CreateStore(dataSource, new PostgreSqlStoreOptions { Schema = schema });
        await store.MigrateAsync();
        await store.InitializeAsync();

        // The retry budget a host on a cluster sets: a few attempts that span a switchover; an election outlasts it.
        var logs = new LogCapture();
        TargetTracker Tracker() => TestTracker.For(store, o => { o.MaxRetryAttempts = 4; o.RetryBaseDelay = TimeSpan.FromMilliseconds(200); }, TimeProvider.System, logs.For<TargetTracker>());
        var tracker = Tracker();
        var bulkTargets = await CreateAsync(tracker, BulkItems, "Cold");
        var operationTargets = await CreateAsync(tracker, OperationItems, "Cold");

        var load = new WriteLoad("writer target");
        await load.CreateTargetsAsync(tracker, 40);
        using var stop = new CancellationTokenSource();
        var watch = WatchAsync(load, stop.Token);
        var writers = load.RunAsync([.. Enumerable.Range(0, 4).Select(_ => Tracker())], stop.Token);
        await Task.Delay(1000);

        // A planned switchover while a 10,000-item unit of work runs, with a retry budget that outlasts a switchover.
        var bulk = TestTracker.For(store, o => { o.MaxRetryAttempts = 6; o.RetryBaseDelay = TimeSpan.FromMilliseconds(250); }, TimeProvider.System).BeginBulk();
        foreach (var id in bulkTargets)
        {
            bulk.ChangeStatus(id, 1, "Passed");
        }

        var bulkCorrelation = Guid.NewGuid().ToString("N");
        var bulkRun = bulk.CommitAsync(BulkMode.AllOrNothing, new AuditContext { CorrelationId = bulkCorrelation });
        var switchedAt = load.Now;
        var oldLeader = await cluster.SwitchoverAsync();
        var newLeader = await cluster.LeaderAsync(not: oldLeader);
        output.WriteLine($"+{load.Now.TotalSeconds:F1} s: switchover {oldLeader} -> {newLeader} in {(load.Now - switchedAt).TotalSeconds:F1} s");
        bool? bulkCommitted;
        try
        {
            bulkCommitted = (await bulkRun).Succeeded;
            output.WriteLine($"+{load.Now.TotalSeconds:F1} s: the {BulkItems}-item unit of work committed: {bulkCommitted}");
        }
        catch (TargetStoreUnavailableException e)
        {
            output.WriteLine($"bulk gave up: {e.Message}");
            bulkCommitted = e.CommitOutcomeUnknown ? null : false;
        }

        // A tracked operation, and kill -9 of the primary's node once its first batch is in (and a synchronous standby is there to take over).
        await cluster.HealthyAsync(3);
        var operations = new TargetOperations(Tracker());
        await operations.StartAsync(new StartOperationRequest("failover", "Active", OperationSelection.ForIds(operationTargets)) { BatchSize = 100 });
        var firstBatch = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var operationRun = RunToTheEndAsync(operations, new Progress<OperationProgress>(_ => firstBatch.TrySetResult()));
        await firstBatch.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var killedAt = load.Now;
        var killed = await cluster.KillLeaderAsync();
        var elected = await cluster.LeaderAsync(not: killed);
        output.WriteLine($"+{killedAt.TotalSeconds:F1} s: kill -9 {killed}: {elected} leads after {(load.Now - killedAt).TotalSeconds:F1} s");
        var (operation, runs) = await operationRun;
        output.WriteLine($"operation: {operation.Status} after {runs} run(s), {operation.Succeeded} moved");

        // Writes go on against the new primary for a while, then stop.
        await ClusterProcesses.WaitUntilAsync(() => Task.FromResult(load.FirstAcknowledgedAfter(killedAt + TimeSpan.FromSeconds(1)) is not null), TimeSpan.FromSeconds(60), () => "no write after the kill");
        await Task.Delay(1000);
        await stop.CancelAsync();
        await writers;
        await watch;

        var (outage, firstWrite) = load.LongestGapAfter(killedAt);
        output.WriteLine(
            $"writers: {load.AcknowledgedChanges.Count} acknowledged, {load.Conflicts} conflicts, {load.Failures.Count} gave up; " +
            $"no write acknowledged for {outage.TotalSeconds:F1} s after the kill, the first {(firstWrite - killedAt).TotalSeconds:F1} s after it");
        var retried = logs.Events.Where(e => e.EventId.Id is 1 or 4).GroupBy(e => What(e.Exception)).Select(g => $"{g.Key} x{g.Count()}");
        output.WriteLine($"retried: {string.Join("; ", retried)}");
        foreach (var failure in load.Failures)
        {
            output.WriteLine($"gave up at +{failure.At.TotalSeconds:F1} s (write: {failure.Write}, commit outcome unknown: {failure.CommitOutcomeUnknown}): {failure.Message}");
        }

        Assert.True(load.Unclassified.Count == 0, $"unclassified: {load.Unclassified.FirstOrDefault()}");

        // What the new primary holds, read through a new data source.
        await using var reading = NpgsqlDataSource.Create(cluster.ConnectionString);
        await using var check = PostgreSqlDialect.CreateStore(reading, new PostgreSqlStoreOptions { Schema = schema, ApplyMigrations = false });
        var history = await load.AssertHistoryAsync(TestTracker.For(check));

        var bulkEntries = history.Count(e => e.CorrelationId == bulkCorrelation);
        Assert.True(bulkEntries is 0 or BulkItems, $"the bulk is all or nothing, yet {bulkEntries} of its entries are stored");
        if (bulkCommitted is { } committed)
        {
            Assert.Equal(committed ? BulkItems : 0, bulkEntries);
        }

        Assert.Equal(OperationStatus.Completed, operation.Status);
        var moved = history.Where(e => e.OperationId == "failover").GroupBy(e => e.TargetId).ToList();
        Assert.Equal(OperationItems, moved.Count);
        Assert.All(moved, g => Assert.Single(g));

        var integrity = await new TargetHealth(TestTracker.For(check)).CheckIntegrityAsync();
        Assert.True(integrity.ProblemCount == 0, string.Join("\n", integrity.Problems.Take(5)));
    }

    /// <summary>Names a retried failure: the SQLSTATE of the server's error, or the innermost exception's type and message.</summary>
    private static string What(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException pg)
            {
                return $"{pg.SqlState} {pg.MessageText}";
            }

            if (e.InnerException is null)
            {
                return $"{e.GetType().Name}: {e.Message}";
            }
        }

        return "none";
    }

    /// <summary>Writes each change of the cluster's roles to the test's output, on the load's clock.</summary>
    private async Task WatchAsync(WriteLoad load, CancellationToken stop)
    {
        var last = "";
        while (!stop.IsCancellationRequested)
        {
            var roles = string.Join(", ", (await cluster.MembersAsync()).Select(m => $"{m.Name} {m.Role} {m.State} tl{m.Timeline}"));
            if (roles != last)
            {
                output.WriteLine($"+{load.Now.TotalSeconds:F1} s: {roles}");
                last = roles;
            }

            await Task.Delay(250, CancellationToken.None);
        }
    }

    private static async Task<IReadOnlyList<TargetId>> CreateAsync(TargetTracker tracker, int count, string status)
    {
        var bulk = tracker.BeginBulk();
        var ids = Enumerable.Range(0, count).Select(i => bulk.Create(new NewTarget($"T{i}", Status: status))).ToList();
        Assert.True((await bulk.CommitAsync()).Succeeded);
        return ids;
    }

    /// <summary>Runs the operation until it completes, again after each run that failed or gave up (a resume).</summary>
    private static async Task<(BulkOperation Operation, int Runs)> RunToTheEndAsync(TargetOperations operations, IProgress<OperationProgress> progress)
    {
        var clock = Stopwatch.StartNew();
        for (var run = 1; ; run++)
        {
            try
            {
                var operation = (await operations.RunAsync("failover", progress)).Value!;
                if (operation.Status == OperationStatus.Completed || clock.Elapsed > TimeSpan.FromMinutes(2))
                {
                    return (operation, run);
                }
            }
            catch (TargetStoreUnavailableException)
            {
                // The store stayed away longer than the batch's retries: run it again to resume.
            }

            await Task.Delay(200);
        }
    }
}
