using Npgsql;
using TargetTracking.Conformance;

namespace TargetTracking.PostgreSql.Tests;

/// <summary>The PostgreSQL change feed: notifications wake subscriptions, and a subscription outlives a database restart.</summary>
public sealed class ChangeFeedTests(PostgreSqlFixture fixture) : IClassFixture<PostgreSqlFixture>
{
    private static async Task WaitForAsync(List<FeedEntry> received, int count, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        while (true)
        {
            lock (received)
            {
                if (received.Count >= count)
                {
                    return;
                }
            }

            await Task.Delay(20, timeout.Token);
        }
    }

    private static async Task<bool> TryWaitForAsync(List<FeedEntry> received, int count, TimeSpan within)
    {
        try
        {
            await WaitForAsync(received, count, within);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static Task Collect(ChangeFeed feed, List<FeedEntry> received, CancellationToken stop) => Task.Run(async () =>
    {
        try
        {
            await foreach (var entry in feed.SubscribeAsync(null, stop))
            {
                lock (received)
                {
                    received.Add(entry);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Ended by the test.
        }
    });

    [Fact]
    public async Task Subscription_IsWokenByNotify_LongBeforeItsPollInterval()
    {
        var store = await fixture.CreatePostgreSqlRepositoryAsync();
        var tracker = TestTracker.For(store, o =>
        {
            // Polling alone would wait a minute: only the notification can deliver the entry within the test's wait.
            o.Feed.MinPollInterval = TimeSpan.FromMinutes(1);
            o.Feed.MaxPollInterval = TimeSpan.FromMinutes(1);
        }, TimeProvider.System);
        var feed = new ChangeFeed(tracker);
        var first = (await tracker.CreateAsync(new NewTarget("Acme", Status: "Cold"))).Value!;
        using var stop = new CancellationTokenSource();
        var received = new List<FeedEntry>();
        var subscription = Collect(feed, received, stop.Token);
        await WaitForAsync(received, 1, TimeSpan.FromSeconds(30));

        // Caught up and waiting. The listener runs LISTEN on its own connection: a change committed before that is not
        // announced, so on a loaded machine write again until one is (each within seconds, never the poll's minute).
        var target = first;
        var delivered = false;
        for (var attempt = 0; attempt < 20 && !delivered; attempt++)
        {
            target = (await tracker.ChangeStatusAsync(target.Id, target.Version, target.Status == "Active" ? "Cold" : "Active")).Value!;
            delivered = await TryWaitForAsync(received, 2, TimeSpan.FromSeconds(3));
        }

        await stop.CancelAsync();
        await subscription;
        Assert.True(delivered, "No change was delivered within seconds: the notification did not wake the subscription.");
        Assert.Equal([HistoryAction.Created, HistoryAction.StatusChanged], received.Take(2).Select(e => e.Entry.Action));
    }

    [Fact]
    public async Task Subscription_SurvivesADatabaseRestart_AndResumesFromItsPosition()
    {
        var builder = new NpgsqlConnectionStringBuilder(fixture.ConnectionString);
        await using var proxy = new TcpProxy(builder.Port);
        builder.Host = "127.0.0.1";
        builder.Port = proxy.Port;
        builder.Timeout = 2;
        await using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);

        // The subscriber reaches the database through the proxy; the writer directly, so it keeps writing while the subscriber's database is down.
        var subscriberStore = await fixture.CreatePostgreSqlRepositoryAsync(dataSource);
        var writer = TestTracker.For(PostgreSqlDialect.CreateStore(fixture.DataSource, new PostgreSqlStoreOptions { Schema = subscriberStore.Schema }), clock: TimeProvider.System);
        var subscriber = TestTracker.For(subscriberStore, o =>
        {
            o.MaxRetryAttempts = 0;
            o.Feed.MinPollInterval = TimeSpan.FromMilliseconds(50);
            o.Feed.MaxPollInterval = TimeSpan.FromMilliseconds(500);
        }, TimeProvider.System);
        var feed = new ChangeFeed(subscriber);

        var target = (await writer.CreateAsync(new NewTarget("Acme", Status: "Cold"))).Value!;
        using var stop = new CancellationTokenSource();
        var received = new List<FeedEntry>();
        var subscription = Collect(feed, received, stop.Token);
        await WaitForAsync(received, 1, TimeSpan.FromSeconds(30));

        await proxy.StopAsync();
        target = (await writer.ChangeStatusAsync(target.Id, target.Version, "Active")).Value!;
        target = (await writer.ChangeStatusAsync(target.Id, target.Version, "Hot")).Value!;

        // Down for a while: the subscription's reads fail and are retried with back-off, without ending it.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(subscription.IsCompleted, subscription.Exception?.ToString());
        proxy.Restart();
        await writer.CreateAsync(new NewTarget("Globex", Status: "Cold"));
        await WaitForAsync(received, 4, TimeSpan.FromSeconds(60));

        await stop.CancelAsync();
        await subscription;
        Assert.Equal(4, received.Count);
        Assert.Equal(received.Select(e => e.Token).Order(), received.Select(e => e.Token));
        Assert.Equal([1L, 2L, 3L], received.Where(e => e.Entry.TargetId == target.Id).Select(e => e.Entry.Version));
    }
}
