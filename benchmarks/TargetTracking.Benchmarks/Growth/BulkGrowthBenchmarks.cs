using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using TargetTracking.Benchmarks.Infrastructure;

namespace TargetTracking.Benchmarks.Growth;

/// <summary>
/// How the cost of one bulk status change of N = 10,000 targets (all-or-nothing, with audit) grows with the size of the
/// tables it writes into: 100,000 and 1,000,000 targets, each with its Created entry and its one open stay, on
/// PostgreSQL, SQLite (WAL file) and MariaDB. Every statement of the write path finds its rows by an index, so the goal
/// is a flat line: read the Growth columns (this row's time ÷ the 100,000-target row of the same database,
/// <see cref="GrowthColumn"/>). The smoke run takes 10,000 targets and N = 100. Runs with <c>--growth</c> (see Program).
/// </summary>
/// <remarks>
/// Each iteration moves a seeded random sample of N targets from Cold to Active (a new sample each iteration, the same
/// samples in every database); after it, the reset puts exactly those targets, their entries and stays back as seeded,
/// by their ids, so a reset costs the same at either size and every iteration starts from the seeded tables. Seeding a
/// million targets is set-based SQL in the database (<see cref="GrowthDatabase"/>), the stays by the store's own
/// definition; the store's integrity check scans a few targets after seeding and the last sample after its reset (the
/// whole store in the smoke run).
/// </remarks>
[MemoryDiagnoser]
[GrowthColumns(nameof(Targets))]
public class BulkGrowthBenchmarks
{
    private GrowthDatabase _database = null!;
    private AuditContext _audit = Workload.Audit();
    private int[] _sample = [];
    private int _iteration;

    /// <summary>Gets or sets the database.</summary>
    [ParamsAllValues(Priority = -1)]
    public GrowthStore Database { get; set; }

    /// <summary>Gets or sets how many targets the tables hold.</summary>
    [ParamsSource(nameof(TableSizes))]
    public int Targets { get; set; }

    /// <summary>Gets or sets how many targets one bulk change moves.</summary>
    [ParamsSource(nameof(BulkSizes))]
    public int N { get; set; }

    /// <summary>Gets the values of <see cref="Targets"/>: 10,000 in the smoke run.</summary>
    public static int[] TableSizes => BenchmarkConfig.IsSmoke ? [10_000] : [100_000, 1_000_000];

    /// <summary>Gets the value of <see cref="N"/>: 100 in the smoke run.</summary>
    public static int[] BulkSizes => BenchmarkConfig.IsSmoke ? [100] : [10_000];

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        var seeding = Stopwatch.StartNew();
        _database = await GrowthDatabase.CreateAsync(Database);
        await _database.SeedAsync(0, Targets, 1);
        await _database.CompleteSeedingAsync();
        Console.WriteLine($"// seeded {Targets} targets in {seeding.Elapsed.TotalSeconds:F1} s");
        await _database.ExpectColdAsync(Targets - 1, 1);
        await _database.CheckIntegrityAsync([0, Targets / 2, Targets - 1]);
    }

    [IterationSetup]
    public void IterationSetup()
    {
        _sample = Sample(Targets, N, ++_iteration);
        _audit = Workload.Audit();
    }

    // Blocking on the reset is fine here: BenchmarkDotNet calls iteration clean-ups synchronously, on a thread with no
    // synchronization context, outside the measurement.
    [IterationCleanup]
    public void IterationCleanup() => _database.ResetAsync(_sample).GetAwaiter().GetResult();

    [GlobalCleanup]
    public async Task GlobalCleanupAsync()
    {
        // The last reset left the targets it put back as seeded: target, history and stays agree.
        await _database.CheckIntegrityAsync(_sample);
        await _database.DisposeAsync();
    }

    [Benchmark(Description = "TargetTracking bulk of N, all-or-nothing")]
    public async Task<int> BulkChange()
    {
        var bulk = _database.Tracker.BeginBulk();
        foreach (var index in _sample)
        {
            bulk.ChangeStatus(GrowthDatabase.Id(index), 1, Workload.ToStatus);
        }

        var result = await bulk.CommitAsync(BulkMode.AllOrNothing, _audit);
        return result.AppliedCount == _sample.Length ? result.AppliedCount : throw new InvalidOperationException($"{_sample.Length - result.AppliedCount} of {_sample.Length} items were not applied.");
    }

    /// <summary>Picks <paramref name="count"/> distinct indexes below <paramref name="size"/> at random, the same for the same seed (a partial Fisher–Yates shuffle).</summary>
    private static int[] Sample(int size, int count, int seed)
    {
        var random = new Random(seed);
        var all = Enumerable.Range(0, size).ToArray();
        for (var i = 0; i < count; i++)
        {
            var j = random.Next(i, all.Length);
            (all[i], all[j]) = (all[j], all[i]);
        }

        return all[..count];
    }
}
