using BenchmarkDotNet.Running;
using TargetTracking.Benchmarks.Infrastructure;
using TargetTracking.PostgreSql.Tests;

// dotnet run -c Release --project benchmarks/TargetTracking.Benchmarks -- [--short] --filter '*'
var shortRun = args.Contains("--short");
var rest = args.Where(a => a != "--short").ToArray();

// Every benchmark runs in its own process; one throwaway cluster, started here, serves them all (each
// process creates its own database on it). The cluster stops when this process exits.
if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PostgreSqlServer.EnvironmentVariable)) && !InfoOnly(rest))
{
    Environment.SetEnvironmentVariable(PostgreSqlServer.EnvironmentVariable, await PostgreSqlServer.GetConnectionStringAsync());
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, shortRun ? BenchmarkConfig.Short() : BenchmarkConfig.Full());

static bool InfoOnly(string[] args) =>
    args.Any(a => a is "--list" or "--help" or "-h" or "--version" or "--info");
