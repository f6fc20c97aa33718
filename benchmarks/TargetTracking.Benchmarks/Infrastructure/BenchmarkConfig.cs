using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;

namespace TargetTracking.Benchmarks.Infrastructure;

/// <summary>
/// The ways to run the suite. Classes that reset their tables in <c>[IterationSetup]</c> measure one
/// invocation per iteration (BenchmarkDotNet forces it). Both report ratios against each class's baseline,
/// which hold up on a shared, noisy machine better than absolute times.
/// </summary>
internal static class BenchmarkConfig
{
    /// <summary>The environment variable that marks the smoke run.</summary>
    public const string SmokeVariable = "TARGETTRACKING_BENCH_SMOKE";

    /// <summary>The whole suite in a few minutes on two cores: two warm-ups and five of measured iterations.</summary>
    public static IConfig Short() => Create(Job.Default
        .WithWarmupCount(2)
        .WithIterationCount(5)
        .WithLaunchCount(1)
        .WithId("Short"));

    /// <summary>Enough iterations for stable numbers; takes much longer.</summary>
    public static IConfig Full() => Create(Job.Default
        .WithWarmupCount(4)
        .WithMinIterationCount(15)
        .WithMaxIterationCount(40)
        .WithId("Full"));

    /// <summary>For passes that take a minute or more: one warm-up pass and two measured ones, one invocation each.</summary>
    public static IConfig SinglePass() => Create(Job.Default
        .WithStrategy(BenchmarkDotNet.Engines.RunStrategy.Monitoring)
        .WithWarmupCount(1)
        .WithIterationCount(2)
        .WithLaunchCount(1)
        .WithId("SinglePass"));

    /// <summary>
    /// First calls: one measured invocation in each of <paramref name="launches"/> new processes, with no warm-up and
    /// no jitting call before it (BenchmarkDotNet's cold-start strategy), so each measurement is the first call of
    /// a process after its <c>[GlobalSetup]</c>.
    /// </summary>
    /// <param name="launches">How many processes, that is measurements, per case.</param>
    public static IConfig FirstCall(int launches) => Create(Job.Default
        .WithStrategy(BenchmarkDotNet.Engines.RunStrategy.ColdStart)
        .WithLaunchCount(launches)
        .WithWarmupCount(0)
        .WithIterationCount(1)
        .WithInvocationCount(1)
        .WithUnrollFactor(1)
        .WithId("FirstCall"));

    /// <summary>
    /// The smoke run (<c>--smoke</c>): BenchmarkDotNet's Dry job, one process per case with one warm-up and one measured
    /// invocation. It proves that every case still runs; its times mean nothing.
    /// </summary>
    public static IConfig Dry() => Create(Job.Dry);

    /// <summary>
    /// Gets whether this process belongs to the smoke run (<c>--smoke</c> sets <see cref="SmokeVariable"/>, and the
    /// benchmark processes inherit it): the classes then take their smallest sizes, so the scale databases seed a few
    /// thousand targets, not a million.
    /// </summary>
    public static bool IsSmoke => Environment.GetEnvironmentVariable(SmokeVariable) == "1";

    /// <summary>
    /// The sizes of a bulk class's <c>N</c>: all of them, or the smallest in the smoke run (which proves that the cases
    /// run; <c>--verify</c> runs every competitor at every size outside BenchmarkDotNet).
    /// </summary>
    /// <param name="sizes">Every size, smallest first.</param>
    /// <returns>The sizes to run.</returns>
    public static int[] Sizes(params int[] sizes) => IsSmoke ? [sizes[0]] : sizes;

    /// <summary>
    /// Whether every case of a run ran and gave a result. BenchmarkDotNet ends normally when a case throws (it prints
    /// <c>// ERROR</c> and "Benchmarks with issues" and leaves the case out of the table), so a caller that must fail
    /// on a broken case asks this; it names each case that did not run.
    /// </summary>
    /// <param name="summaries">The summaries of the run.</param>
    /// <param name="output">Where to name the cases that failed.</param>
    /// <returns><see langword="true"/> when there was at least one case and every case ran and measured.</returns>
    public static bool Passed(IEnumerable<Summary> summaries, TextWriter output)
    {
        var passed = true;
        var cases = 0;
        foreach (var summary in summaries)
        {
            if (summary.HasCriticalValidationErrors)
            {
                output.WriteLine($"FAILED: {summary.Title}: {string.Join("; ", summary.ValidationErrors.Select(e => e.Message))}");
                passed = false;
            }

            foreach (var benchmark in summary.BenchmarksCases)
            {
                cases++;
                var report = summary.Reports.FirstOrDefault(r => r.BenchmarkCase == benchmark);
                if (report is not { Success: true, ResultStatistics: not null })
                {
                    output.WriteLine($"FAILED: {benchmark.DisplayInfo}");
                    passed = false;
                }
            }
        }

        if (cases == 0)
        {
            output.WriteLine("FAILED: no benchmark ran.");
        }

        return passed && cases > 0;
    }

    /// <summary>
    /// The job named on the command line (<c>--job Dry</c> for a smoke run that proves the cases run): without it,
    /// BenchmarkDotNet would run that job and this config's job both.
    /// </summary>
    public static IConfig CommandLineJob() => Create(null);

    private static ManualConfig Create(Job? job) =>
        (job is null ? ManualConfig.CreateMinimumViable() : ManualConfig.CreateMinimumViable().AddJob(job))
            .AddExporter(MarkdownExporter.GitHub)
            .AddColumn(StatisticColumn.Median)
            .WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Value))

            // The default two minutes to build the generated project ran out on this shared two-core machine.
            .WithBuildTimeout(TimeSpan.FromMinutes(10));
}
