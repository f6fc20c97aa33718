using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using TargetTracking.Benchmarks.Infrastructure;

namespace TargetTracking.Benchmarks.PostgreSql;

/// <summary>
/// The pipeline reports over N targets with five history entries each (1,000,000 targets and 5,000,000 entries at the
/// largest N) on PostgreSQL, computed in the database over one snapshot: the pipeline report of a quarter (Q2 2025),
/// the counts as of a date (30 June 2025), and time in status (the cohort report of the targets created in Q1 2025:
/// time in status over their closed stays, open stays, funnel). Runs with <c>--reports</c> (see Program): one
/// iteration is one whole report; the target is under 5 s each, with memory flat in N.
/// </summary>
[MemoryDiagnoser]
public class PostgreSqlReportBenchmarks
{
    /// <summary>Measured runs per report and size, after one warm-up run.</summary>
    private const int Rounds = 3;

    private static readonly ReportPeriod Quarter = new(new DateTimeOffset(2025, 4, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2025, 7, 1, 0, 0, 0, TimeSpan.Zero));
    private static readonly ReportPeriod CohortQuarter = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2025, 4, 1, 0, 0, 0, TimeSpan.Zero));
    private static readonly DateTimeOffset AsOf = new(2025, 6, 30, 23, 59, 59, TimeSpan.Zero);
    private ReportScaleDatabase _database = null!;
    private TargetReports _reports = null!;

    /// <summary>Gets or sets how many targets the store holds (five entries each).</summary>
    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    /// <summary>
    /// Gets the sizes: 100,000 in short mode; 100,000 and 1,000,000 otherwise; or the comma-separated list in
    /// <c>TARGETTRACKING_BENCH_REPORT_SIZES</c> (a smoke run: <c>2000</c>, which the smoke run takes by itself).
    /// </summary>
    public static IEnumerable<int> Sizes =>
        Environment.GetEnvironmentVariable("TARGETTRACKING_BENCH_REPORT_SIZES") is { Length: > 0 } sizes
            ? sizes.Split(',').Select(int.Parse)
            : BenchmarkConfig.IsSmoke ? [2_000] : Environment.GetEnvironmentVariable("TARGETTRACKING_BENCH_SHORT") == "1" ? [100_000] : [100_000, 1_000_000];

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        _database = await ReportScaleDatabase.CreateAsync(N);
        _reports = new TargetReports(new TargetTracker(_database.Repository, new TargetTrackingOptions()));
    }

    [GlobalCleanup]
    public async Task GlobalCleanupAsync() => await _database.DisposeAsync();

    [Benchmark(Baseline = true, Description = "Pipeline report, a quarter")]
    public async Task<long> PipelineReport()
    {
        var report = await _reports.GetPipelineReportAsync(Quarter);
        return report.Entered.Sum(e => e.Count) > 0 ? report.Counts.Sum(c => c.Count) : throw new InvalidOperationException("The quarter saw nothing.");
    }

    [Benchmark(Description = "Counts as of a date")]
    public async Task<long> CountsAsOf() => (await _reports.CountAsOfAsync(AsOf)).Sum(c => c.Count);

    [Benchmark(Description = "Time in status (cohort of a quarter)")]
    public async Task<long> TimeInStatus()
    {
        var report = await _reports.GetCohortReportAsync(CohortQuarter);
        return report.TimeInStatus.Sum(s => s.Count);
    }

    /// <summary>
    /// Time and peak memory of each report (three runs after a warm-up; the median and the slowest), memory sampled every 10 ms in this process: the managed heap and the working set above what
    /// they were before it. Only aggregates leave the database, so neither may grow with N.
    /// </summary>
    public static async Task ReportPeakMemoryAsync(IEnumerable<int> sizes)
    {
        Console.WriteLine("| N targets | entries | report | median time | slowest | peak managed heap above start | peak working set above start |");
        Console.WriteLine("|---:|---:|---|---:|---:|---:|---:|");
        foreach (var size in sizes)
        {
            var bench = new PostgreSqlReportBenchmarks { N = size };
            await bench.GlobalSetupAsync();
            foreach (var (name, run) in new (string, Func<Task<long>>)[] { ("pipeline report, a quarter", bench.PipelineReport), ("counts as of a date", bench.CountsAsOf), ("time in status (cohort)", bench.TimeInStatus) })
            {
                await run(); // warm: pools, the server's caches
                var times = new List<double>();
                long heapMax = 0, setMax = 0;
                for (var round = 0; round < Rounds; round++)
                {
                    var cost = await PeakMemory.MeasureAsync(run);
                    times.Add(cost.Elapsed.TotalSeconds);
                    heapMax = Math.Max(heapMax, cost.HeapRise);
                    setMax = Math.Max(setMax, cost.WorkingSetRise);
                }

                times.Sort();
                Console.WriteLine(
                    $"| {size:N0} | {size * (long)ReportScaleDatabase.EntriesPerTarget:N0} | {name} | {times[times.Count / 2]:F2} s | {times[^1]:F2} s | {heapMax / 1048576.0:F1} MiB | {setMax / 1048576.0:F1} MiB |");
            }

            await bench.GlobalCleanupAsync();
        }
    }
}
