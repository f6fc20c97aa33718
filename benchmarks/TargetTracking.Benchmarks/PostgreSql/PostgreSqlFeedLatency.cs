using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;
using TargetTracking.PostgreSql;
using TargetTracking.PostgreSql.Tests;

namespace TargetTracking.Benchmarks.PostgreSql;

/// <summary>
/// A measured run (not BenchmarkDotNet: what matters is the distribution of one wait, not a mean of a hot loop): how long
/// after a change commits does a caught-up change feed subscription deliver it, woken by <c>NOTIFY</c> and by polling
/// alone (the same store with its listener hidden), both with the default feed options (poll 100 ms doubling to 2 s).
/// One writer commits status changes at random intervals of 20–400 ms; both subscriptions follow the same schema.
/// </summary>
public static class PostgreSqlFeedLatency
{
    public static async Task RunAsync(int changes, TextWriter output)
    {
        await using var dataSource = NpgsqlDataSource.Create(await PostgreSqlServer.GetConnectionStringAsync());
        var schema = $"feed_latency_{Guid.NewGuid():N}";
        var store = PostgreSqlDialect.CreateStore(dataSource, new PostgreSqlStoreOptions { Schema = schema });
        await store.MigrateAsync();
        var writer = new TargetTracker(store, new TargetTrackingOptions());
        var notified = new ChangeFeed(new TargetTracker(store, new TargetTrackingOptions()));
        var polling = new ChangeFeed(new TargetTracker(new PollingOnly(store), new TargetTrackingOptions()));

        var target = (await writer.CreateAsync(new NewTarget("Latency", Status: "Cold"))).Value!;
        var committed = new ConcurrentDictionary<long, long>();
        var start = (await notified.ReadAsync(limit: 1000)).Next;
        using var stop = new CancellationTokenSource();
        var withNotify = FollowAsync(notified, start, committed, changes, stop.Token);
        var withPolling = FollowAsync(polling, start, committed, changes, stop.Token);

        // Both caught up and waiting before the first change.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var random = new Random(7);
        for (var i = 0; i < changes; i++)
        {
            await Task.Delay(20 + random.Next(380));
            var moved = (await writer.ChangeStatusAsync(target.Id, target.Version, target.Status == "Cold" ? "Active" : "Cold")).Value!;
            committed[moved.Version] = Stopwatch.GetTimestamp();
            target = moved;
        }

        var notifyLatencies = await withNotify;
        var pollingLatencies = await withPolling;
        await stop.CancelAsync();
        output.WriteLine($"Feed latency on PostgreSQL, {changes} status changes committed 20–400 ms apart; default feed options (poll 100 ms → 2 s).");
        output.WriteLine("| subscription | p50 | p90 | p99 | max | mean |");
        output.WriteLine("|---|---|---|---|---|---|");
        output.WriteLine(Row("LISTEN/NOTIFY (hint) + 2 s safety poll", notifyLatencies));
        output.WriteLine(Row("polling with back-off only", pollingLatencies));
    }

    private static async Task<List<double>> FollowAsync(ChangeFeed feed, FeedToken start, ConcurrentDictionary<long, long> committed, int count, CancellationToken cancellationToken)
    {
        var latencies = new List<double>();
        await foreach (var item in feed.SubscribeAsync(start, cancellationToken))
        {
            var received = Stopwatch.GetTimestamp();

            // The writer stamps the time when its change call returned (the commit answered); the entry can arrive a
            // moment before that stamp exists: wait for it, and count such an entry as delivered at once (0 ms).
            long sent;
            while (!committed.TryGetValue(item.Entry.Version, out sent))
            {
                await Task.Yield();
            }

            latencies.Add(Math.Max(0, Stopwatch.GetElapsedTime(sent, received).TotalMilliseconds));
            if (latencies.Count == count)
            {
                return latencies;
            }
        }

        return latencies;
    }

    private static string Row(string name, List<double> latencies)
    {
        var sorted = latencies.Order().ToArray();
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return $"| {name} | {At(0.5):F0} ms | {At(0.9):F0} ms | {At(0.99):F0} ms | {sorted[^1]:F0} ms | {sorted.Average():F0} ms |";
    }

    /// <summary>The same store with its listener hidden: the feed falls back to polling.</summary>
    private sealed class PollingOnly(Linq2DbTargetStore inner) : ITargetRepository, IChangeFeedStore
    {
        public Task<Target?> GetAsync(TargetId id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);

        public Task<TargetPage> QueryAsync(TargetQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);

        public Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(TargetId id, HistoryPageRequest page, CancellationToken cancellationToken = default) =>
            inner.GetHistoryAsync(id, page, cancellationToken);

        public Task<IReadOnlyList<HistoryEntry>> GetHistoryFeedAsync(HistoryFeedRequest request, CancellationToken cancellationToken = default) =>
            inner.GetHistoryFeedAsync(request, cancellationToken);

        public Task<ITargetWriteSession> BeginWriteAsync(CancellationToken cancellationToken = default) => inner.BeginWriteAsync(cancellationToken);

        public bool IsTransient(Exception exception) => inner.IsTransient(exception);

        public Task<IReadOnlyList<FeedEntry>> ReadFeedAsync(FeedToken after, int limit, CancellationToken cancellationToken = default) =>
            inner.ReadFeedAsync(after, limit, cancellationToken);
    }
}
