using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TargetTracking.Linq2Db;
using TargetTracking.PostgreSql;

namespace TargetTracking.Cluster.Tests.Patroni;

/// <summary>
/// Reads on standbys (<see cref="PostgreSqlStoreOptions.StandbyReads"/>) on the Patroni cluster: with the standbys' replay
/// paused, a <see cref="StandbyReads.PreferStandby"/> store reads the standby's older state while a
/// <see cref="StandbyReads.ReadYourWrites"/> store waits, then reads the primary; under write load, read-your-writes never
/// misses the caller's change and the standby's staleness is measured.
/// </summary>
[Collection(PatroniCollection.Name)]
public sealed class PatroniStandbyReadTests(PatroniCluster cluster, ITestOutputHelper output)
{
    private static readonly AuditContext Writer = new() { ActorId = "writer" };

    private sealed record Stores(NpgsqlDataSource DataSource, Linq2DbTargetStore Primary, Linq2DbTargetStore Lagging, Linq2DbTargetStore ReadYourWrites) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await ReadYourWrites.DisposeAsync();
            await Lagging.DisposeAsync();
            await Primary.DisposeAsync();
            await DataSource.DisposeAsync();
        }
    }

    private async Task<Stores> CreateStoresAsync(TimeSpan wait)
    {
        var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        var schema = $"standby_{Guid.NewGuid():N}";
        var primary = PostgreSqlDialect.CreateStore(dataSource, new PostgreSqlStoreOptions { Schema = schema });
        await primary.InitializeAsync();
        var lagging = PostgreSqlDialect.CreateStore(dataSource, new PostgreSqlStoreOptions { Schema = schema, StandbyReads = StandbyReads.PreferStandby });
        var readYourWrites = PostgreSqlDialect.CreateStore(dataSource, new PostgreSqlStoreOptions { Schema = schema, StandbyReads = StandbyReads.ReadYourWrites, StandbyWait = wait });
        await lagging.InitializeAsync();
        await readYourWrites.InitializeAsync();
        return new Stores(dataSource, primary, lagging, readYourWrites);
    }

    private static async Task<string?> StatusAsOfNowAsync(Linq2DbTargetStore store) =>
        (await store.CountAsOfAsync(DateTimeOffset.UtcNow.AddMinutes(1))).SingleOrDefault(c => c.Count > 0)?.Status;

    private static async Task<int> HistoryCountAsync(Linq2DbTargetStore store, TargetId id) => (await store.GetHistoryAsync(id, new HistoryPageRequest())).Count;

    private static async Task SetReplayAsync(IEnumerable<string> standbys, bool paused)
    {
        foreach (var standby in standbys)
        {
            await using var connection = new NpgsqlConnection(standby);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(paused ? "SELECT pg_wal_replay_pause()" : "SELECT pg_wal_replay_resume()", connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"not within 30 s: {what}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task WithReplayPaused_PreferStandbyReadsTheStandbysState_ReadYourWritesReadsThePrimarysAfterItsWait()
    {
        var standbys = await cluster.StandbyConnectionStringsAsync();
        await using var stores = await CreateStoresAsync(TimeSpan.FromMilliseconds(300));
        var tracker = new TargetTracker(stores.Primary, new TargetTrackingOptions());
        var deal = (await tracker.CreateAsync(new NewTarget("Acme", Status: "Cold"), Writer)).Value!;
        await UntilAsync(async () => await StatusAsOfNowAsync(stores.Lagging) == "Cold", "the standby shows the new target");

        await SetReplayAsync(standbys, paused: true);
        try
        {
            Assert.True((await tracker.ChangeStatusAsync(deal.Id, deal.Version, "Hot", Writer)).IsSuccess);

            // Reports, counts as of a date and history pages of the lagging store are the standby's: before the change.
            Assert.Equal("Cold", await StatusAsOfNowAsync(stores.Lagging));
            Assert.Equal(1, await HistoryCountAsync(stores.Lagging, deal.Id));
            Assert.Single(await stores.Lagging.GetStaysAsync(deal.Id, DateTimeOffset.UtcNow.AddMinutes(1)));

            // Read-your-writes: the standby cannot catch up while paused, so after its wait the read runs on the primary.
            Assert.Equal("Hot", await StatusAsOfNowAsync(stores.ReadYourWrites));
            Assert.Equal(2, await HistoryCountAsync(stores.ReadYourWrites, deal.Id));

            // Target reads and queries never lag: they run on the primary whatever the option.
            Assert.Equal("Hot", (await stores.Lagging.GetAsync(deal.Id))!.Status);
        }
        finally
        {
            await SetReplayAsync(standbys, paused: false);
        }

        await UntilAsync(async () => await StatusAsOfNowAsync(stores.Lagging) == "Hot", "the standby replays the change once resumed");
        Assert.Equal(2, await HistoryCountAsync(stores.ReadYourWrites, deal.Id));
    }

    [Fact]
    public async Task UnderWriteLoad_ReadYourWritesNeverMissesTheCallersChange_AndTheStandbysStalenessIsMeasured()
    {
        await cluster.StandbyConnectionStringsAsync();
        await using var stores = await CreateStoresAsync(TimeSpan.FromSeconds(2));
        TargetTracker Tracker() => TestTracker.For(stores.Primary, o => o.MaxRetryAttempts = 4, TimeProvider.System);
        var load = new WriteLoad("load target");
        await load.CreateTargetsAsync(Tracker(), 20);
        using var stop = new CancellationTokenSource();
        var writers = load.RunAsync([.. Enumerable.Range(0, 4).Select(_ => Tracker())], stop.Token);

        var prober = Tracker();
        var probe = (await prober.CreateAsync(new NewTarget("probe", Status: "Cold"), Writer)).Value!;
        var (missed, staleness, standbyReads, primaryReads) = (0, new List<TimeSpan>(), new List<TimeSpan>(), new List<TimeSpan>());
        var version = probe.Version;
        for (var i = 0; i < 40; i++)
        {
            var moved = (await prober.ChangeStatusAsync(probe.Id, version, i % 2 == 0 ? "Hot" : "Cold", Writer)).Value!;
            version = moved.Version;
            var entries = (int)moved.Version;

            // Read-your-writes, at once after the write: the change must be there.
            if (await HistoryCountAsync(stores.ReadYourWrites, probe.Id) < entries)
            {
                missed++;
            }

            // The lagging store: how long until its standby shows the change.
            var clock = Stopwatch.StartNew();
            await UntilAsync(async () => await HistoryCountAsync(stores.Lagging, probe.Id) >= entries, "the standby shows the probe's change");
            staleness.Add(clock.Elapsed);

            clock.Restart();
            await stores.Lagging.CountAsOfAsync(DateTimeOffset.UtcNow);
            standbyReads.Add(clock.Elapsed);
            clock.Restart();
            await stores.Primary.CountAsOfAsync(DateTimeOffset.UtcNow);
            primaryReads.Add(clock.Elapsed);
        }

        await stop.CancelAsync();
        await writers;

        static string Ms(IEnumerable<TimeSpan> times) => $"median {times.Order().ElementAt(times.Count() / 2).TotalMilliseconds:F1} ms, max {times.Max().TotalMilliseconds:F1} ms";
        output.WriteLine($"under {load.AcknowledgedChanges.Count} changes from 4 writers: standby staleness (until the lagging store shows a change) {Ms(staleness)}");
        output.WriteLine($"count as of a date: on the standby {Ms(standbyReads)}; on the primary {Ms(primaryReads)} (a loaded machine's durations, not a benchmark)");
        Assert.Equal(0, missed);
        Assert.True(load.AcknowledgedChanges.Count > 0, "the writers wrote");
    }

    [Fact]
    public void ClustersPage_ShowsTheStandbyReadsSample() => Conformance.DocSync.AssertShown("DocsSamples.cs.txt", "scale-out.md", "sample_standby_reads");

    [Fact]
    public async Task TheSamplesRegistration_ReadsItsOwnWrites_OnTheCluster()
    {
        var services = new ServiceCollection();
        DocsSamples.RegisterWithStandbyReads(services, cluster.ConnectionString);
        services.Configure<PostgreSqlStoreOptions>(o => o.Schema = $"standby_{Guid.NewGuid():N}");
        await using var provider = services.BuildServiceProvider();
        var tracker = provider.GetRequiredService<TargetTracker>();
        var created = (await tracker.CreateAsync(new NewTarget("Acme", Status: "Cold"), Writer)).Value!;
        var moved = (await tracker.ChangeStatusAsync(created.Id, created.Version, "Hot", Writer)).Value!;

        Assert.Equal(2, (await tracker.GetHistoryAsync(moved.Id)).Count);
    }
}
