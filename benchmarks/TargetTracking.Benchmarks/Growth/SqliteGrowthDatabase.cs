using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using TargetTracking.Benchmarks.Infrastructure;
using TargetTracking.Sqlite;

namespace TargetTracking.Benchmarks.Growth;

/// <summary>
/// The growth benchmarks' SQLite database: a file of this process in the temp folder, in WAL mode as the store opens it,
/// seeded by recursive CTEs. No <c>ANALYZE</c>: the store never runs it, so the planner sees what a user's file gives it.
/// </summary>
internal sealed class SqliteGrowthDatabase : GrowthDatabase
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"targettracking-growth-{Guid.NewGuid():N}.db");
    private readonly string _connectionString;

    public SqliteGrowthDatabase() => _connectionString = new SqliteConnectionStringBuilder { DataSource = _file }.ToString();

    public override async Task ResetAsync(IReadOnlyList<int> indexes)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync();

        // History is append-only: its delete trigger lets rows go only while targettracking_history_purge_permit()
        // answers 1. As the store's purge does, this connection defines it for the reset only and withdraws it before the
        // connection goes back to the pool.
        connection.CreateFunction<long?>(SqliteBulkWriter.PurgePermit, () => 1);
        try
        {
            await using var reset = connection.CreateCommand();
            const string Changed = "IN (SELECT value FROM json_each($ids))";
            reset.CommandText =
                $"""
                BEGIN IMMEDIATE;
                UPDATE targets SET status = '{Workload.FromStatus}', version = 1, updated_at = created_at, status_changed_at = created_at WHERE tenant_id = 'default' AND id {Changed};
                DELETE FROM target_history WHERE tenant_id = 'default' AND target_id {Changed} AND version > 1;
                DELETE FROM target_stays WHERE tenant_id = 'default' AND target_id {Changed} AND version > 1;
                UPDATE target_stays SET exited_us = NULL, next_status = NULL, ended_by_delete = 0 WHERE tenant_id = 'default' AND target_id {Changed} AND version = 1;
                COMMIT;
                """;
            reset.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(indexes.Select(i => Id(i).Value.ToString("D"))));
            await reset.ExecuteNonQueryAsync();
        }
        finally
        {
            connection.CreateFunction<long?>(SqliteBulkWriter.PurgePermit, () => null);
        }

        await SettleAsync();
    }

    protected override void Register(TargetTrackingBuilder builder) => builder.UseSqlite(_connectionString);

    protected override async Task InsertAsync(int first, int last, int entries)
    {
        // Ids are lower-case "D" text and times UTC ticks, as the store keeps them; target i at SeededAt + i ms, entry v
        // one second after entry v - 1 (GrowthDatabase's remarks). One transaction; the history's triggers run.
        var at = $"{Number(Workload.SeededAt.UtcTicks)} + i * {Number(TimeSpan.TicksPerMillisecond)}";
        var lastAt = $"{at} + {Number((entries - 1) * TimeSpan.TicksPerSecond)}";
        const string Id = "printf('%08x-0000-7000-8000-000000000000', i)";
        var targets = $"WITH RECURSIVE n(i) AS (SELECT {Number(first)} UNION ALL SELECT i + 1 FROM n WHERE i < {Number(last)})";
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync();
        await using var insert = connection.CreateCommand();
        insert.CommandTimeout = 1800;
        insert.CommandText =
            $"""
            BEGIN IMMEDIATE;
            {targets}
            INSERT INTO targets (tenant_id, id, name, name_norm, description, markets, status, version, created_at, updated_at, status_changed_at)
            SELECT 'default', {Id}, 'Target ' || i, 'TARGET ' || i, NULL, '["Europe"]', '{Workload.FromStatus}', {Number(entries)}, {at}, {lastAt}, {lastAt} FROM n;
            {targets}
            INSERT INTO target_markets (tenant_id, target_id, market_norm) SELECT 'default', {Id}, 'EUROPE' FROM n;
            {targets}, e(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM e WHERE v < {Number(entries)})
            INSERT INTO target_history (tenant_id, id, target_id, action, old_status, new_status, version, occurred_at, actor_id, actor_name, correlation_id)
            SELECT 'default', printf('%08x-%04x-7000-9000-000000000000', i, v), {Id}, {Action("v")}, {OldStatus("v", entries)}, {NewStatus("v", entries)}, v,
                   {at} + (v - 1) * {Number(TimeSpan.TicksPerSecond)}, 'seed', 'Seeder', 'seed'
            FROM n CROSS JOIN e;
            COMMIT;
            """;
        await insert.ExecuteNonQueryAsync();
    }

    protected override async Task SettleAsync()
    {
        // The WAL back into the file, so no measured commit pays the checkpoint of what the set-up wrote.
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync();
        await using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        await checkpoint.ExecuteNonQueryAsync();
    }

    protected override ValueTask DisposeCoreAsync()
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_file + suffix);
        }

        return ValueTask.CompletedTask;
    }
}
