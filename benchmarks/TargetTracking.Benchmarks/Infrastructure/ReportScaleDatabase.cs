using System.Globalization;
using Npgsql;
using TargetTracking.Linq2Db;
using TargetTracking.PostgreSql;
using TargetTracking.PostgreSql.Tests;

namespace TargetTracking.Benchmarks.Infrastructure;

/// <summary>
/// A schema holding <c>size</c> targets with five history entries each (5,000,000 entries at 1,000,000 targets) for the
/// report benchmarks, seeded once in the database by <c>generate_series</c> (no row travels from the process): each
/// target is created Cold on a day of 2025, moves to Active, Hot, back to Active, and ends Closed (a third), Passed, or
/// deleted (a tenth), days apart; a quarter of the Hot moves carry an operation id. The stays table is filled from that
/// history by the migration's backfill (<see cref="StaysTable.Backfill"/>). Vacuumed and analyzed; reports only
/// read, so nothing is reset between iterations.
/// </summary>
internal sealed class ReportScaleDatabase : IAsyncDisposable
{
    /// <summary>Entries per target.</summary>
    public const int EntriesPerTarget = 5;

    private ReportScaleDatabase(NpgsqlDataSource dataSource, Linq2DbTargetStore repository, string schema)
    {
        DataSource = dataSource;
        Repository = repository;
        Schema = schema;
    }

    public NpgsqlDataSource DataSource { get; }

    public Linq2DbTargetStore Repository { get; }

    public string Schema { get; }

    public static async Task<ReportScaleDatabase> CreateAsync(int size)
    {
        var dataSource = NpgsqlDataSource.Create(await PostgreSqlServer.GetConnectionStringAsync());
        var schema = "reports_" + size.ToString(CultureInfo.InvariantCulture);
        var repository = PostgreSqlDialect.CreateStore(dataSource, new PostgreSqlStoreOptions { Schema = schema });
        await repository.MigrateAsync();
        var database = new ReportScaleDatabase(dataSource, repository, schema);
        if (await database.ScalarAsync($"SELECT count(*) FROM \"{schema}\".target_history") != (long)size * EntriesPerTarget)
        {
            var s = $"\"{schema}\"";
            const string days = """
                CROSS JOIN LATERAL (SELECT timestamptz '2025-01-01 00:00:00+00' + (i % 365) * interval '1 day' + (i % 86400) * interval '1 second' AS c,
                                           (i % 20) + 1 AS d2, (i % 20) + (i % 15) + 2 AS d3, (i % 20) + (i % 15) + (i % 10) + 3 AS d4,
                                           (i % 20) + (i % 15) + (i % 10) + (i % 7) + 4 AS d5) k
                """;
            var sizeText = size.ToString(CultureInfo.InvariantCulture);

            // Replica mode: history's append-only triggers neither refuse the TRUNCATE of a half-seeded schema nor slow the seeding.
            await database.ExecuteAsync(
                $"""
                SET session_replication_role = replica;
                TRUNCATE {s}.targets, {s}.target_history, {s}.target_stays CASCADE; -- CASCADE: outcome_links (0006) refers to targets
                INSERT INTO {s}.target_history (tenant_id, id, target_id, action, old_status, new_status, version, occurred_at, actor_id, actor_name, correlation_id, operation_id)
                SELECT 'default', md5(i::text || '-' || e.v)::uuid, md5(i::text)::uuid,
                       CASE WHEN e.v = 1 THEN 'Created' WHEN e.v = 5 AND i % 10 = 0 THEN 'Deleted' ELSE 'StatusChanged' END,
                       (ARRAY[NULL, 'Cold', 'Active', 'Hot', 'Active'])[e.v],
                       CASE e.v WHEN 1 THEN 'Cold' WHEN 2 THEN 'Active' WHEN 3 THEN 'Hot' WHEN 4 THEN 'Active'
                                ELSE CASE WHEN i % 10 = 0 THEN NULL WHEN i % 3 = 0 THEN 'Closed' ELSE 'Passed' END END,
                       e.v, k.c + e.d * interval '1 day', 'seed', 'Seeder', 'seed-' || e.v,
                       CASE WHEN e.v = 3 AND i % 4 = 0 THEN 'op-' || (i % 50) END
                FROM generate_series(1, {sizeText}) i
                {days}
                CROSS JOIN LATERAL (VALUES (1, 0), (2, k.d2), (3, k.d3), (4, k.d4), (5, k.d5)) e(v, d);
                INSERT INTO {s}.targets (tenant_id, id, name, name_norm, description, markets, markets_norm, status, version, created_at, updated_at, status_changed_at)
                SELECT 'default', md5(i::text)::uuid, 'Target ' || i, 'target ' || i, NULL, ARRAY['EU'], ARRAY['eu'],
                       CASE WHEN i % 3 = 0 THEN 'Closed' ELSE 'Passed' END, 5, k.c, k.c + k.d5 * interval '1 day', k.c + k.d5 * interval '1 day'
                FROM generate_series(1, {sizeText}) i
                {days}
                WHERE i % 10 <> 0;
                SET session_replication_role = origin;
                """);
            // The stays table as the migration fills it (the store's one definition of a stay), not a copy of its rules.
            await database.ExecuteAsync(StaysTable.Backfill(PostgreSqlDialect.Create(schema), tenanted: true));
            await database.ExecuteAsync($"ALTER TABLE {s}.targets SET (autovacuum_enabled = false); ALTER TABLE {s}.target_history SET (autovacuum_enabled = false); ALTER TABLE {s}.target_stays SET (autovacuum_enabled = false)");
            await database.ExecuteAsync($"VACUUM (ANALYZE) {s}.targets");
            await database.ExecuteAsync($"VACUUM (ANALYZE) {s}.target_history");
            await database.ExecuteAsync($"VACUUM (ANALYZE) {s}.target_stays");
            await database.ExecuteAsync("CHECKPOINT");
        }

        return database;
    }

    public async ValueTask DisposeAsync() => await DataSource.DisposeAsync();

    private Task ExecuteAsync(string sql) => DataSource.RunAsync(sql);

    private Task<long> ScalarAsync(string sql) => DataSource.NumberAsync(sql);
}
