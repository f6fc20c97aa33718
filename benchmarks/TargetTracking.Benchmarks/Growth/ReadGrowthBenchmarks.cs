using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using LinqToDB;
using LinqToDB.Async;
using TargetTracking.Benchmarks.Infrastructure;
using TargetTracking.Linq2Db;

namespace TargetTracking.Benchmarks.Growth;

/// <summary>
/// How the reads a shard of a scaled-out store serves grow with the size of its tables (docs/scale-out.md): a caught-up
/// change feed reader's page (the 100 newest entries, after a position) and a count as of a date, in tables of 100,000
/// and 1,000,000 targets (each with its Created entry and its open stay), on PostgreSQL, SQLite and MariaDB. A feed page
/// is one index range, so its goal is a flat line; a count as of a date reads every stay of the tenant, so it grows with
/// the table by design — the Growth columns (<see cref="GrowthColumn"/>) say by how much. The smoke run takes 10,000
/// targets. Runs with <c>--growth</c> (see Program).
/// </summary>
[MemoryDiagnoser]
[GrowthColumns(nameof(Targets))]
public class ReadGrowthBenchmarks
{
    private const int Page = 100;

    private GrowthDatabase _database = null!;
    private ChangeFeed _feed = null!;
    private TargetReports _reports = null!;
    private FeedToken _tail = FeedToken.Start;

    /// <summary>Gets or sets the database.</summary>
    [ParamsAllValues(Priority = -1)]
    public GrowthStore Database { get; set; }

    /// <summary>Gets or sets how many targets the tables hold.</summary>
    [ParamsSource(nameof(TableSizes))]
    public int Targets { get; set; }

    /// <summary>Gets the values of <see cref="Targets"/>: 10,000 in the smoke run.</summary>
    public static int[] TableSizes => BenchmarkConfig.IsSmoke ? [10_000] : [100_000, 1_000_000];

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        var seeding = Stopwatch.StartNew();
        _database = await GrowthDatabase.CreateAsync(Database);
        await _database.SeedAsync(0, Targets, 1);
        await _database.CompleteSeedingAsync();
        Console.WriteLine($"// seeded {Targets} targets in {seeding.Elapsed.TotalSeconds:F1} s");
        _feed = new ChangeFeed(_database.Tracker);
        _reports = new TargetReports(_database.Tracker);

        // The position a caught-up reader holds: the entry just before the newest page, in feed order (a unit of work's
        // entries share their commit sequence, so the order is sequence, version, id).
        await using (var db = _database.Store.Connect())
        {
            var before = await AsyncExtensions.FirstAsync(db.GetTable<HistoryRecord>()
                .Select(h => new { Sequence = Sql.Property<long>(h, Linq2DbTargetStore.FeedSequenceColumn), h.Version, h.Id })
                .OrderByDescending(h => h.Sequence).ThenByDescending(h => h.Version).ThenByDescending(h => h.Id)
                .Skip(Page));
            _tail = FeedToken.Of(before.Sequence, before.Version, before.Id);
        }

        var page = await ReadFeedTail();
        if (page != Page)
        {
            throw new InvalidOperationException($"The feed's tail page held {page} entries, not {Page}: the seeded sequences are not consecutive.");
        }
    }

    [GlobalCleanup]
    public async Task GlobalCleanupAsync() => await _database.DisposeAsync();

    [Benchmark(Description = "Change feed: the newest 100 entries after a position")]
    public async Task<int> ReadFeedTail() => (await _feed.ReadAsync(_tail, Page)).Entries.Count;

    [Benchmark(Description = "Count as of a date")]
    public async Task<long> CountAsOf() => (await _reports.CountAsOfAsync(DateTimeOffset.UtcNow)).Sum(c => c.Count);
}
