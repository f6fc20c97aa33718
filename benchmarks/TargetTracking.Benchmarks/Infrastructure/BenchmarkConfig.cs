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
