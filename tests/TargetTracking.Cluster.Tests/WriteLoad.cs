using System.Collections.Concurrent;
using System.Diagnostics;

namespace TargetTracking.Cluster.Tests;

/// <summary>
/// Writers that move shared targets between Active and Hot until stopped, each unit of work under a correlation id of its own,
/// and the ledger of what the library acknowledged (a success returned to the caller), refused (a typed conflict) or gave
/// up on (<see cref="TargetStoreUnavailableException"/>, with what it said). <see cref="AssertHistoryAsync"/> then proves
/// the ledger against the stored history: every acknowledged change is there once, no change is there twice.
/// </summary>
/// <param name="name">The load's targets are named after it (and found by it: no other target's name may contain it).</param>
internal sealed class WriteLoad(string name = "load")
{
    private readonly string _name = name;
    private readonly ConcurrentQueue<Acknowledged> _acknowledged = new();
    private readonly ConcurrentQueue<Failure> _failures = new();
    private readonly ConcurrentQueue<System.Data.Common.DbException> _unclassified = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _conflicts;

    /// <summary>Gets the changes the library acknowledged.</summary>
    public IReadOnlyCollection<Acknowledged> AcknowledgedChanges => _acknowledged;

    /// <summary>Gets what gave up with <see cref="TargetStoreUnavailableException"/> (writes and reads).</summary>
    public IReadOnlyCollection<Failure> Failures => _failures;

    /// <summary>Gets the driver's errors that reached a writer unclassified (neither retried nor turned into a value).</summary>
    public IReadOnlyCollection<System.Data.Common.DbException> Unclassified => _unclassified;

    /// <summary>Gets how many changes came back as a typed version conflict (and wrote nothing).</summary>
    public int Conflicts => _conflicts;

    /// <summary>Gets the time since the load was made, the clock of <see cref="Acknowledged.At"/>.</summary>
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>Creates the load's targets, all Cold, named after the load.</summary>
    public async Task CreateTargetsAsync(TargetTracker tracker, int count)
    {
        var bulk = tracker.BeginBulk();
        for (var i = 0; i < count; i++)
        {
            bulk.Create(new NewTarget($"{_name} {i}", Status: "Cold"));
        }

        Assert.True((await bulk.CommitAsync()).Succeeded);
    }

    /// <summary>
    /// Runs one writer per tracker over the load's targets until <paramref name="stop"/> is cancelled; each unit of work
    /// moves <paramref name="perUnit"/> of them picked at random, each at the version the writer just read.
    /// </summary>
    public Task RunAsync(IReadOnlyList<TargetTracker> writers, CancellationToken stop, int perUnit = 1) =>
        Task.WhenAll(writers.Select((tracker, i) => Task.Run(() => WriteAsync(tracker, $"writer-{i}", perUnit, stop), CancellationToken.None)));

    /// <summary>Gets the longest time without an acknowledged change after <paramref name="since"/>, and when it ended.</summary>
    public (TimeSpan Gap, TimeSpan EndedAt) LongestGapAfter(TimeSpan since)
    {
        var times = _acknowledged.Select(a => a.At).Where(t => t >= since).Order().Prepend(since).ToList();
        return times.Zip(times.Skip(1), (a, b) => (Gap: b - a, EndedAt: b)).MaxBy(g => g.Gap);
    }

    /// <summary>Gets the first acknowledgement after <paramref name="since"/>.</summary>
    public TimeSpan? FirstAcknowledgedAfter(TimeSpan since) =>
        _acknowledged.Where(a => a.At > since).Select(a => (TimeSpan?)a.At).Min();

    /// <summary>
    /// Proves the ledger against the history as <paramref name="reader"/> reads it (the whole feed): every acknowledged
    /// change is stored with its version and correlation id; no correlation id is stored twice for a target.
    /// </summary>
    public async Task<IReadOnlyList<HistoryEntry>> AssertHistoryAsync(TargetTracker reader)
    {
        var history = await ReadAllHistoryAsync(reader);
        var twice = history.GroupBy(e => (e.TargetId, e.CorrelationId)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"applied twice: {string.Join(", ", twice.Take(5))}");
        var stored = history.Select(e => (e.TargetId, e.Version, e.CorrelationId)).ToHashSet();
        var lost = _acknowledged.Where(a => !stored.Contains((a.Target, a.Version, a.CorrelationId))).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {_acknowledged.Count} acknowledged changes are not in the history: {string.Join(", ", lost.Take(5))}");
        return history;
    }

    /// <summary>Reads every history entry through the change feed, in commit order.</summary>
    public static async Task<IReadOnlyList<HistoryEntry>> ReadAllHistoryAsync(TargetTracker reader)
    {
        var feed = new ChangeFeed(reader);
        var all = new List<HistoryEntry>();
        FeedToken? after = null;
        while (true)
        {
            var page = await feed.ReadAsync(after, ChangeFeedOptions.MaxBatchSize);
            if (page.Entries.Count == 0)
            {
                return all;
            }

            all.AddRange(page.Entries.Select(e => e.Entry));
            after = page.Next;
        }
    }

    private async Task WriteAsync(TargetTracker tracker, string writer, int perUnit, CancellationToken stop)
    {
        // The stop token is only read between units: a unit cancelled while it commits would leave its outcome open.
        while (!stop.IsCancellationRequested)
        {
            try
            {
                // One read of the load's targets (stale on a Galera node that has not applied the last commits: the write finds out).
                var page = await tracker.QueryAsync(new TargetQuery { NameContains = _name, Take = TargetQuery.MaxTake }, CancellationToken.None);
                var bulk = tracker.BeginBulk();
                foreach (var current in page.Items.OrderBy(_ => Random.Shared.Next()).Take(perUnit))
                {
                    bulk.ChangeStatus(current.Id, current.Version, current.Status == "Active" ? "Hot" : "Active");
                }

                var correlation = Guid.NewGuid().ToString("N");
                // Partial: an item whose version moved on meanwhile fails typed, the others apply.
                var result = await bulk.CommitAsync(BulkMode.Partial, new AuditContext { ActorId = writer, CorrelationId = correlation }, CancellationToken.None);
                foreach (var item in result.Items)
                {
                    if (item.State == BulkItemState.Applied)
                    {
                        _acknowledged.Enqueue(new Acknowledged(item.TargetId, item.Target!.Version, correlation, _clock.Elapsed));
                    }
                    else
                    {
                        Assert.IsType<VersionConflictError>(item.Error);
                        Interlocked.Increment(ref _conflicts);
                    }
                }
            }
            catch (TargetStoreUnavailableException e)
            {
                _failures.Enqueue(new Failure(_clock.Elapsed, e.Changes.Count > 0, e.CommitOutcomeUnknown, e.Message));
            }
            catch (System.Data.Common.DbException e)
            {
                // A driver's error the dialect did not classify reached the caller: recorded for the test to judge.
                _unclassified.Enqueue(e);
            }
        }
    }

    /// <summary>A change the library acknowledged.</summary>
    public sealed record Acknowledged(TargetId Target, long Version, string CorrelationId, TimeSpan At);

    /// <summary>A call that gave up: when, whether it was a write, whether its commit may have gone through, what it said.</summary>
    public sealed record Failure(TimeSpan At, bool Write, bool CommitOutcomeUnknown, string Message);
}
