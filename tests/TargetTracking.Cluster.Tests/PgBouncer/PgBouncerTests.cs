using Npgsql;
using TargetTracking.PostgreSql;
using TargetTracking.PostgreSql.Tests;

namespace TargetTracking.Cluster.Tests.PgBouncer;

/// <summary>
/// Runs alone, after the classes that run in parallel: the test counts every server connection to the database, and other
/// classes hold direct ones of their own (the change feed's LISTEN sessions bypass the pooler).
/// </summary>
[CollectionDefinition(nameof(PgBouncerTests), DisableParallelization = true)]
public sealed class PgBouncerAloneCollection;

/// <summary>What PgBouncer in transaction mode does for a host: many callers, few server connections.</summary>
[Collection(nameof(PgBouncerTests))]
public sealed class PgBouncerTests(PostgreSqlFixture fixture, ITestOutputHelper output) : IClassFixture<PostgreSqlFixture>
{
    private const int Callers = 200;

    [Fact]
    public async Task Feed_BehindThePooler_WakesOnNotify_OverItsDirectListenConnection()
    {
        // The store goes through PgBouncer; only LISTEN goes direct. Subscriptions poll once an hour: an entry that arrives
        // in the test's time was announced by the commit's NOTIFY, which reached the direct session.
        await using var pooled = NpgsqlDataSource.Create(fixture.ConnectionString);
        await using var store = PostgreSqlDialect.CreateStore(pooled, new PostgreSqlStoreOptions { Schema = PostgreSqlFixture.NewSchema(), ListenConnectionString = PgBouncer.Direct });
        await store.InitializeAsync();
        var tracker = TestTracker.For(store, o => (o.Feed.MinPollInterval, o.Feed.MaxPollInterval) = (TimeSpan.FromHours(1), TimeSpan.FromHours(1)));
        var first = (await tracker.CreateAsync(new NewTarget("Before"))).Value!;
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var subscription = new ChangeFeed(tracker).SubscribeAsync(null, stop.Token).GetAsyncEnumerator(stop.Token);
        Assert.True(await subscription.MoveNextAsync());
        Assert.Equal(first.Id, subscription.Current.Entry.TargetId);

        var next = subscription.MoveNextAsync().AsTask();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var second = (await tracker.CreateAsync(new NewTarget("After"))).Value!;

        Assert.True(await next);
        Assert.Equal(second.Id, subscription.Current.Entry.TargetId);
        Assert.False(stop.IsCancellationRequested);
        output.WriteLine($"woken by NOTIFY over {new NpgsqlConnectionStringBuilder(PgBouncer.Direct).Port}, store through {new NpgsqlConnectionStringBuilder(fixture.ConnectionString).Port}");
    }

    [Fact]
    public async Task TwoHundredConcurrentCallers_UseNoMoreServerConnectionsThanThePool()
    {
        Assert.NotEqual(new NpgsqlConnectionStringBuilder(PgBouncer.Direct).Port, new NpgsqlConnectionStringBuilder(fixture.ConnectionString).Port);
        var schema = PostgreSqlFixture.NewSchema();
        await using var pooled = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(fixture.ConnectionString) { MaxPoolSize = Callers + 10 }.ConnectionString);
        await using var store = await fixture.CreatePostgreSqlRepositoryAsync(pooled, schema);
        await store.InitializeAsync();
        var tracker = TestTracker.For(store);
        var bulk = tracker.BeginBulk();
        var ids = Enumerable.Range(0, Callers).Select(i => bulk.Create(new NewTarget($"caller {i}", Status: "Cold"))).ToList();
        Assert.True((await bulk.CommitAsync()).Succeeded);

        // The server's connections to this database, counted directly (not through the pooler) while the callers run.
        await using var direct = NpgsqlDataSource.Create(PgBouncer.Direct);
        var database = new NpgsqlConnectionStringBuilder(PgBouncer.Direct).Database!;
        await using var monitor = await direct.OpenConnectionAsync();
        using var stop = new CancellationTokenSource();
        var most = 0L;
        var sampling = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", monitor) { Parameters = { new() { Value = database } } };
                most = Math.Max(most, (long)(await count.ExecuteScalarAsync())!);
                await Task.Delay(20);
            }
        });

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var callers = ids.Select(async id =>
        {
            await start.Task;
            for (var round = 0; round < 5; round++)
            {
                var current = (await tracker.GetAsync(id)).Value!;
                Assert.True((await tracker.ChangeStatusAsync(id, current.Version, current.Status == "Active" ? "Hot" : "Active")).IsSuccess);
            }
        }).ToList();
        start.SetResult();
        await Task.WhenAll(callers);
        await stop.CancelAsync();
        await sampling;

        output.WriteLine($"{Callers} callers, {Callers * 5} changes: at most {most} server connections to the database (pool size {PgBouncer.PoolSize})");
        Assert.InRange(most, 1, PgBouncer.PoolSize);
        var history = await WriteLoad.ReadAllHistoryAsync(tracker);
        Assert.Equal(Callers * 6, history.Count);
    }
}
