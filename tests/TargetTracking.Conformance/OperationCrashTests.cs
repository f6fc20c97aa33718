using System.Diagnostics;
using System.Globalization;
using TargetTracking;
using Xunit.Abstractions;

namespace TargetTracking.Conformance;

/// <summary>Where the crash tests kill the worker.</summary>
public enum CrashKillPoint
{
    /// <summary>
    /// Inside a transaction for certain: the worker hangs in a write session that has written everything (targets,
    /// history, progress; for a start, the operation and its selection) and is about to commit.
    /// </summary>
    BeforeCommit = 0,

    /// <summary>At a random moment, not synchronized with transactions: inside a batch, between batches, or between a commit and its report.</summary>
    AtRandomMoment = 1,
}

/// <summary>
/// Crash tests of tracked operations: a child process (<c>TargetTracking.CrashWorker</c>) runs an operation over
/// 10,000 targets and is killed with SIGKILL in the middle; a new process resumes it. Every target must then be
/// changed exactly once, with exactly one history entry for the operation, and the progress counts must equal what
/// the store holds, at the kill and at the end. An adapter signs up with an empty subclass whose fixture
/// implements <see cref="ISharedStoreFixture"/>.
/// </summary>
public abstract class OperationCrashTests<TFixture>(TFixture fixture, ITestOutputHelper output) : IClassFixture<TFixture>
    where TFixture : class, ISharedStoreFixture
{
    private const int Targets = 10_000;
    private const int BatchSize = 100;
    private const int Batches = Targets / BatchSize;
    private const int SigkillExitCode = 128 + 9;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Theory]
    [InlineData(CrashKillPoint.BeforeCommit)]
    [InlineData(CrashKillPoint.AtRandomMoment)]
    public async Task Run_KilledWithSigkill_ResumesInANewProcess_ChangingEveryTargetExactlyOnce(CrashKillPoint killPoint)
    {
        using var patience = new CancellationTokenSource(Patience);
        var clock = Stopwatch.StartNew();
        var (store, tracker, operations) = await NewStoreAsync();
        await SeedAsync(tracker);
        var seeded = clock.Elapsed;
        var starting = Stopwatch.StartNew();
        var started = await operations.StartAsync(new StartOperationRequest("crash-run", "Hot", OperationSelection.Where(new TargetQuery { Statuses = ["Active"] })) { BatchSize = BatchSize });
        Assert.Equal((OperationStatus.Pending, (long)Targets), (started.Value!.Status, started.Value.Total));
        var startTook = starting.Elapsed;

        // Session n of the run is batch n. Batches 3 to 30 keep the run short and leave committed batches behind.
        var hangAt = Random.Shared.Next(3, 31);
        var killAfterBatch = Random.Shared.Next(2, 21);
        var killDelay = TimeSpan.FromMilliseconds(Random.Shared.Next(0, 150));
        IReadOnlyList<string> lines;

        // A random kill still lands mid-run however late it comes: the worker then hangs before the commit of batch 99.
        await using (var child = CrashWorkerProcess.Start(store, "--operation", "crash-run", "--mode", "run", "--delay-ms", "10", "--hang-at-session", Str(killPoint == CrashKillPoint.BeforeCommit ? hangAt : Batches - 1)))
        {
            if (killPoint == CrashKillPoint.BeforeCommit)
            {
                await child.WaitForLineAsync(l => l == $"hang {hangAt}", patience.Token);
            }
            else
            {
                // The worker sleeps 10 ms after each batch, so the kill usually lands long before batch 99.
                await child.WaitForLineAsync(l => l.StartsWith($"progress batch={killAfterBatch} ", StringComparison.Ordinal), patience.Token);
                await Task.Delay(killDelay);
            }

            Assert.Equal(SigkillExitCode, await child.KillAsync());
            lines = child.Lines;
        }

        var killedAt = clock.Elapsed;
        var reportedCommits = lines.Count(l => l.StartsWith("committed ", StringComparison.Ordinal));
        var lastBegun = lines.Where(l => l.StartsWith("begin ", StringComparison.Ordinal)).Select(l => int.Parse(l[6..], CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();

        var interrupted = (await operations.GetAsync("crash-run")).Value!;
        Assert.Equal(OperationStatus.Processing, interrupted.Status);
        Assert.InRange(interrupted.Processed, 1, Targets - 1);
        Assert.Equal((interrupted.CurrentBatch * BatchSize, interrupted.Processed, 0L), (interrupted.Processed, interrupted.Succeeded, interrupted.Failed));
        if (killPoint == CrashKillPoint.BeforeCommit)
        {
            Assert.Equal(hangAt - 1, interrupted.CurrentBatch);
        }
        else
        {
            // A kill between a commit and its report leaves one more committed batch than reported.
            Assert.InRange(interrupted.CurrentBatch, reportedCommits, reportedCommits + 1);
        }

        await AssertProgressIsTheTruthAsync(tracker, interrupted);
        var insideTransaction = lastBegun > interrupted.CurrentBatch;

        await using (var resume = CrashWorkerProcess.Start(store, "--operation", "crash-run", "--mode", "run"))
        {
            Assert.Equal(0, await resume.WaitForExitAsync(patience.Token));
            Assert.Contains($"done status=Completed batch={Batches} processed={Targets}", resume.Lines);
        }

        var resumed = clock.Elapsed;
        await AssertAppliedExactlyOnceAsync(tracker, operations, "crash-run");
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{killPoint}: killed with {interrupted.CurrentBatch} of {Batches} batches committed ({interrupted.Processed} targets), in a transaction: {(insideTransaction ? $"yes (batch {lastBegun} uncommitted)" : "no")} (reported {reportedCommits} commits, last begun {lastBegun}{(killPoint == CrashKillPoint.AtRandomMoment ? $", killed {killDelay.TotalMilliseconds} ms after batch {killAfterBatch}'s report" : "")}); " +
            $"seed {seeded.TotalSeconds:F1}s, start {startTook.TotalMilliseconds:F0} ms, kill at {killedAt.TotalSeconds:F1}s, resumed by {resumed.TotalSeconds:F1}s, verified by {clock.Elapsed.TotalSeconds:F1}s"));
    }

    [Theory]
    [InlineData(CrashKillPoint.BeforeCommit)]
    [InlineData(CrashKillPoint.AtRandomMoment)]
    public async Task Start_KilledWithSigkill_LeavesNoOperationOrACompleteOne_AndANewProcessRunsItOnce(CrashKillPoint killPoint)
    {
        using var patience = new CancellationTokenSource(Patience);
        var clock = Stopwatch.StartNew();
        var (store, tracker, operations) = await NewStoreAsync();
        await SeedAsync(tracker);

        var killDelay = TimeSpan.FromMilliseconds(Random.Shared.Next(0, 250));
        IReadOnlyList<string> lines;
        await using (var child = CrashWorkerProcess.Start(store, "--operation", "crash-start", "--mode", "start", "--batch-size", Str(BatchSize), "--hang-at-session", killPoint == CrashKillPoint.BeforeCommit ? "1" : "0"))
        {
            if (killPoint == CrashKillPoint.BeforeCommit)
            {
                await child.WaitForLineAsync(l => l == "hang 1", patience.Token);
            }
            else
            {
                await child.WaitForLineAsync(l => l == "begin 1", patience.Token);
                await Task.Delay(killDelay);
            }

            var exit = await child.KillAsync();
            lines = child.Lines;

            // A random kill may come after the worker finished; then it did not die of the signal.
            Assert.True(exit == SigkillExitCode || (killPoint == CrashKillPoint.AtRandomMoment && exit == 0), $"exit code {exit}: {child.Errors}");
        }

        var found = await operations.GetAsync("crash-start");
        var committed = lines.Contains("committed 1");
        if (found.IsSuccess)
        {
            // Stored at all means stored whole: the operation row, its total and all its selected ids commit together.
            Assert.Equal((OperationStatus.Pending, (long)Targets, 0L), (found.Value.Status, found.Value.Total, found.Value.Processed));
            Assert.NotEqual(CrashKillPoint.BeforeCommit, killPoint);
        }
        else
        {
            Assert.IsType<OperationNotFoundError>(found.Error);
            Assert.False(committed);
            Assert.Empty(await operations.FindRunnableAsync());
        }

        await using (var resume = CrashWorkerProcess.Start(store, "--operation", "crash-start", "--mode", "start-run", "--batch-size", Str(BatchSize)))
        {
            Assert.Equal(0, await resume.WaitForExitAsync(patience.Token));
            Assert.Contains($"started crash-start total={Targets} status=Pending", resume.Lines);
        }

        await AssertAppliedExactlyOnceAsync(tracker, operations, "crash-start");
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{killPoint}: after the kill the operation was {(found.IsSuccess ? "stored whole" : "absent")} (commit reported: {committed}{(killPoint == CrashKillPoint.AtRandomMoment ? $", killed {killDelay.TotalMilliseconds} ms after the start's transaction began" : "")}); verified by {clock.Elapsed.TotalSeconds:F1}s"));
    }

    private async Task<(SharedStore Store, TargetTracker Tracker, TargetOperations Operations)> NewStoreAsync()
    {
        var store = await fixture.CreateSharedStoreAsync();
        var tracker = new TargetTracker(store.Repository, new TargetTrackingOptions());
        return (store, tracker, new TargetOperations(tracker));
    }

    private static async Task SeedAsync(TargetTracker tracker)
    {
        var created = await tracker.CreateManyAsync(Enumerable.Range(0, Targets).Select(i => new NewTarget($"Crash {i:D5}", null, ["EU"], "Active")));
        Assert.True(created.Succeeded);
    }

    /// <summary>Every target moved to Hot once, one history entry each for the operation, and the counts say so.</summary>
    private static async Task AssertAppliedExactlyOnceAsync(TargetTracker tracker, TargetOperations operations, string operationId)
    {
        var operation = (await operations.GetAsync(operationId)).Value!;
        Assert.Equal(
            (OperationStatus.Completed, (long)Targets, (long)Targets, (long)Targets, 0L, (long)Batches),
            (operation.Status, operation.Total, operation.Processed, operation.Succeeded, operation.Failed, operation.CurrentBatch));
        Assert.Empty(await operations.GetFailuresAsync(operationId));

        var targets = await StoreContents.TargetsAsync(tracker);
        Assert.Equal(Targets, targets.Select(t => t.Id).Distinct().Count());
        Assert.All(targets, t => Assert.Equal(("Hot", 2L), (t.Status, t.Version)));

        var history = (await StoreContents.HistoryAsync(tracker)).ToLookup(e => e.TargetId);
        Assert.Equal(Targets, history.Sum(h => h.Count(e => e.OperationId == operationId)));
        foreach (var target in targets)
        {
            var entries = history[target.Id].OrderByDescending(e => e.Version).ToList();
            Assert.Single(entries, e => e.OperationId == operationId);
            HistoryAssert.Replays(target, entries);
        }
    }

    /// <summary>What the interrupted operation counts is what the store holds: as many targets moved and entries written.</summary>
    private static async Task AssertProgressIsTheTruthAsync(TargetTracker tracker, BulkOperation operation)
    {
        Assert.Equal(operation.Processed, (await tracker.QueryAsync(new TargetQuery { Statuses = ["Hot"], Take = 1 })).TotalCount);
        Assert.Equal(Targets - operation.Processed, (await tracker.QueryAsync(new TargetQuery { Statuses = ["Active"], Take = 1 })).TotalCount);
        var entries = (await StoreContents.HistoryAsync(tracker)).Where(e => e.OperationId == operation.Id).ToList();
        Assert.Equal(operation.Processed, entries.Count);
        Assert.Equal(operation.Processed, entries.Select(e => e.TargetId).Distinct().Count());
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);
}
