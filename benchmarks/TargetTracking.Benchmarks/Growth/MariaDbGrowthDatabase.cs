using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using TargetTracking.Benchmarks.Infrastructure;
using TargetTracking.MySql;
using TargetTracking.MySql.Tests;

namespace TargetTracking.Benchmarks.Growth;

/// <summary>
/// The growth benchmarks' MariaDB database: a new database of this process on the run's throwaway server, seeded from
/// the Sequence engine's <c>seq_M_to_N</c> tables, as its administrator.
/// </summary>
internal sealed class MariaDbGrowthDatabase : GrowthDatabase
{
    // The changed targets, joined from one JSON parameter by primary key (as the store's own statements do): an IN
    // over a JSON_TABLE subquery may run as a dependent subquery, a scan of the whole table per reset.
    private const string Changed = "JSON_TABLE(@ids, '$[*]' COLUMNS (id CHAR(32) PATH '$')) AS r STRAIGHT_JOIN";

    private const long BufferPool = 2L << 30;

    private readonly MySqlDataSource _dataSource;

    private MariaDbGrowthDatabase(MySqlDataSource dataSource) => _dataSource = dataSource;

    public static async Task<MariaDbGrowthDatabase> CreateAsync()
    {
        var dataSource = new MySqlDataSource(await MariaDbServer.CreateDatabaseAsync());

        // The throwaway server keeps InnoDB's default buffer pool of 128 MiB, a fraction of the tables of 1,000,000
        // targets (about 870 MiB), and InnoDB reads around the OS cache (O_DIRECT): every bulk would read from disk the
        // pages PostgreSQL and SQLite find in the OS cache, and the growth would measure the server's cache, not the write
        // path. A server is sized for its data; this one is grown (online, never shrunk) to hold it. The other benchmarks
        // on the server lose nothing. A server named by TARGETTRACKING_MARIADB whose user may not do it keeps its pool.
        await using (var connection = await dataSource.OpenConnectionAsync())
        await using (var pool = new MySqlCommand($"SET GLOBAL innodb_buffer_pool_size = GREATEST(@@innodb_buffer_pool_size, {Number(BufferPool)})", connection))
        {
            try
            {
                await pool.ExecuteNonQueryAsync();
            }
            catch (MySqlException e) when (e.ErrorCode is MySqlErrorCode.SpecifiedAccessDeniedError or MySqlErrorCode.AccessDenied)
            {
                Console.WriteLine($"// MariaDB buffer pool not grown: {e.Message}");
            }
        }

        return new(dataSource);
    }

    public override async Task ResetAsync(IReadOnlyList<int> indexes)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        // History is append-only: its delete trigger lets rows go only while this connection holds a purge permit,
        // which the administrator inserts for the reset only (the store's procedure does the same).
        await using var reset = new MySqlCommand(
            $"""
            UPDATE {Changed} targets AS t FORCE INDEX (PRIMARY) ON t.tenant_id = 'default' AND t.id = UNHEX(r.id)
                SET t.status = '{Workload.FromStatus}', t.version = 1, t.updated_at = t.created_at, t.status_changed_at = t.created_at;
            INSERT INTO target_history_purge_permit (connection_id) VALUES (CONNECTION_ID());
            DELETE h FROM {Changed} target_history AS h ON h.tenant_id = 'default' AND h.target_id = UNHEX(r.id) AND h.version > 1;
            DELETE FROM target_history_purge_permit WHERE connection_id = CONNECTION_ID();
            DELETE s FROM {Changed} target_stays AS s ON s.tenant_id = 'default' AND s.target_id = UNHEX(r.id) AND s.version > 1;
            UPDATE {Changed} target_stays AS s ON s.tenant_id = 'default' AND s.target_id = UNHEX(r.id) AND s.version = 1
                SET s.exited_us = NULL, s.next_status = NULL, s.ended_by_delete = 0;
            """,
            connection,
            transaction)
        { CommandTimeout = 600 };
        reset.Parameters.AddWithValue("@ids", JsonSerializer.Serialize(indexes.Select(i => Convert.ToHexString(Id(i).Value.ToByteArray(bigEndian: true)))));
        await reset.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }

    protected override void Register(TargetTrackingBuilder builder) => builder.UseMySql(_dataSource);

    protected override async Task InsertAsync(int first, int last, int entries)
    {
        // Ids are BINARY(16) in RFC 4122 byte order, the bytes of GrowthDatabase.Id's text; target i at SeededAt + i ms,
        // entry v one second after entry v - 1. The history's triggers run (each entry takes a feed sequence).
        static string At(string micros) => $"TIMESTAMP'{SeededAtText}' + INTERVAL (i.seq * 1000 + {micros}) MICROSECOND";
        var lastAt = At(Number((entries - 1) * 1_000_000L));
        const string Id = "UNHEX(CONCAT(LPAD(HEX(i.seq), 8, '0'), '000070008000000000000000'))";
        var targets = $"seq_{Number(first)}_to_{Number(last)} AS i";
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var insert = new MySqlCommand(
            $"""
            INSERT INTO targets (tenant_id, id, name, name_norm, description, markets, status, version, created_at, updated_at, status_changed_at)
            SELECT 'default', {Id}, CONCAT('Target ', i.seq), CONCAT('TARGET ', i.seq), NULL, '["Europe"]', '{Workload.FromStatus}', {Number(entries)},
                   {At("0")}, {lastAt}, {lastAt}
            FROM {targets};
            INSERT INTO target_markets (tenant_id, target_id, market_norm) SELECT 'default', {Id}, 'EUROPE' FROM {targets};
            INSERT INTO target_history (tenant_id, id, target_id, action, old_status, new_status, version, occurred_at, actor_id, actor_name, correlation_id)
            SELECT 'default', UNHEX(CONCAT(LPAD(HEX(i.seq), 8, '0'), LPAD(HEX(e.seq), 4, '0'), '70009000000000000000')), {Id},
                   {Action("e.seq")}, {OldStatus("e.seq", entries)}, {NewStatus("e.seq", entries)}, e.seq,
                   {At("(e.seq - 1) * 1000000")}, 'seed', 'Seeder', 'seed'
            FROM {targets} CROSS JOIN seq_1_to_{Number(entries)} AS e;
            """,
            connection,
            transaction)
        { CommandTimeout = 1800 };
        await insert.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }

    protected override async Task SettleAsync()
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var analyze = new MySqlCommand("ANALYZE TABLE targets, target_markets, target_history, target_stays", connection) { CommandTimeout = 600 };
        await analyze.ExecuteNonQueryAsync();

        // In the case's log: whether the tables fit the buffer pool (see CreateAsync).
        await using var sizes = new MySqlCommand(
            "SELECT @@innodb_buffer_pool_size, @@innodb_flush_method, (SELECT SUM(data_length + index_length) FROM information_schema.TABLES WHERE table_schema = DATABASE())",
            connection);
        await using var reader = await sizes.ExecuteReaderAsync();
        await reader.ReadAsync();
        Console.WriteLine($"// MariaDB buffer pool {reader.GetInt64(0) >> 20} MiB ({reader.GetString(1)}), tables {Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture) >> 20} MiB");
    }

    protected override ValueTask DisposeCoreAsync() => _dataSource.DisposeAsync();
}
