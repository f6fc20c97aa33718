using BenchmarkDotNet.Running;
using TargetTracking.Benchmarks.Growth;
using TargetTracking.Benchmarks.Infrastructure;
using TargetTracking.Benchmarks.MySql;
using TargetTracking.Benchmarks.PostgreSql;
using TargetTracking.Benchmarks.Sqlite;
using TargetTracking.MySql.Tests;
using TargetTracking.PostgreSql.Tests;

// dotnet run -c Release --project benchmarks/TargetTracking.Benchmarks -- [--short] --filter '*'
// dotnet run -c Release --project benchmarks/TargetTracking.Benchmarks -- --job Dry --filter '*Bulk*'   (smoke: do the cases run?)
// dotnet run -c Release --project benchmarks/TargetTracking.Benchmarks -- [--short] --operations   (1,000,000-target operations)
// dotnet run -c Release --project benchmarks/TargetTracking.Benchmarks -- [--short] --first-call   (first call of a new process)
// dotnet run -c Release --project benchmarks/TargetTracking.Benchmarks -- [--short] --integrity    (integrity check over 1,000,000 targets, 3,000,000 entries)
// dotnet run -c Release --project benchmarks/TargetTracking.Benchmarks -- --hierarchy    (tree and roll-up of 1,000 goals over 100,000 outcomes)
// dotnet run -c Release --project benchmarks/TargetTracking.Benchmarks -- [--short] --reports      (pipeline reports over 1,000,000 targets, 5,000,000 entries)
// dotnet run -c Release --project benchmarks/TargetTracking.Benchmarks -- --verify                 (check what every bulk competitor writes)
// dotnet run -c Release --project benchmarks/TargetTracking.Benchmarks -- [--short] --feed-latency (change feed latency on PostgreSQL, NOTIFY and polling)
// dotnet run -c Release --project benchmarks/TargetTracking.Benchmarks -- [--short] --growth       (a change vs the target's history length, a bulk vs table size; 3 databases)
// dotnet run -c Release --project benchmarks/TargetTracking.Benchmarks -- --profile [seconds] [library|store|store-di|floor|pair] [prepared]  (a loop of single changes for a profiler; eng/profile-single)
// dotnet run -c Release --project benchmarks/TargetTracking.Benchmarks -- --smoke                  (every class once, Dry job, smallest sizes; eng/benchmark-smoke)
var shortRun = args.Contains("--short");
var operations = args.Contains("--operations");
var firstCall = args.Contains("--first-call");
var verify = args.Contains("--verify");
var integrity = args.Contains("--integrity");
var hierarchy = args.Contains("--hierarchy");
var feedLatency = args.Contains("--feed-latency");
var reports = args.Contains("--reports");
var smoke = args.Contains("--smoke");
var growth = args.Contains("--growth");
var profile = args.Contains("--profile");
var rest = args.Where(a => a is not "--short" and not "--operations" and not "--first-call" and not "--verify" and not "--integrity" and not "--hierarchy" and not "--feed-latency" and not "--reports" and not "--bdn" and not "--smoke" and not "--growth" and not "--profile").ToArray();

// Every benchmark runs in its own process; one throwaway cluster, started here, serves them all (each
// process creates its own database on it). The cluster stops when this process exits.
if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PostgreSqlServer.EnvironmentVariable)) && !InfoOnly(rest))
{
    Environment.SetEnvironmentVariable(PostgreSqlServer.EnvironmentVariable, await PostgreSqlServer.GetConnectionStringAsync());
}

// Likewise one throwaway MariaDB server, when a MariaDB benchmark may run.
if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(MariaDbServer.EnvironmentVariable)) && !InfoOnly(rest) && !operations && !firstCall && !hierarchy && !feedLatency && !reports && !profile
    && (verify || growth || !rest.Contains("--filter") || rest.SkipWhile(a => a != "--filter").Skip(1).TakeWhile(a => !a.StartsWith('-')).Any(f => f.Contains("MariaDb", StringComparison.OrdinalIgnoreCase) || f.Trim('*').Length == 0 || f.Contains("Bulk", StringComparison.OrdinalIgnoreCase))))
{
    Environment.SetEnvironmentVariable(MariaDbServer.EnvironmentVariable, await MariaDbServer.GetAdminConnectionStringAsync());
}

// Child processes inherit them: the scale benchmarks pick their sizes from them.
Environment.SetEnvironmentVariable("TARGETTRACKING_BENCH_SHORT", shortRun ? "1" : "0");
Environment.SetEnvironmentVariable(BenchmarkConfig.SmokeVariable, smoke ? "1" : "0");

// BenchmarkDotNet reports a case that throws and carries on; every run below fails when one did (BenchmarkConfig.Passed).
Type[] all = [.. typeof(Program).Assembly.GetTypes().Where(t => t.IsPublic && !t.IsAbstract && t.GetMethods().Any(m => m.IsDefined(typeof(BenchmarkDotNet.Attributes.BenchmarkAttribute), false)))];
if (smoke)
{
    // Every class, those run apart below too, in one run (BenchmarkDotNet builds its project once) at their smallest sizes.
    return BenchmarkConfig.Passed(BenchmarkRunner.Run(all, BenchmarkConfig.Dry()), Console.Out) ? 0 : 1;
}

// Their own runs, with their own jobs (below; --growth and the smoke run them too).
Type[] growthClasses = [typeof(StatusChangeGrowthBenchmarks), typeof(BulkGrowthBenchmarks), typeof(ReadGrowthBenchmarks)];
Type[] apart = [typeof(PostgreSqlOperationBenchmarks), typeof(PostgreSqlFirstCallBenchmarks), typeof(PostgreSqlIntegrityBenchmarks), typeof(PostgreSqlHierarchyBenchmarks), typeof(PostgreSqlReportBenchmarks), .. growthClasses];
var config = rest.Any(a => a is "--job" or "-j") ? BenchmarkConfig.CommandLineJob() : shortRun ? BenchmarkConfig.Short() : BenchmarkConfig.Full();

if (growth)
{
    // Seeding 1,000,000 targets takes a minute or more per case: not part of the suite. The command line's job, filter
    // and options apply; without a filter, both classes run (BenchmarkSwitcher would ask which).
    var growthArgs = rest.Contains("--filter") ? rest : [.. rest, "--filter", "*"];
    return BenchmarkConfig.Passed(BenchmarkSwitcher.FromTypes(growthClasses).Run(growthArgs, config), Console.Out) ? 0 : 1;
}

if (operations)
{
    // A pass over 1,000,000 targets takes a minute or more: one measured iteration, after one warm-up.
    var summary = BenchmarkRunner.Run<PostgreSqlOperationBenchmarks>(BenchmarkConfig.SinglePass());
    await PostgreSqlOperationBenchmarks.ReportPeakMemoryAsync(PostgreSqlOperationBenchmarks.Sizes);
    return BenchmarkConfig.Passed([summary], Console.Out) ? 0 : 1;
}

if (integrity)
{
    // A check over 3,000,000 entries takes seconds: one measured pass after one warm-up, as for operations.
    var summary = BenchmarkRunner.Run<PostgreSqlIntegrityBenchmarks>(BenchmarkConfig.SinglePass());
    await PostgreSqlIntegrityBenchmarks.ReportPeakMemoryAsync(PostgreSqlIntegrityBenchmarks.Sizes);
    return BenchmarkConfig.Passed([summary], Console.Out) ? 0 : 1;
}

if (hierarchy)
{
    // A tree of every goal takes seconds: one measured pass after one warm-up, as for operations.
    return BenchmarkConfig.Passed([BenchmarkRunner.Run<PostgreSqlHierarchyBenchmarks>(BenchmarkConfig.SinglePass())], Console.Out) ? 0 : 1;
}

if (feedLatency)
{
    // A measured run of one wait's distribution, outside BenchmarkDotNet.
    await PostgreSqlFeedLatency.RunAsync(shortRun ? 50 : 200, Console.Out);
    return 0;
}

if (reports)
{
    // In this process: seeding 5,000,000 entries takes minutes, and BenchmarkDotNet would seed again in each of its
    // processes (one database per process). Three measured runs per report after a warm-up; add --bdn for its runs too.
    var passed = !args.Contains("--bdn") || BenchmarkConfig.Passed([BenchmarkRunner.Run<PostgreSqlReportBenchmarks>(BenchmarkConfig.SinglePass())], Console.Out);
    await PostgreSqlReportBenchmarks.ReportPeakMemoryAsync(PostgreSqlReportBenchmarks.Sizes);
    return passed ? 0 : 1;
}

if (verify)
{
    // Every bulk competitor once per N, outside BenchmarkDotNet: what it wrote, and all-or-nothing with a stale item.
    var postgreSql = await PostgreSqlBulkStatusChangeBenchmarks.VerifyAsync(Console.Out);
    var sqlite = await SqliteBulkCommitBenchmarks.VerifyAsync(Console.Out);
    var mariaDb = await MariaDbBulkStatusChangeBenchmarks.VerifyAsync(Console.Out);
    Console.WriteLine(postgreSql && sqlite && mariaDb ? "All competitors wrote what they should." : "Some competitors did not write what they should.");
    return postgreSql && sqlite && mariaDb ? 0 : 1;
}

if (profile)
{
    // A steady loop of single status changes for a sampling profiler to attach to (eng/profile-single); seconds from the command line.
    await PostgreSqlSingleStatusChangeBenchmarks.LoopAsync(
        rest.Length > 1 ? rest[1] : "library",
        autoPrepare: rest.Length > 2 && rest[2] == "prepared",
        TimeSpan.FromSeconds(rest.Length > 0 ? int.Parse(rest[0], System.Globalization.CultureInfo.InvariantCulture) : 30), Console.Out);
    return 0;
}

if (firstCall)
{
    // Process-wide caches (linq2db's compiled queries, the JIT) make a first call measurable only in a new process.
    return BenchmarkConfig.Passed([BenchmarkRunner.Run<PostgreSqlFirstCallBenchmarks>(BenchmarkConfig.FirstCall(shortRun ? 3 : 10))], Console.Out) ? 0 : 1;
}

var suite = all.Except(apart).ToArray();
var summaries = BenchmarkSwitcher.FromTypes(suite).Run(rest, config);
return InfoOnly(rest) || BenchmarkConfig.Passed(summaries, Console.Out) ? 0 : 1;

static bool InfoOnly(string[] args) =>
    args.Any(a => a is "--list" or "--help" or "-h" or "--version" or "--info");
