using LinqToDB;
using LinqToDB.Data;
using LinqToDB.Mapping;
using TargetTracking.Linq2Db;

namespace TargetTracking.PostgreSql;

/// <summary>
/// PostgreSQL's schema: the scripts in <c>Schema/Migrations</c>, run in one schema of the host's choice, under an
/// advisory lock; ids as <c>uuid</c>, times as <c>timestamptz</c>, markets as <c>text[]</c> with a GIN index.
/// </summary>
/// <param name="schema">The schema that holds the tables, validated.</param>
internal sealed class PostgreSqlSchema(string schema) : DialectSchema
{
    /// <summary>The first key of the migration advisory lock; the second is the hash of the schema's name.</summary>
    private const int LockClass = 0x54544B31; // "TTK1"

    private readonly string _quoted = PostgreSqlStatements.Quote(schema);

    /// <summary>Gets the schema scripts shipped in this package (<c>Schema/Migrations/NNNN_name.sql</c>), in order.</summary>
    public static IReadOnlyList<Migration> EmbeddedMigrations { get; } = Migration.Embedded(typeof(PostgreSqlSchema).Assembly, "TargetTracking.PostgreSql.Migrations.");

    public override string MappingKey => "PostgreSQL:" + schema;

    public override StorageShape Shape { get; } = new(schema, MarketsTable: false, StatusUpper: null);

    public override IReadOnlyList<Migration> Migrations => EmbeddedMigrations;

    public override string VersionTable => $"{_quoted}.{Tables.Migrations}";

    /// <summary>Gets a value indicating whether a stale schema is refused: not here, hosts may start before a deployment step migrates (as since 0.1).</summary>
    public override bool RefusesStaleSchema => false;

    public override string MigrationsSetting => "PostgreSqlStoreOptions.ApplyMigrations";

    // A DateTimeOffset without a data type would go out as timestamp without time zone.
    public override void MapTime<TEntity>(PropertyMappingBuilder<TEntity, DateTimeOffset> column) => column.HasDataType(DataType.DateTimeOffset);

    public override void MapTime<TEntity>(PropertyMappingBuilder<TEntity, DateTimeOffset?> column) => column.HasDataType(DataType.DateTimeOffset);

    // Native text[]: nothing to convert.
    public override void MapMarkets(PropertyMappingBuilder<TargetRecord, string[]> column)
    {
    }

    public override Task LockMigrationsAsync(DataConnection db, CancellationToken cancellationToken) =>
        // Held until the migration transaction ends: concurrent starters wait here, then see the versions recorded.
        db.ExecuteAsync(
            "SELECT pg_advisory_xact_lock(@lockClass, hashtext(@schema))",
            cancellationToken,
            new DataParameter("lockClass", LockClass, DataType.Int32),
            new DataParameter("schema", schema, DataType.Text));

    public override Task PrepareMigrationsAsync(DataConnection db, CancellationToken cancellationToken) =>
        // The scripts name no schema: everything they create lands in this one. The version table is read before any
        // script runs, so no script can rename it: a schema last migrated before version 10 still calls it
        // schema_version, and it takes here the name the other databases give it.
        db.ExecuteAsync(
            $"""
            CREATE SCHEMA IF NOT EXISTS {_quoted};
            DO $$
            BEGIN
                IF to_regclass('{_quoted}.schema_version') IS NOT NULL AND to_regclass('{VersionTable}') IS NULL THEN
                    ALTER TABLE {_quoted}.schema_version RENAME TO target_tracking_migrations;
                    ALTER TABLE {VersionTable} RENAME CONSTRAINT schema_version_pkey TO target_tracking_migrations_pkey;
                END IF;
            END;
            $$;
            CREATE TABLE IF NOT EXISTS {VersionTable} (
                version    integer     NOT NULL PRIMARY KEY,
                name       text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            SET LOCAL search_path TO {_quoted}, pg_temp;
            """,
            cancellationToken);

    public override async Task<bool> VersionTableExistsAsync(DataConnection db, CancellationToken cancellationToken) =>
        await db.ExecuteAsync<bool>("SELECT to_regclass(@table) IS NOT NULL", cancellationToken, new DataParameter("table", VersionTable, DataType.Text)).ConfigureAwait(false);
}
