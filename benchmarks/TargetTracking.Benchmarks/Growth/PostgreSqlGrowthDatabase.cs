using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TargetTracking.Benchmarks.Infrastructure;
using TargetTracking.PostgreSql;
using TargetTracking.PostgreSql.Tests;

namespace TargetTracking.Benchmarks.Growth;

/// <summary>
/// The growth benchmarks' PostgreSQL database: the store's default schema in this process's own database on the run's
/// throwaway cluster, seeded by <c>generate_series</c>.
/// </summary>
internal sealed class PostgreSqlGrowthDatabase : GrowthDatabase
{
    private const string Schema = $"\"{PostgreSqlStoreOptions.DefaultSchema}\"";
    private static readonly string[] Tables = [$"{Schema}.targets", $"{Schema}.target_history", $"{Schema}.target_stays"];
    private readonly NpgsqlDataSource _dataSource;

    private PostgreSqlGrowthDatabase(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    public static async Task<PostgreSqlGrowthDatabase> CreateAsync() =>
        new(NpgsqlDataSource.Create(await PostgreSqlServer.GetConnectionStringAsync()));

    public override async Task ResetAsync(IReadOnlyList<int> indexes)
    {
        var ids = indexes.Select(i => Id(i).Value).ToArray();
        await using (var connection = await _dataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            // History is append-only (its triggers refuse DELETE); replica mode skips them for this reset only.
            await using var reset = new NpgsqlCommand(
                $"""
                SET LOCAL session_replication_role = replica;
                UPDATE {Schema}.targets SET status = '{Workload.FromStatus}', version = 1, updated_at = created_at, status_changed_at = created_at WHERE tenant_id = 'default' AND id = ANY(@ids);
                DELETE FROM {Schema}.target_history WHERE tenant_id = 'default' AND target_id = ANY(@ids) AND version > 1;
                DELETE FROM {Schema}.target_stays WHERE tenant_id = 'default' AND target_id = ANY(@ids) AND version > 1;
                UPDATE {Schema}.target_stays SET exited_us = NULL, next_status = NULL, ended_by_delete = 0 WHERE tenant_id = 'default' AND target_id = ANY(@ids) AND version = 1;
                """,
                connection,
                transaction)
            { CommandTimeout = 600 };
            reset.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", ids));
            await reset.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }

        await SettleAsync();
    }

    protected override void Register(TargetTrackingBuilder builder) => builder.UsePostgreSql(_dataSource);

    protected override Task InsertAsync(int first, int last, int entries)
    {
        // Target i at SeededAt + i ms, entry v one second after entry v - 1 (GrowthDatabase's remarks). The history's
        // triggers run: the entries take a feed sequence as the store's inserts would.
        var at = $"timestamptz '{SeededAtText}+00' + i * interval '1 millisecond'";
        var id = "(lpad(to_hex(i), 8, '0') || '-0000-7000-8000-000000000000')::uuid";
        var series = $"generate_series({Number(first)}, {Number(last)}) i";
        return _dataSource.RunAsync(
            $"""
            INSERT INTO {Schema}.targets (tenant_id, id, name, name_norm, description, markets, markets_norm, status, version, created_at, updated_at, status_changed_at)
            SELECT 'default', {id}, 'Target ' || i, 'TARGET ' || i, NULL, ARRAY['Europe'], ARRAY['EUROPE'], '{Workload.FromStatus}', {Number(entries)},
                   {at}, {at} + {Number(entries - 1)} * interval '1 second', {at} + {Number(entries - 1)} * interval '1 second'
            FROM {series};
            INSERT INTO {Schema}.target_history (tenant_id, id, target_id, action, old_status, new_status, version, occurred_at, actor_id, actor_name, correlation_id)
            SELECT 'default', (lpad(to_hex(i), 8, '0') || '-' || lpad(to_hex(v), 4, '0') || '-7000-9000-000000000000')::uuid, {id},
                   {Action("v")}, {OldStatus("v", entries)}, {NewStatus("v", entries)}, v, {at} + (v - 1) * interval '1 second', 'seed', 'Seeder', 'seed'
            FROM {series} CROSS JOIN generate_series(1, {Number(entries)}) v;
            """);
    }

    protected override async Task SettleAsync()
    {
        // Autovacuum starting in the middle of a measurement would only add noise: the resets vacuum instead, and
        // VACUUM refuses to run in the implicit transaction of a multi-statement command, so one statement each.
        foreach (var table in Tables)
        {
            await _dataSource.RunAsync($"ALTER TABLE {table} SET (autovacuum_enabled = false)");
            await _dataSource.RunAsync($"VACUUM (ANALYZE) {table}");
        }

        await _dataSource.RunAsync("CHECKPOINT");
    }

    protected override ValueTask DisposeCoreAsync() => _dataSource.DisposeAsync();
}
