using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using TargetTracking.Benchmarks.Infrastructure;
using TargetTracking.Sqlite;

namespace TargetTracking.Benchmarks.Sqlite;

/// <summary>
/// A bulk status change with audit, all-or-nothing, on the embedded SQLite store (a WAL file database): N targets
/// out of 100,000 move from Cold to Active with their history rows in one transaction. Every iteration starts
/// from the same reset tables with a seeded random sample.
/// </summary>
[MemoryDiagnoser]
public class SqliteBulkCommitBenchmarks
{
    private const string UpdateSql =
        "UPDATE targets SET status = $status, version = $version, updated_at = $now, status_changed_at = $now WHERE id = $id AND version = $expected";

    private const string InsertHistorySql =
        """
        INSERT INTO target_history (id, target_id, action, old_status, new_status, version, occurred_at,
                                    actor_id, actor_name, correlation_id, operation_id, client_address, user_agent)
        VALUES ($id, $target, 'StatusChanged', $old, $new, $version, $now, $actorId, $actorName, $correlation, NULL, $address, $agent)
        """;

    private string _file = "";
    private string _connectionString = "";
    private ServiceProvider _services = null!;
    private TargetTracker _tracker = null!;
    private Workload _workload = null!;
    private WorkItem[] _items = [];
    private AuditContext _audit = Workload.Audit();
    private int _iteration;

    /// <summary>Gets or sets how many targets change in one unit of work.</summary>
    [Params(1000, 10000)]
    public int N { get; set; }

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        _file = Path.Combine(Path.GetTempPath(), $"targettracking-bench-{Guid.NewGuid():N}.db");
        _connectionString = new SqliteConnectionStringBuilder { DataSource = _file }.ToString();
        var services = new ServiceCollection();
        services.AddTargetTracking().UseSqlite(_connectionString);
        _services = services.BuildServiceProvider();
        _tracker = _services.GetRequiredService<TargetTracker>();
        _workload = Workload.Create();

        // Seeded through the store's own write session: rows exactly as the adapter stores them.
        var repository = _services.GetRequiredService<SqliteTargetRepository>();
        await using var session = await repository.BeginWriteAsync();
        await session.SaveAsync(new ChangeSet { Inserts = [.. _workload.Targets] });
        await session.CommitAsync();
    }

    [IterationSetup]
    public void IterationSetup()
    {
        using (var connection = new SqliteConnection(_connectionString))
        {
            connection.Open();
            using var reset = connection.CreateCommand();

            // History is append-only: its delete trigger lets rows go only while the purge permit row exists.
            reset.CommandText =
                """
                BEGIN IMMEDIATE;
                UPDATE targets SET status = $status, version = 1, updated_at = created_at, status_changed_at = created_at WHERE version <> 1;
                INSERT INTO history_purge_permit (id) VALUES (1);
                DELETE FROM target_history;
                DELETE FROM history_purge_permit;
                COMMIT;
                PRAGMA wal_checkpoint(TRUNCATE);
                """;
            reset.Parameters.AddWithValue("$status", Workload.FromStatus);
            reset.ExecuteNonQuery();
        }

        _items = _workload.Sample(N, ++_iteration);
        _audit = Workload.Audit();
    }

    [GlobalCleanup]
    public async Task GlobalCleanupAsync()
    {
        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_file + suffix);
        }
    }

    [Benchmark(Baseline = true, Description = "Hand-written prepared UPDATE + INSERT per row")]
    public async Task<int> HandWritten()
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync();
        await using (var pragma = connection.CreateCommand())
        {
            // The store's durability setting, for a like-for-like commit.
            pragma.CommandText = "PRAGMA synchronous = NORMAL";
            await pragma.ExecuteNonQueryAsync();
        }

        await using var transaction = connection.BeginTransaction(deferred: false);
        await using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = UpdateSql;
        var status = update.Parameters.Add("$status", SqliteType.Text);
        var version = update.Parameters.Add("$version", SqliteType.Integer);
        var now = update.Parameters.Add("$now", SqliteType.Integer);
        var id = update.Parameters.Add("$id", SqliteType.Text);
        var expected = update.Parameters.Add("$expected", SqliteType.Integer);
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = InsertHistorySql;
        var historyId = insert.Parameters.Add("$id", SqliteType.Text);
        var target = insert.Parameters.Add("$target", SqliteType.Text);
        var old = insert.Parameters.Add("$old", SqliteType.Text);
        var @new = insert.Parameters.Add("$new", SqliteType.Text);
        var historyVersion = insert.Parameters.Add("$version", SqliteType.Integer);
        var occurred = insert.Parameters.Add("$now", SqliteType.Integer);
        insert.Parameters.AddWithValue("$actorId", _audit.ActorId);
        insert.Parameters.AddWithValue("$actorName", _audit.ActorName);
        insert.Parameters.AddWithValue("$correlation", _audit.CorrelationId);
        insert.Parameters.AddWithValue("$address", _audit.ClientAddress);
        insert.Parameters.AddWithValue("$agent", _audit.UserAgent);
        update.Prepare();
        insert.Prepare();

        var ticks = Workload.UtcNow().Ticks;
        foreach (var item in _items)
        {
            if (!Workload.IsAllowed(item.Status, Workload.ToStatus))
            {
                throw new InvalidOperationException($"{item.Status} → {Workload.ToStatus} is not allowed.");
            }

            var key = item.Id.Value.ToString("D");
            status.Value = Workload.ToStatus;
            version.Value = item.Version + 1;
            now.Value = ticks;
            id.Value = key;
            expected.Value = item.Version;
            if (await update.ExecuteNonQueryAsync() != 1)
            {
                // All-or-nothing: disposing the transaction rolls back what the loop wrote so far.
                throw new InvalidOperationException($"Target {item.Id} changed concurrently.");
            }

            historyId.Value = Guid.CreateVersion7().ToString("D");
            target.Value = key;
            old.Value = item.Status;
            @new.Value = Workload.ToStatus;
            historyVersion.Value = item.Version + 1;
            occurred.Value = ticks;
            await insert.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        return _items.Length;
    }

    [Benchmark(Description = "TargetTracking bulk, all-or-nothing")]
    public async Task<int> TargetTrackingAllOrNothing()
    {
        var bulk = _tracker.BeginBulk();
        foreach (var item in _items)
        {
            bulk.ChangeStatus(item.Id, item.Version, Workload.ToStatus);
        }

        var result = await bulk.CommitAsync(BulkMode.AllOrNothing, _audit);
        return result.AppliedCount == _items.Length ? result.AppliedCount : throw new InvalidOperationException("Items were not applied.");
    }
}
