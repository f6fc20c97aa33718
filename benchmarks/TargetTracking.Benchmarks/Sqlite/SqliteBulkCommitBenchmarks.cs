using System.Text.Json;
using BenchmarkDotNet.Attributes;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using LinqToDB.DataProvider.SQLite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using TargetTracking.Benchmarks.Infrastructure;
using TargetTracking.Benchmarks.Sqlite.Linq2Db;
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
        "UPDATE targets SET status = $status, version = $version, updated_at = $now, status_changed_at = $now WHERE tenant_id = 'default' AND id = $id AND version = $expected";

    private const string InsertHistorySql =
        """
        INSERT INTO target_history (tenant_id, id, target_id, action, old_status, new_status, version, occurred_at,
                                    actor_id, actor_name, correlation_id, operation_id, client_address, user_agent)
        VALUES ('default', $id, $target, 'StatusChanged', $old, $new, $version, $now, $actorId, $actorName, $correlation, NULL, $address, $agent)
        """;

    private string _file = "";
    private string _connectionString = "";
    private ServiceProvider _services = null!;
    private TargetTracker _tracker = null!;
    private DataOptions _linq2DbOptions = null!;
    private Workload _workload = null!;
    private WorkItem[] _items = [];
    private AuditContext _audit = Workload.Audit();
    private int _iteration;

    /// <summary>Gets or sets how many targets change in one unit of work.</summary>
    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    /// <summary>Gets the sizes of <see cref="N"/> (the smoke run takes the smallest).</summary>
    public static int[] Sizes => BenchmarkConfig.Sizes(1000, 10000);

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

        // A linq2db user's set-up: the provider and the same database file, built once; a DataConnection per unit of work.
        _linq2DbOptions = new DataOptions().UseConnectionString(SQLiteTools.GetDataProvider(SQLiteProvider.Microsoft), _connectionString);

        // Seeded through the store's own write session: rows exactly as the adapter stores them.
        var repository = _services.GetRequiredService<Linq2DbTargetStore>();
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

            // History is append-only: its delete trigger lets rows go only while targettracking_history_purge_permit()
            // answers 1, a function no database defines. As the store's purge does (SqliteBulkWriter), this connection
            // defines it for the reset only and withdraws it before it goes back to the pool; the guard stays as it is.
            // The stays are derived from the history: they go with it (as seeded: none).
            connection.CreateFunction<long?>(SqliteBulkWriter.PurgePermit, () => 1);
            try
            {
                using var reset = connection.CreateCommand();
                reset.CommandText =
                    """
                    BEGIN IMMEDIATE;
                    UPDATE targets SET status = $status, version = 1, updated_at = created_at, status_changed_at = created_at WHERE version <> 1;
                    DELETE FROM target_history;
                    DELETE FROM target_stays;
                    COMMIT;
                    PRAGMA wal_checkpoint(TRUNCATE);
                    """;
                reset.Parameters.AddWithValue("$status", Workload.FromStatus);
                reset.ExecuteNonQuery();
            }
            finally
            {
                connection.CreateFunction<long?>(SqliteBulkWriter.PurgePermit, () => null);
            }
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
    public Task<int> HandWritten() => HandWrittenAsync(stays: false);

    /// <summary>The floor of what TargetTracking writes: the same loop, also closing each target's open stay and opening the next.</summary>
    /// <returns>The number of targets changed.</returns>
    [Benchmark(Description = "Hand-written, the rows TargetTracking writes (with stays)")]
    public Task<int> HandWrittenWithStays() => HandWrittenAsync(stays: true);

    private async Task<int> HandWrittenAsync(bool stays)
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
        await using var close = connection.CreateCommand();
        close.Transaction = transaction;
        close.CommandText = "UPDATE target_stays INDEXED BY ix_target_stays_open_by_target SET exited_us = $exited, next_status = $next, ended_by_delete = 0 WHERE tenant_id = 'default' AND target_id = $id AND exited_us IS NULL";
        var closeId = close.Parameters.Add("$id", SqliteType.Text);
        var closeNext = close.Parameters.Add("$next", SqliteType.Text);
        var closeExited = close.Parameters.Add("$exited", SqliteType.Integer);
        await using var open = connection.CreateCommand();
        open.Transaction = transaction;
        open.CommandText = "INSERT INTO target_stays (tenant_id, target_id, version, status, entered_us, exited_us, next_status, ended_by_delete) VALUES ('default', $id, $version, $status, $entered, NULL, NULL, 0)";
        var openId = open.Parameters.Add("$id", SqliteType.Text);
        var openVersion = open.Parameters.Add("$version", SqliteType.Integer);
        var openStatus = open.Parameters.Add("$status", SqliteType.Text);
        var openEntered = open.Parameters.Add("$entered", SqliteType.Integer);
        update.Prepare();
        insert.Prepare();
        if (stays)
        {
            close.Prepare();
            open.Prepare();
        }

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
            if (stays)
            {
                var micros = (ticks - DateTime.UnixEpoch.Ticks) / 10;
                closeId.Value = key;
                closeNext.Value = Workload.ToStatus;
                closeExited.Value = micros;
                await close.ExecuteNonQueryAsync();
                openId.Value = key;
                openVersion.Value = item.Version + 1;
                openStatus.Value = Workload.ToStatus;
                openEntered.Value = micros;
                await open.ExecuteNonQueryAsync();
            }
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

    /// <summary>
    /// What a linq2db user writes by hand for the same job, with their own mapped classes (<see cref="TargetRow"/>,
    /// <see cref="HistoryRow"/>): one <c>BEGIN IMMEDIATE</c> transaction (SQLite's write lock is the row lock); the
    /// sample's rows read in one query; each version checked; then per row an <c>UPDATE … WHERE tenant_id = 'default' AND id = @id AND version =
    /// @expected</c> and an <c>INSERT</c> of its history row; commit, or roll back if any row is stale.
    /// </summary>
    /// <returns>The number of history rows written.</returns>
    [Benchmark(Description = "linq2db by hand: load, Update + Insert per row")]
    public async Task<int> Linq2DbPerRow()
    {
        var keys = new string[_items.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = _items[i].Id.Value.ToString("D");
        }

        var json = JsonSerializer.Serialize(keys);
        await using var db = new DataConnection(_linq2DbOptions);

        // The store's durability setting, for a like-for-like commit.
        await db.ExecuteAsync("PRAGMA synchronous = NORMAL");
        await using var transaction = await db.BeginTransactionAsync();

        // The keys travel as one JSON array parameter; only what the decision needs is read.
        var current = await db.GetTable<TargetRow>()
            .Where(t => t.TenantId == TenantIds.Default && Linq2Db.SqliteSql.InJsonArray(t.Id, json))
            .Select(t => new { t.Id, t.Status, t.Version })
            .ToDictionaryAsync(t => t.Id);

        var now = Workload.UtcNow().Ticks;
        var written = 0;
        for (var i = 0; i < keys.Length; i++)
        {
            var (key, item) = (keys[i], _items[i]);
            if (!current.TryGetValue(key, out var row) || row.Version != item.Version || !Workload.IsAllowed(row.Status, Workload.ToStatus))
            {
                // All-or-nothing: one stale or missing row rolls back what the loop wrote so far.
                await transaction.RollbackAsync();
                throw new InvalidOperationException($"Target {key} cannot move.");
            }

            var expected = row.Version;
            var updated = await db.GetTable<TargetRow>()
                .Where(t => t.TenantId == TenantIds.Default && t.Id == key && t.Version == expected)
                .Set(t => t.Status, Workload.ToStatus)
                .Set(t => t.Version, expected + 1)
                .Set(t => t.UpdatedAt, now)
                .Set(t => t.StatusChangedAt, now)
                .UpdateAsync();
            if (updated != 1)
            {
                await transaction.RollbackAsync();
                throw new InvalidOperationException($"Target {key} changed concurrently.");
            }

            written += await db.InsertAsync(new HistoryRow
            {
                Id = Guid.CreateVersion7().ToString("D"),
                TargetId = key,
                Action = "StatusChanged",
                OldStatus = row.Status,
                NewStatus = Workload.ToStatus,
                Version = expected + 1,
                OccurredAt = now,
                ActorId = _audit.ActorId,
                ActorName = _audit.ActorName,
                CorrelationId = _audit.CorrelationId!,
                ClientAddress = _audit.ClientAddress,
                UserAgent = _audit.UserAgent,
            });
        }

        await transaction.CommitAsync();
        return written;
    }

    /// <summary>
    /// Runs every competitor once per N outside BenchmarkDotNet and checks what it wrote (<c>--verify</c>): the N
    /// targets Active at version 2 with matching timestamps, nothing else changed, N history rows with the same 13
    /// columns; and, with one item stale, nothing written.
    /// </summary>
    /// <param name="output">Where to report.</param>
    /// <returns><see langword="true"/> when every check passed.</returns>
    internal static async Task<bool> VerifyAsync(TextWriter output)
    {
        var benchmarks = new SqliteBulkCommitBenchmarks();
        await benchmarks.GlobalSetupAsync();
        try
        {
            return await Competitors.VerifyAsync(
                benchmarks,
                n => benchmarks.N = n,
                benchmarks.IterationSetup,
                benchmarks.MakeLastItemStaleAsync,
                benchmarks.ReadStateAsync,
                new HashSet<string>(StringComparer.Ordinal),
                output);
        }
        finally
        {
            await benchmarks.GlobalCleanupAsync();
        }
    }

    private async Task MakeLastItemStaleAsync()
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE targets SET version = version + 1 WHERE tenant_id = 'default' AND id = $id";
        command.Parameters.AddWithValue("$id", _items[^1].Id.Value.ToString("D"));
        await command.ExecuteNonQueryAsync();
    }

    private async Task<(long Changed, long Moved, long History, long Matching)> ReadStateAsync()
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText =
            """
            SELECT
                (SELECT count(*) FROM targets WHERE version <> 1),
                (SELECT count(*) FROM targets
                 WHERE tenant_id = 'default' AND id IN (SELECT value FROM json_each($ids)) AND status = $to AND version = 2
                   AND status_changed_at = updated_at AND updated_at > created_at),
                (SELECT count(*) FROM target_history),
                (SELECT count(*) FROM target_history AS h JOIN targets AS t ON t.tenant_id = h.tenant_id AND t.id = h.target_id
                 WHERE h.tenant_id = 'default' AND h.target_id IN (SELECT value FROM json_each($ids)) AND h.action = 'StatusChanged' AND h.old_status = $from
                   AND h.new_status = $to AND h.version = t.version AND h.occurred_at = t.updated_at AND h.actor_id = $actorId
                   AND h.actor_name = $actorName AND h.correlation_id = $correlation AND h.operation_id IS NULL
                   AND h.client_address = $address AND h.user_agent = $agent)
            """;
        command.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(_items.Select(i => i.Id.Value.ToString("D"))));
        command.Parameters.AddWithValue("$from", Workload.FromStatus);
        command.Parameters.AddWithValue("$to", Workload.ToStatus);
        command.Parameters.AddWithValue("$actorId", _audit.ActorId);
        command.Parameters.AddWithValue("$actorName", _audit.ActorName);
        command.Parameters.AddWithValue("$correlation", _audit.CorrelationId);
        command.Parameters.AddWithValue("$address", _audit.ClientAddress);
        command.Parameters.AddWithValue("$agent", _audit.UserAgent);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }
}
