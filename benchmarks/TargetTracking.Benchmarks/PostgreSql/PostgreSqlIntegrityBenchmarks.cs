using System.Data;
using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Npgsql;
using TargetTracking.Benchmarks.Infrastructure;

namespace TargetTracking.Benchmarks.PostgreSql;

/// <summary>
/// The integrity check over N healthy targets with three history entries each (1,000,000 targets and 3,000,000
/// entries at the largest N) on PostgreSQL: <see cref="TargetHealth.CheckIntegrityAsync"/> (the store's LINQ, window
/// functions in the database, streamed, in one REPEATABLE READ snapshot) against the <b>baseline</b> of the same
/// questions asked in hand-written SQL in one snapshot, read with a plain <see cref="NpgsqlDataReader"/>. Runs with
/// <c>--integrity</c> (see Program): one iteration is one whole check.
/// </summary>
[MemoryDiagnoser]
public class PostgreSqlIntegrityBenchmarks
{
    private static readonly string[] Actions = Enum.GetNames<HistoryAction>();
    private IntegrityScaleDatabase _database = null!;
    private TargetHealth _health = null!;
    private string[] _statuses = null!;

    /// <summary>Gets or sets how many targets the store holds (three entries each).</summary>
    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    /// <summary>
    /// Gets the sizes: 100,000 in short mode; 100,000, 300,000 and 1,000,000 otherwise; or the comma-separated list in
    /// <c>TARGETTRACKING_BENCH_INTEGRITY_SIZES</c> (a smoke run: <c>2000</c>, which the smoke run takes by itself).
    /// </summary>
    public static IEnumerable<int> Sizes =>
        Environment.GetEnvironmentVariable("TARGETTRACKING_BENCH_INTEGRITY_SIZES") is { Length: > 0 } sizes
            ? sizes.Split(',').Select(int.Parse)
            : BenchmarkConfig.IsSmoke ? [2_000] : Environment.GetEnvironmentVariable("TARGETTRACKING_BENCH_SHORT") == "1" ? [100_000] : [100_000, 300_000, 1_000_000];

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        _database = await IntegrityScaleDatabase.CreateAsync(N);
        var tracker = new TargetTracker(_database.Repository, new TargetTrackingOptions());
        _health = new TargetHealth(tracker);
        _statuses = [.. tracker.Pipeline.Statuses];
    }

    [GlobalCleanup]
    public async Task GlobalCleanupAsync() => await _database.DisposeAsync();

    [Benchmark(Baseline = true, Description = "Hand-written SQL, one snapshot")]
    public async Task<long> HandWrittenSql()
    {
        var s = $"\"{_database.Schema}\"";
        var known = "('" + string.Join("', '", Actions) + "')";
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead);
        long problems = 0;
        foreach (var sql in new[]
        {
            $"SELECT count(*) FROM {s}.targets",
            $"SELECT count(*) FROM {s}.target_history",
            $"""
            WITH w AS (
                SELECT h.id, h.target_id, h.action, h.old_status, h.new_status, h.version,
                       row_number() OVER w AS pos,
                       count(*) OVER (PARTITION BY h.target_id) AS n,
                       lag(h.version) OVER w AS prev_version,
                       lag(h.action) OVER w AS prev_action,
                       lag(h.new_status) OVER w AS prev_status,
                       lead(h.version) OVER w AS next_version,
                       max(h.version) FILTER (WHERE h.action = 'Repaired') OVER (PARTITION BY h.target_id) AS checkpoint
                FROM {s}.target_history h
                WHERE h.action IN {known}
                WINDOW w AS (PARTITION BY h.target_id ORDER BY h.version, h.id))
            SELECT w.id, w.target_id, w.version
            FROM w LEFT JOIN {s}.targets t ON t.id = w.target_id
            WHERE ((w.checkpoint IS NULL OR w.version > w.checkpoint) AND (
                      CASE WHEN w.pos = 1 THEN w.version <> 1 OR w.action <> 'Created' OR w.old_status IS NOT NULL
                           ELSE w.version - w.prev_version > 1
                             OR (w.version <> w.prev_version AND (w.action = 'Created' OR w.prev_action = 'Deleted' OR w.old_status IS DISTINCT FROM w.prev_status))
                      END
                      OR (w.pos < w.n AND w.version = w.next_version AND (w.pos = 1 OR w.prev_version <> w.version))))
               OR (w.pos = w.n AND CASE WHEN t.id IS NULL THEN w.action <> 'Deleted'
                                        ELSE w.action = 'Deleted' OR w.new_status IS DISTINCT FROM t.status OR w.version <> t.version END)
            """,
            $"SELECT t.id FROM {s}.targets t WHERE NOT EXISTS (SELECT 1 FROM {s}.target_history h WHERE h.tenant_id = 'default' AND h.target_id = t.id AND h.action IN {known})",
            $"SELECT t.id FROM {s}.targets t WHERE t.status IS NOT NULL AND t.status NOT IN ('" + string.Join("', '", _statuses) + "')",
            $"SELECT h.id FROM {s}.target_history h WHERE h.action NOT IN {known}",
        })
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 1800 };
            await using var reader = await command.ExecuteReaderAsync();
            var counting = sql.StartsWith("SELECT count", StringComparison.Ordinal);
            while (await reader.ReadAsync())
            {
                problems += counting ? 0 : 1;
            }
        }

        await transaction.CommitAsync();
        return problems == 0 ? 0 : throw new InvalidOperationException($"The hand-written check found {problems} problems in healthy data.");
    }

    [Benchmark(Description = "TargetHealth.CheckIntegrityAsync")]
    public async Task<long> CheckIntegrity()
    {
        var report = await _health.CheckIntegrityAsync();
        return report.IsHealthy && report.EntriesChecked == (long)N * IntegrityScaleDatabase.EntriesPerTarget
            ? report.TargetsChecked
            : throw new InvalidOperationException($"The check found {report}.");
    }

    /// <summary>
    /// Peak memory of one check, sampled every 10 ms in this process: the managed heap and the working set above what
    /// they were before it. The check streams problem rows only, so neither may grow with N.
    /// </summary>
    public static async Task ReportPeakMemoryAsync(IEnumerable<int> sizes)
    {
        Console.WriteLine("| N targets | entries | check | time | peak managed heap above start | peak working set above start |");
        Console.WriteLine("|---:|---:|---|---:|---:|---:|");
        foreach (var size in sizes)
        {
            var bench = new PostgreSqlIntegrityBenchmarks { N = size };
            await bench.GlobalSetupAsync();
            foreach (var (name, run) in new (string, Func<Task<long>>)[] { ("TargetHealth", bench.CheckIntegrity), ("hand-written SQL", bench.HandWrittenSql) })
            {
                await run(); // warm: query compilation, pools, the server's caches
                var cost = await PeakMemory.MeasureAsync(run);
                Console.WriteLine(
                    $"| {size:N0} | {size * (long)IntegrityScaleDatabase.EntriesPerTarget:N0} | {name} | {cost.Elapsed.TotalSeconds:F2} s | {cost.HeapRiseMiB:F1} MiB | {cost.WorkingSetRiseMiB:F1} MiB |");
            }

            await bench.GlobalCleanupAsync();
        }
    }
}
