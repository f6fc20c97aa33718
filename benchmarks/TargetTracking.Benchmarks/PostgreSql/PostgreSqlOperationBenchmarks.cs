using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TargetTracking.Benchmarks.Infrastructure;

namespace TargetTracking.Benchmarks.PostgreSql;

/// <summary>
/// Moves every one of N targets (Cold → Active) on PostgreSQL: as a tracked operation (batches of 1,000 and of
/// the default 100, each batch committing its changes, history and progress), against the bulk unit of work
/// driven by hand over the same table, 10,000 items per commit after a keyset read of ids and versions. Runs with
/// <c>--operations</c> (see Program): one iteration is a whole pass over N targets.
/// </summary>
[MemoryDiagnoser]
public class PostgreSqlOperationBenchmarks
{
    private OperationScaleDatabase _database = null!;
    private ServiceProvider _services = null!;
    private TargetTracker _tracker = null!;
    private TargetOperations _operations = null!;
    private int _run;

    /// <summary>Gets or sets how many targets the pass moves.</summary>
    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    /// <summary>Gets the sizes: 2,000 in the smoke run, 100,000 in short mode, and 1,000,000 as well otherwise.</summary>
    public static IEnumerable<int> Sizes =>
        BenchmarkConfig.IsSmoke ? [2_000] : Environment.GetEnvironmentVariable("TARGETTRACKING_BENCH_SHORT") == "1" ? [100_000] : [100_000, 1_000_000];

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        _database = await OperationScaleDatabase.CreateAsync(N);
        var services = new ServiceCollection();
        services.AddTargetTracking().UsePostgreSql(_database.DataSource, o => o.Schema = _database.Schema);
        _services = services.BuildServiceProvider();
        _tracker = _services.GetRequiredService<TargetTracker>();
        _operations = _services.GetRequiredService<TargetOperations>();
    }

    [IterationSetup]
    public void IterationSetup() => _database.Reset();

    [GlobalCleanup]
    public async Task GlobalCleanupAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "Bulk unit of work, 10,000 per commit")]
    public async Task<long> BulkUnitOfWork()
    {
        var sql = $"SELECT id, version FROM \"{_database.Schema}\".targets WHERE tenant_id = 'default' AND id > $1 ORDER BY id LIMIT 10000";
        var after = Guid.Empty;
        long applied = 0;
        while (true)
        {
            var bulk = _tracker.BeginBulk();
            await using (var command = new NpgsqlCommand(sql) { Parameters = { new NpgsqlParameter<Guid> { TypedValue = after } } })
            {
                await using var connection = await _database.DataSource.OpenConnectionAsync();
                command.Connection = connection;
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    after = reader.GetGuid(0);
                    bulk.ChangeStatus(new TargetId(after), reader.GetInt64(1), "Active");
                }
            }

            if (bulk.Count == 0)
            {
                return applied;
            }

            applied += (await bulk.CommitAsync()).AppliedCount;
        }
    }

    [Benchmark(Description = "Tracked operation, batches of 1,000")]
    public Task<long> OperationBatch1000() => RunOperationAsync(1000);

    [Benchmark(Description = "Tracked operation, batches of 100")]
    public Task<long> OperationBatch100() => RunOperationAsync(100);

    private async Task<long> RunOperationAsync(int batchSize)
    {
        var id = $"bench-{batchSize}-{++_run}";
        await _operations.StartAsync(new StartOperationRequest(id, "Active", OperationSelection.Where(new TargetQuery { Statuses = ["Cold"] })) { BatchSize = batchSize });
        var done = (await _operations.RunAsync(id)).Value!;
        return done.Status == OperationStatus.Completed ? done.Succeeded : throw new InvalidOperationException($"{id} ended {done.Status}: {done.Error}");
    }

    /// <summary>
    /// Peak memory of one operation pass, sampled every 10 ms in this process: the managed heap and the working set,
    /// above what they were before the run. Memory of an operation must not grow with N (ids stream by keyset).
    /// </summary>
    public static async Task ReportPeakMemoryAsync(IEnumerable<int> sizes)
    {
        Console.WriteLine("| N | batch | time | targets/s | peak managed heap above start | peak working set above start |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var size in sizes)
        {
            var bench = new PostgreSqlOperationBenchmarks { N = size };
            await bench.GlobalSetupAsync();
            foreach (var batch in new[] { 1000, 100 })
            {
                bench.IterationSetup();
                var cost = await PeakMemory.MeasureAsync(() => bench.RunOperationAsync(batch));
                Console.WriteLine($"| {size:N0} | {batch} | {cost.Elapsed.TotalSeconds:F1} s | {cost.Result / cost.Elapsed.TotalSeconds:N0} | {cost.HeapRiseMiB:F1} MiB | {cost.WorkingSetRiseMiB:F1} MiB |");
            }

            await bench.GlobalCleanupAsync();
        }
    }
}
