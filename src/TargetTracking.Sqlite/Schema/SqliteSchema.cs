using System.Linq.Expressions;
using LinqToDB;
using LinqToDB.Data;
using LinqToDB.Mapping;
using TargetTracking.Linq2Db;

namespace TargetTracking.Sqlite;

/// <summary>
/// SQLite's schema: the scripts in <c>Schema/Migrations</c>, ids as lower-case "D" text, times as UTC ticks, markets as a
/// JSON array with the side table that indexes them, and the filters that find rows raw SQL wrote in another spelling.
/// </summary>
internal sealed class SqliteSchema : DialectSchema
{
    private const string CreateVersionTable = """
        CREATE TABLE IF NOT EXISTS target_tracking_migrations (
            version    INTEGER NOT NULL PRIMARY KEY,
            name       TEXT    NOT NULL,
            applied_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        ) STRICT;
        """;

    /// <summary>A GLOB pattern that matches a GUID in the store's spelling: lower-case hex, "D" format.</summary>
    private const string GuidGlob =
        "[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-"
        + "[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]";

    /// <summary>Gets the schema scripts shipped in this package (<c>Schema/Migrations/NNNN_name.sql</c>), in order.</summary>
    public static IReadOnlyList<Migration> EmbeddedMigrations { get; } = Migration.Embedded(typeof(SqliteSchema).Assembly, "TargetTracking.Sqlite.Migrations.");

    public override string MappingKey => "SQLite";

    public override StorageShape Shape { get; } = new(null, MarketsTable: true, StatusUpper: null, FailureSeq: "rowid");

    public override IReadOnlyList<Migration> Migrations => EmbeddedMigrations;

    public override string VersionTable => Tables.Migrations;

    public override string MigrationsSetting => "SqliteStoreOptions.ApplyMigrations";

    // Written by raw SQL only: the store writes every id as lower-case "D" text and markets as a JSON array of text.
    public override Expression<Func<TargetRecord, bool>> MalformedTarget => t => NotGuid(t.Id) || NotTextArray(t.Markets);

    public override Expression<Func<HistoryRecord, bool>> MalformedHistory => h => NotGuid(h.Id) || NotGuid(h.TargetId);

    public override void MapId<TEntity>(PropertyMappingBuilder<TEntity, Guid> column) =>
        column.HasConversion(id => Stored.Id(id), text => Stored.Id(text));

    public override void MapId<TEntity>(PropertyMappingBuilder<TEntity, Guid?> column) =>
        column.HasConversion(id => id == null ? null : Stored.Id(id.Value), text => text == null ? null : Stored.Id(text), true);

    public override void MapTime<TEntity>(PropertyMappingBuilder<TEntity, DateTimeOffset> column) =>
        column.HasConversion(time => Stored.Time(time), ticks => Stored.Time(ticks));

    public override void MapTime<TEntity>(PropertyMappingBuilder<TEntity, DateTimeOffset?> column) =>
        column.HasConversion(time => time == null ? (long?)null : time.Value.UtcTicks, ticks => ticks == null ? null : Stored.Time(ticks.Value), true);

    // BEGIN IMMEDIATE (linq2db's BeginTransaction on SQLite) takes the write lock first: a second migrator waits, then sees the versions applied.
    public override Task LockMigrationsAsync(DataConnection db, CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task PrepareMigrationsAsync(DataConnection db, CancellationToken cancellationToken) =>
        db.ExecuteAsync(CreateVersionTable, cancellationToken);

    public override async Task<bool> VersionTableExistsAsync(DataConnection db, CancellationToken cancellationToken) =>
        await db.ExecuteAsync<long>(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'target_tracking_migrations'", cancellationToken).ConfigureAwait(false) > 0;

    [Sql.Expression("NOT ({0} GLOB '" + GuidGlob + "')", IsPredicate = true, ServerSideOnly = true)]
    private static bool NotGuid(Guid id) => throw new InvalidOperationException("Runs only in SQL.");

    // json_type raises an error on text that is not JSON: CASE keeps it to valid JSON.
    [Sql.Expression(
        "(CASE WHEN json_valid({0}) THEN json_type({0}) <> 'array' OR EXISTS (SELECT 1 FROM json_each({0}) WHERE type <> 'text') ELSE 1 END)",
        IsPredicate = true,
        ServerSideOnly = true)]
    private static bool NotTextArray(string[] markets) => throw new InvalidOperationException("Runs only in SQL.");
}
