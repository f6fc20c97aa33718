using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using TargetTracking.Benchmarks.Infrastructure;

namespace TargetTracking.Benchmarks.Growth;

/// <summary>
/// How the cost of one <see cref="TargetTracker.ChangeStatusAsync"/> grows with the history of the target it changes:
/// a target with H entries (1, 100, 1,000, 10,000), in a table of <see cref="Workload.TableSize"/> other targets with
/// three entries each, on PostgreSQL, SQLite (WAL file) and MariaDB. The write path keeps the stays table from the
/// entries it writes and never reads the target's history, so the goal is a flat line: read the Growth columns (this
/// row's time ÷ the H = 1 row of the same database, <see cref="GrowthColumn"/>). Runs with <c>--growth</c> (see Program).
/// </summary>
/// <remarks>
/// Each call changes a target no earlier call changed: a pool of <see cref="PoolSize"/> targets with H entries each, all
/// Cold at version H, taken in turn, one per iteration (the <c>[IterationSetup]</c> makes BenchmarkDotNet measure one
/// invocation per iteration). So every measured call is the same move, Cold → Active on a target with exactly H entries,
/// and the history the run adds (one entry per pool target) is nothing against H. A job of more iterations than the pool
/// (the Full job makes at most 46 calls) goes round it again: each target then moves back, still a real move, with one
/// entry more. The pool and the table are seeded set-based (<see cref="GrowthDatabase"/>), the stays by the store's own
/// definition; before the run, the store's integrity check scans a few targets (the whole store in the smoke run) and the
/// stays of the pool are compared with their definition, and again after the run.
/// </remarks>
[MemoryDiagnoser]
[GrowthColumns(nameof(H))]
public class StatusChangeGrowthBenchmarks
{
    /// <summary>
    /// How many targets of H entries are seeded: more than any configured job calls (Full: at most 46, one jitting call,
    /// 4 warm-ups, 40 iterations and the memory diagnoser's extra one; Short: 9).
    /// </summary>
    public const int PoolSize = 64;

    /// <summary>
    /// How many entries each other target has: Created Cold, to Active, back to Cold. More than one, so the smoke run's
    /// integrity check of the whole store judges the seeding of moves too (its pool has H = 1).
    /// </summary>
    public const int BackgroundEntries = 3;

    private GrowthDatabase _database = null!;
    private readonly AuditContext _audit = Workload.Audit();
    private readonly long[] _versions = new long[PoolSize];
    private readonly string[] _statuses = new string[PoolSize];
    private int _calls;
    private int _current;

    /// <summary>Gets or sets the database.</summary>
    [ParamsAllValues(Priority = -1)]
    public GrowthStore Database { get; set; }

    /// <summary>Gets or sets how many history entries the changed target has.</summary>
    [ParamsSource(nameof(HistoryLengths))]
    public int H { get; set; }

    /// <summary>Gets the values of <see cref="H"/> (the smoke run takes the first).</summary>
    public static int[] HistoryLengths => BenchmarkConfig.Sizes(1, 100, 1_000, 10_000);

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        var seeding = Stopwatch.StartNew();
        _database = await GrowthDatabase.CreateAsync(Database);
        await _database.SeedAsync(0, Workload.TableSize, BackgroundEntries);
        await _database.SeedAsync(Workload.TableSize, PoolSize, H);
        await _database.CompleteSeedingAsync();
        Console.WriteLine($"// seeded {Workload.TableSize + PoolSize} targets, {(long)Workload.TableSize * BackgroundEntries + (long)PoolSize * H} entries in {seeding.Elapsed.TotalSeconds:F1} s");
        await _database.ExpectColdAsync(Workload.TableSize - 1, BackgroundEntries);
        await _database.ExpectColdAsync(Workload.TableSize, H);
        await _database.CheckStaysAsync(Pool);

        // The integrity check judges targets of short history only (GrowthDatabase.CheckIntegrityAsync): two of the
        // pool up to H = 1,000; beyond, the stays check above and the same seeding SQL at smaller H vouch for the pool.
        await _database.CheckIntegrityAsync([0, Workload.TableSize - 1, .. Pool.Take(H <= 1_000 ? 2 : 0)]);
        Array.Fill(_versions, H);
        Array.Fill(_statuses, Workload.FromStatus);
    }

    [IterationSetup]
    public void IterationSetup() => _current = _calls++ % PoolSize;

    [GlobalCleanup]
    public async Task GlobalCleanupAsync()
    {
        // In the case's log: proof that the history grown by the run stayed small against H.
        Console.WriteLine($"// {_calls} calls on {Math.Min(_calls, PoolSize)} targets of {H} entries, at most {(_calls + PoolSize - 1) / PoolSize} each");

        // And that the changes kept the stays of those targets as their history defines them.
        await _database.CheckStaysAsync(Pool);
        await _database.DisposeAsync();
    }

    private static IEnumerable<int> Pool => Enumerable.Range(Workload.TableSize, PoolSize);

    [Benchmark(Description = "ChangeStatusAsync on a target with H entries")]
    public async Task<long> ChangeStatus()
    {
        var index = _current;
        var next = _statuses[index] == Workload.FromStatus ? Workload.ToStatus : Workload.FromStatus;
        var result = await _database.Tracker.ChangeStatusAsync(GrowthDatabase.Id(Workload.TableSize + index), _versions[index], next, _audit);
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"Pool target {index}: {result.Error}");
        }

        _statuses[index] = next;
        return ++_versions[index];
    }
}
