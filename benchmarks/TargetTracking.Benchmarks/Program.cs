using BenchmarkDotNet.Running;
using TargetTracking.Benchmarks.Infrastructure;
using TargetTracking.Benchmarks.PostgreSql;
using TargetTracking.PostgreSql.Tests;

// dotnet run -c Release --project benchmarks/TargetTracking.Benchmarks -- [--short] --filter '*'
// dotnet run -c Release --project benchmarks/TargetTracking.Benchmarks -- [--short] --operations   (1,000,000-target operations)
var shortRun = args.Contains("--short");
var operations = args.Contains("--operations");
var rest = args.Where(a => a is not "--short" and not "--operations").ToArray();

// Every benchmark runs in its own process; one throwaway cluster, started here, serves them all (each
// process creates its own database on it). The cluster stops when this process exits.
if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PostgreSqlServer.EnvironmentVariable)) && !InfoOnly(rest))
{
    Environment.SetEnvironmentVariable(PostgreSqlServer.EnvironmentVariable, await PostgreSqlServer.GetConnectionStringAsync());
}

// Child processes inherit it: the operation benchmarks pick their sizes from it.
Environment.SetEnvironmentVariable("TARGETTRACKING_BENCH_SHORT", shortRun ? "1" : "0");

if (operations)
{
    // A pass over 1,000,000 targets takes a minute or more: one measured iteration, after one warm-up.
    BenchmarkRunner.Run<PostgreSqlOperationBenchmarks>(BenchmarkConfig.SinglePass());
    await PostgreSqlOperationBenchmarks.ReportPeakMemoryAsync(PostgreSqlOperationBenchmarks.Sizes);
    return;
}

var suite = typeof(Program).Assembly.GetTypes().Where(t => t.IsPublic && !t.IsAbstract && t != typeof(PostgreSqlOperationBenchmarks) && t.GetMethods().Any(m => m.IsDefined(typeof(BenchmarkDotNet.Attributes.BenchmarkAttribute), false))).ToArray();
BenchmarkSwitcher.FromTypes(suite).Run(rest, shortRun ? BenchmarkConfig.Short() : BenchmarkConfig.Full());

static bool InfoOnly(string[] args) =>
    args.Any(a => a is "--list" or "--help" or "-h" or "--version" or "--info");
