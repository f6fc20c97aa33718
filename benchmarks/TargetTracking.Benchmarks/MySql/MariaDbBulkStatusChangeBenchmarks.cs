using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using TargetTracking.Benchmarks.Infrastructure;

namespace TargetTracking.Benchmarks.MySql;

/// <summary>
/// A bulk status change with audit, all-or-nothing, on MariaDB: N targets out of 100,000 move from Cold to Active,
/// each with its version checked and bumped and one history row appended, in one transaction. Every iteration starts
/// from the same reset tables with a seeded random sample.
/// </summary>
[MemoryDiagnoser]
public class MariaDbBulkStatusChangeBenchmarks
{
    // The practical limit on MariaDB, which has no UPDATE … RETURNING: one version-checked UPDATE joined to the rows
    // of one JSON parameter, its row count, and multi-row history INSERTs, all sent in one batch (one round trip).
    // Measured on this kind of machine, a temporary table joined by UPDATE was as fast and history by
    // INSERT … SELECT FROM JSON_TABLE or LOAD DATA LOCAL INFILE no faster (docs/adapters-mysql.md).
    private const string UpdateSql = """
        UPDATE JSON_TABLE(?, '$[*]' COLUMNS (id CHAR(32) PATH '$[0]', expected BIGINT PATH '$[1]')) AS r
        STRAIGHT_JOIN targets AS t FORCE INDEX (PRIMARY) ON t.tenant_id = 'default' AND t.id = UNHEX(r.id) AND t.version = r.expected
        SET t.status = ?, t.version = t.version + 1, t.updated_at = ?, t.status_changed_at = ?
        """;

    private const string HistoryColumns =
        "INSERT INTO target_history (tenant_id, id, target_id, action, old_status, new_status, version, occurred_at, actor_id, actor_name, correlation_id, operation_id, client_address, user_agent) VALUES ";

    private const int HistoryRows = 1000;

    // The floor of what TargetTracking writes: the same batch, also closing each target's open stay (by the store's
    // index) and opening the next.
    private const string CloseStaysSql = """
        UPDATE JSON_TABLE(?, '$[*]' COLUMNS (id CHAR(32) PATH '$[0]')) AS r
        STRAIGHT_JOIN target_stays AS s FORCE INDEX (ix_target_stays_open_by_target) ON s.tenant_id = 'default' AND s.target_id = UNHEX(r.id) AND s.exited_us IS NULL
        SET s.exited_us = ?, s.next_status = ?, s.ended_by_delete = 0
        """;

    private const string StaysColumns = "INSERT INTO target_stays (tenant_id, target_id, version, status, entered_us, exited_us, next_status, ended_by_delete) VALUES ";

    private const string SelectForUpdateSql = "SELECT status, version FROM targets WHERE tenant_id = 'default' AND id = @id FOR UPDATE";

    private const string UpdateRowSql =
        "UPDATE targets SET status = @status, version = @version, updated_at = @now, status_changed_at = @now WHERE tenant_id = 'default' AND id = @id AND version = @expected";

    private const string InsertHistoryRowSql =
        """
        INSERT INTO target_history (tenant_id, id, target_id, action, old_status, new_status, version, occurred_at, actor_id, actor_name, correlation_id, operation_id, client_address, user_agent)
        VALUES ('default', @id, @target, 'StatusChanged', @old, @new, @version, @now, @actorId, @actorName, @correlation, NULL, @client, @agent)
        """;

    private const string PartialDescription = "TargetTracking bulk, partial";

    private MariaDbBenchDatabase _database = null!;
    private ServiceProvider _services = null!;
    private TargetTracker _tracker = null!;
    private WorkItem[] _items = [];
    private AuditContext _audit = Workload.Audit();
    private int _iteration;

    /// <summary>Gets or sets how many targets change in one unit of work.</summary>
    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    /// <summary>Gets the sizes of <see cref="N"/> (the smoke run takes the smallest).</summary>
    public static int[] Sizes => BenchmarkConfig.Sizes(100, 1000, 10000);

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        _database = await MariaDbBenchDatabase.CreateAsync();
        var services = new ServiceCollection();
        services.AddTargetTracking().UseMySql(_database.DataSource);
        _services = services.BuildServiceProvider();
        _tracker = _services.GetRequiredService<TargetTracker>();
        await _database.Repository.InitializeAsync();
    }

    [IterationSetup]
    public void IterationSetup()
    {
        _database.Reset();
        _items = _database.Workload.Sample(N, ++_iteration);
        _audit = Workload.Audit();
    }

    [GlobalCleanup]
    public async Task GlobalCleanupAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "Hand-written UPDATE…JOIN JSON_TABLE + multi-row INSERT, one batch")]
    public Task<int> HandWrittenSetBased() => HandWrittenAsync(stays: false);

    [Benchmark(Description = "Hand-written, the rows TargetTracking writes (with stays), one batch")]
    public Task<int> HandWrittenSetBasedWithStays() => HandWrittenAsync(stays: true);

    private async Task<int> HandWrittenAsync(bool stays)
    {
        var n = _items.Length;
        var rows = new StringBuilder(n * 42).Append('[');
        foreach (var item in _items)
        {
            if (!Workload.IsAllowed(item.Status, Workload.ToStatus))
            {
                throw new InvalidOperationException($"{item.Status} → {Workload.ToStatus} is not allowed.");
            }

            rows.Append(rows.Length > 1 ? ",[\"" : "[\"").Append(Convert.ToHexString(item.Id.Value.ToByteArray(bigEndian: true))).Append("\",").Append(item.Version).Append(']');
        }

        var now = Workload.UtcNow();
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted);
        await using var batch = new MySqlBatch(connection, transaction);
        var update = new MySqlBatchCommand(UpdateSql);
        foreach (var value in new object[] { rows.Append(']').ToString(), Workload.ToStatus, now, now })
        {
            update.Parameters.Add(new MySqlParameter { Value = value });
        }

        batch.BatchCommands.Add(update);
        batch.BatchCommands.Add(new MySqlBatchCommand("SELECT ROW_COUNT()"));
        foreach (var chunk in _items.Chunk(HistoryRows))
        {
            var sql = new StringBuilder(HistoryColumns);
            var insert = new MySqlBatchCommand();
            for (var i = 0; i < chunk.Length; i++)
            {
                sql.Append(i == 0 ? "('default',?,?,'StatusChanged',?,?,?,?,?,?,?,NULL,?,?)" : ",('default',?,?,'StatusChanged',?,?,?,?,?,?,?,NULL,?,?)");
                foreach (var value in new object?[]
                {
                    Guid.CreateVersion7().ToByteArray(bigEndian: true), chunk[i].Id.Value.ToByteArray(bigEndian: true), chunk[i].Status, Workload.ToStatus,
                    chunk[i].Version + 1, now, _audit.ActorId, _audit.ActorName, _audit.CorrelationId, _audit.ClientAddress, _audit.UserAgent,
                })
                {
                    insert.Parameters.Add(new MySqlParameter { Value = value });
                }
            }

            insert.CommandText = sql.ToString();
            batch.BatchCommands.Add(insert);
        }

        if (stays)
        {
            var enteredUs = (now.Ticks - DateTime.UnixEpoch.Ticks) / 10;
            batch.BatchCommands.Add(new MySqlBatchCommand(CloseStaysSql)
            {
                Parameters = { new MySqlParameter { Value = rows.ToString() }, new MySqlParameter { Value = enteredUs }, new MySqlParameter { Value = Workload.ToStatus } },
            });
            foreach (var chunk in _items.Chunk(HistoryRows))
            {
                var sql = new StringBuilder(StaysColumns);
                var insert = new MySqlBatchCommand();
                for (var i = 0; i < chunk.Length; i++)
                {
                    sql.Append(i == 0 ? "('default',?,?,?,?,NULL,NULL,0)" : ",('default',?,?,?,?,NULL,NULL,0)");
                    foreach (var value in new object?[] { chunk[i].Id.Value.ToByteArray(bigEndian: true), chunk[i].Version + 1, Workload.ToStatus, enteredUs })
                    {
                        insert.Parameters.Add(new MySqlParameter { Value = value });
                    }
                }

                insert.CommandText = sql.ToString();
                batch.BatchCommands.Add(insert);
            }
        }

        long written;
        await using (var reader = await batch.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            written = reader.GetInt64(0);
        }

        if (written != n)
        {
            // All-or-nothing: a stale version anywhere rolls the whole change back, history included.
            await transaction.RollbackAsync();
            throw new InvalidOperationException($"{n - written} of {n} targets were changed concurrently.");
        }

        await transaction.CommitAsync();
        return (int)written;
    }

    [Benchmark(Description = "TargetTracking bulk, all-or-nothing")]
    public async Task<int> TargetTrackingAllOrNothing() => await CommitBulkAsync(BulkMode.AllOrNothing);

    [Benchmark(Description = PartialDescription)]
    public async Task<int> TargetTrackingPartial() => await CommitBulkAsync(BulkMode.Partial);

    [Benchmark(Description = "ADO.NET per row: SELECT FOR UPDATE, UPDATE, INSERT")]
    public async Task<int> AdoNetPerRow()
    {
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted);
        await using var select = new MySqlCommand(SelectForUpdateSql, connection, transaction);
        var selectId = select.Parameters.Add("@id", MySqlDbType.Binary);
        await using var update = new MySqlCommand(UpdateRowSql, connection, transaction);
        var (updateId, status, version, now, expected) = (update.Parameters.Add("@id", MySqlDbType.Binary), update.Parameters.Add("@status", MySqlDbType.VarChar),
            update.Parameters.Add("@version", MySqlDbType.Int64), update.Parameters.Add("@now", MySqlDbType.DateTime), update.Parameters.Add("@expected", MySqlDbType.Int64));
        await using var insert = new MySqlCommand(InsertHistoryRowSql, connection, transaction);
        var (historyId, target, old, @new, newVersion, at) = (insert.Parameters.Add("@id", MySqlDbType.Binary), insert.Parameters.Add("@target", MySqlDbType.Binary),
            insert.Parameters.Add("@old", MySqlDbType.VarChar), insert.Parameters.Add("@new", MySqlDbType.VarChar), insert.Parameters.Add("@version", MySqlDbType.Int64),
            insert.Parameters.Add("@now", MySqlDbType.DateTime));
        insert.Parameters.AddWithValue("@actorId", _audit.ActorId);
        insert.Parameters.AddWithValue("@actorName", _audit.ActorName);
        insert.Parameters.AddWithValue("@correlation", _audit.CorrelationId);
        insert.Parameters.AddWithValue("@client", _audit.ClientAddress);
        insert.Parameters.AddWithValue("@agent", _audit.UserAgent);
        await select.PrepareAsync();
        await update.PrepareAsync();
        await insert.PrepareAsync();

        var time = Workload.UtcNow();
        var written = 0;
        foreach (var item in _items)
        {
            var id = item.Id.Value.ToByteArray(bigEndian: true);
            selectId.Value = id;
            string? current;
            long read;
            await using (var reader = await select.ExecuteReaderAsync())
            {
                if (!await reader.ReadAsync())
                {
                    throw new InvalidOperationException($"Target {item.Id} does not exist.");
                }

                current = reader.IsDBNull(0) ? null : reader.GetString(0);
                read = reader.GetInt64(1);
            }

            if (read != item.Version || !Workload.IsAllowed(current, Workload.ToStatus))
            {
                // All-or-nothing: disposing the transaction rolls back what the loop wrote so far.
                throw new InvalidOperationException($"Target {item.Id} cannot move.");
            }

            (updateId.Value, status.Value, version.Value, now.Value, expected.Value) = (id, Workload.ToStatus, read + 1, time, read);
            if (await update.ExecuteNonQueryAsync() != 1)
            {
                throw new InvalidOperationException($"Target {item.Id} changed concurrently.");
            }

            (historyId.Value, target.Value, old.Value, @new.Value, newVersion.Value, at.Value) =
                (Guid.CreateVersion7().ToByteArray(bigEndian: true), id, current, Workload.ToStatus, read + 1, time);
            written += await insert.ExecuteNonQueryAsync();
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
        var benchmarks = new MariaDbBulkStatusChangeBenchmarks();
        await benchmarks.GlobalSetupAsync();
        try
        {
            return await Competitors.VerifyAsync(
                benchmarks,
                n => benchmarks.N = n,
                benchmarks.IterationSetup,
                benchmarks.MakeLastItemStaleAsync,
                benchmarks.ReadStateAsync,
                new HashSet<string>(StringComparer.Ordinal) { PartialDescription },
                output);
        }
        finally
        {
            await benchmarks.GlobalCleanupAsync();
        }
    }

    private async Task<int> CommitBulkAsync(BulkMode mode)
    {
        var bulk = _tracker.BeginBulk();
        foreach (var item in _items)
        {
            bulk.ChangeStatus(item.Id, item.Version, Workload.ToStatus);
        }

        var result = await bulk.CommitAsync(mode, _audit);
        var applied = result.AppliedCount;
        return applied == _items.Length ? applied : throw new InvalidOperationException($"{_items.Length - applied} of {_items.Length} items were not applied.");
    }

    private async Task MakeLastItemStaleAsync()
    {
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        await using var command = new MySqlCommand("UPDATE targets SET version = version + 1 WHERE tenant_id = 'default' AND id = @id", connection);
        command.Parameters.AddWithValue("@id", _items[^1].Id.Value.ToByteArray(bigEndian: true));
        await command.ExecuteNonQueryAsync();
    }

    private async Task<(long Changed, long Moved, long History, long Matching)> ReadStateAsync()
    {
        var ids = JsonSerializer.Serialize(_items.Select(i => Convert.ToHexString(i.Id.Value.ToByteArray(bigEndian: true))));
        const string sample = "(SELECT UNHEX(j.id) FROM JSON_TABLE(@ids, '$[*]' COLUMNS (id CHAR(32) PATH '$')) AS j)";
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        await using var command = new MySqlCommand(
            $"""
            SELECT
                (SELECT COUNT(*) FROM targets WHERE version <> 1),
                (SELECT COUNT(*) FROM targets
                 WHERE tenant_id = 'default' AND id IN {sample} AND status = @to AND version = 2 AND status_changed_at = updated_at AND updated_at > created_at),
                (SELECT COUNT(*) FROM target_history),
                (SELECT COUNT(*) FROM target_history AS h JOIN targets AS t ON t.tenant_id = h.tenant_id AND t.id = h.target_id
                 WHERE h.tenant_id = 'default' AND h.target_id IN {sample} AND h.action = 'StatusChanged' AND h.old_status = @from AND h.new_status = @to
                   AND h.version = t.version AND h.occurred_at = t.updated_at AND h.actor_id = @actorId AND h.actor_name = @actorName
                   AND h.correlation_id = @correlation AND h.operation_id IS NULL AND h.client_address = @client AND h.user_agent = @agent)
            """,
            connection);
        command.Parameters.AddWithValue("@ids", ids);
        command.Parameters.AddWithValue("@from", Workload.FromStatus);
        command.Parameters.AddWithValue("@to", Workload.ToStatus);
        command.Parameters.AddWithValue("@actorId", _audit.ActorId);
        command.Parameters.AddWithValue("@actorName", _audit.ActorName);
        command.Parameters.AddWithValue("@correlation", _audit.CorrelationId);
        command.Parameters.AddWithValue("@client", _audit.ClientAddress);
        command.Parameters.AddWithValue("@agent", _audit.UserAgent);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }
}
