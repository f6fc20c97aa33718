using System.Data.Common;
using System.Linq.Expressions;
using LinqToDB;
using LinqToDB.Data;
using LinqToDB.DataProvider;
using LinqToDB.DataProvider.SQLite;
using LinqToDB.Interceptors;
using LinqToDB.Mapping;
using Microsoft.Data.Sqlite;
using TargetTracking.Linq2Db;

namespace TargetTracking.Sqlite;

/// <summary>
/// SQLite on the linq2db store, the embedded default: ids as lower-case "D" text, times as UTC ticks, markets as a
/// JSON array with a side table that indexes them, <c>BEGIN IMMEDIATE</c> write transactions (SQLite's write lock
/// is the row lock), history guarded by triggers, and unit-of-work writes as prepared statements run per row.
/// </summary>
public sealed class SqliteDialect : Linq2DbDialect
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

    // One gate per dialect instance, that is per store: this process's writers queue here without blocking threads.
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    // The statements that recompute the stays of the targets in the JSON array @ids (StaysTable.Refresh).
    private readonly (string Delete, string Insert) _staysRefresh;

    private SqliteDialect()
    {
        _staysRefresh = StaysTable.Refresh(this, column => $"{column} IN (SELECT value FROM json_each(@ids))");
    }

    /// <summary>Gets the linq2db provider the store uses (Microsoft.Data.Sqlite).</summary>
    public static IDataProvider DataProvider { get; } = SQLiteTools.GetDataProvider(SQLiteProvider.Microsoft);

    /// <inheritdoc />
    public override string Name => "SQLite";

    internal override IDataProvider Provider => DataProvider;

    internal override string MappingKey => "SQLite";

    internal override TableNames Tables { get; } =
        new(null, "targets", "target_markets", "target_history", "target_operations", "target_operation_items", "target_operation_failures", "cursor_id", "rowid");

    internal override IReadOnlyList<Migration> Migrations => EmbeddedMigrations;

    internal override string VersionTable => "target_tracking_migrations";

    internal override string MigrationsSetting => "SqliteStoreOptions.ApplyMigrations";

    internal override Expression<Func<TargetRecord, string>> NameKey => t => t.Name;

    /// <summary>Gets the schema scripts shipped in this package (<c>Schema/Migrations/NNNN_name.sql</c>), in order.</summary>
    internal static IReadOnlyList<Migration> EmbeddedMigrations { get; } = Migration.Embedded(typeof(SqliteDialect).Assembly, "TargetTracking.Sqlite.Migrations.");

    /// <summary>Creates the dialect; each store needs its own (it holds the store's write gate).</summary>
    /// <returns>The dialect.</returns>
    public static SqliteDialect Create() => new();

    /// <summary>
    /// Gets linq2db options for a connection string, with the settings the store relies on set on every connection
    /// it opens: busy timeout, foreign keys on (ON DELETE CASCADE), synchronous NORMAL.
    /// </summary>
    /// <param name="connectionString">The connection string, e.g. <c>Data Source=targets.db</c>.</param>
    /// <param name="busyTimeout">How long a statement waits for another connection's lock.</param>
    /// <returns>The options.</returns>
    public static DataOptions Options(string connectionString, TimeSpan busyTimeout)
    {
        var options = new SqliteStoreOptions { ConnectionString = connectionString, BusyTimeout = busyTimeout };
        var database = new SqliteDatabase(options);
        return new DataOptions()
            .UseConnectionFactory(DataProvider, _ => new SqliteConnection(database.ConnectionString))
            .UseInterceptor(new ConnectionSettings(database));
    }

    internal override void Map(FluentMappingBuilder builder)
    {
        var targets = builder.Entity<TargetRecord>();
        targets.Property(t => t.Id).HasConversion(id => Stored.Id(id), text => Stored.Id(text));
        targets.Property(t => t.Markets).HasConversion(markets => Stored.Markets(markets), json => Stored.Markets(json));
        targets.Property(t => t.CreatedAt).HasConversion(time => Stored.Time(time), ticks => Stored.Time(ticks));
        targets.Property(t => t.UpdatedAt).HasConversion(time => Stored.Time(time), ticks => Stored.Time(ticks));
        targets.Property(t => t.StatusChangedAt).HasConversion(time => time == null ? (long?)null : time.Value.UtcTicks, ticks => ticks == null ? null : Stored.Time(ticks.Value), true);

        builder.Entity<MarketRecord>().Property(m => m.TargetId).HasConversion(id => Stored.Id(id), text => Stored.Id(text));

        var history = builder.Entity<HistoryRecord>();
        history.Property(h => h.Id).HasConversion(id => Stored.Id(id), text => Stored.Id(text));
        history.Property(h => h.TargetId).HasConversion(id => Stored.Id(id), text => Stored.Id(text));
        history.Property(h => h.OccurredAt).HasConversion(time => Stored.Time(time), ticks => Stored.Time(ticks));

        var operations = builder.Entity<OperationRecord>();
        operations.Property(o => o.Cursor).HasConversion(id => id == null ? null : id.Value.ToString("D"), text => text == null ? null : Guid.Parse(text), true);
        operations.Property(o => o.CreatedAt).HasConversion(time => Stored.Time(time), ticks => Stored.Time(ticks));
        operations.Property(o => o.StartedAt).HasConversion(time => time == null ? (long?)null : time.Value.UtcTicks, ticks => ticks == null ? null : Stored.Time(ticks.Value), true);
        operations.Property(o => o.LastUpdatedAt).HasConversion(time => Stored.Time(time), ticks => Stored.Time(ticks));
        operations.Property(o => o.CompletedAt).HasConversion(time => time == null ? (long?)null : time.Value.UtcTicks, ticks => ticks == null ? null : Stored.Time(ticks.Value), true);

        builder.Entity<OperationItemRecord>().Property(i => i.TargetId).HasConversion(id => Stored.Id(id), text => Stored.Id(text));

        var items = builder.Entity<ItemRecord>();
        items.Property(i => i.Id).HasConversion(id => Stored.Id(id), text => Stored.Id(text));
        items.Property(i => i.CreatedAt).HasConversion(time => Stored.Time(time), ticks => Stored.Time(ticks));
        items.Property(i => i.UpdatedAt).HasConversion(time => Stored.Time(time), ticks => Stored.Time(ticks));
        var links = builder.Entity<LinkRecord>();
        links.Property(l => l.TargetId).HasConversion(id => Stored.Id(id), text => Stored.Id(text));
        links.Property(l => l.ItemId).HasConversion(id => Stored.Id(id), text => Stored.Id(text));
        var itemHistory = builder.Entity<ItemHistoryRecord>();
        itemHistory.Property(h => h.Id).HasConversion(id => Stored.Id(id), text => Stored.Id(text));
        itemHistory.Property(h => h.ItemId).HasConversion(id => Stored.Id(id), text => Stored.Id(text));
        itemHistory.Property(h => h.OccurredAt).HasConversion(time => Stored.Time(time), ticks => Stored.Time(ticks));

        var failures = builder.Entity<OperationFailureRecord>();
        failures.Property(f => f.TargetId).HasConversion(id => Stored.Id(id), text => Stored.Id(text));
        failures.Property(f => f.OccurredAt).HasConversion(time => Stored.Time(time), ticks => Stored.Time(ticks));
    }

    // BEGIN IMMEDIATE (linq2db's BeginTransaction on SQLite) takes the write lock first: a second migrator waits, then sees the versions applied.
    internal override Task LockMigrationsAsync(DataConnection db, CancellationToken cancellationToken) => Task.CompletedTask;

    internal override Task PrepareMigrationsAsync(DataConnection db, CancellationToken cancellationToken) =>
        db.ExecuteAsync(CreateVersionTable, cancellationToken);

    internal override async Task<bool> VersionTableExistsAsync(DataConnection db, CancellationToken cancellationToken) =>
        await db.ExecuteAsync<long>(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'target_tracking_migrations'", cancellationToken).ConfigureAwait(false) > 0;

    /// <remarks>
    /// The gate queues this process's writers without blocking threads (SQLite's own busy wait sleeps on the calling
    /// thread) and serializes them in a shared-cache in-memory database, where table locks fail at once instead of
    /// waiting. Other processes are held off by the file lock and the busy timeout.
    /// </remarks>
    internal override async Task<IDisposable?> EnterWriterAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Release(_writeGate);
    }

    // BEGIN IMMEDIATE: SQLite's write lock for the whole unit of work, so no other writer changes a row between lock and commit.
    internal override Task BeginWriteAsync(DataConnection db, CancellationToken cancellationToken) => db.BeginTransactionAsync(cancellationToken);

    // A deferred transaction: its first read fixes the snapshot (WAL) without taking the write lock.
    internal override Task BeginSnapshotReadAsync(DataConnection db, CancellationToken cancellationToken) =>
        db.BeginTransactionAsync(System.Data.IsolationLevel.ReadUncommitted, cancellationToken);

    /// <remarks>
    /// A file database in WAL mode gives the read transaction one snapshot without holding writers off. A shared-cache
    /// database (a named in-memory one) lets a reader see other connections' uncommitted rows, so the scan also takes
    /// this store's writer gate: its writers wait (they do not fail) until the read ends.
    /// </remarks>
    internal override async Task<IDisposable?> BeginConsistentReadAsync(DataConnection db, CancellationToken cancellationToken)
    {
        var connection = await db.OpenDbConnectionAsync(cancellationToken).ConfigureAwait(false);
        var turn = SqliteDatabase.SharesCache(connection.ConnectionString) ? await EnterWriterAsync(cancellationToken).ConfigureAwait(false) : null;
        try
        {
            await BeginSnapshotReadAsync(db, cancellationToken).ConfigureAwait(false);
            return turn;
        }
        catch
        {
            turn?.Dispose();
            throw;
        }
    }

    // Written by raw SQL only: the store writes every id as lower-case "D" text and markets as a JSON array of text.
    internal override Expression<Func<TargetRecord, bool>> MalformedTarget => t => NotGuid(t.Id) || NotTextArray(t.Markets);

    internal override Expression<Func<HistoryRecord, bool>> MalformedHistory => h => NotGuid(h.Id) || NotGuid(h.TargetId);

    // Times are UTC ticks: whole microseconds since 1970 are (ticks - 1970's ticks) / 10, exact for stored times.
    internal override string ReportMicros(string column) => $"(({column}) - 621355968000000000) / 10";

    internal override DataParameter TimeParameter(string name, DateTimeOffset value) => new(name, value.UtcTicks, DataType.Int64);

    internal override DataParameter IdParameter(string name, Guid id) => new(name, id.ToString("D"), DataType.NVarChar);

    internal override string InsertIgnore(string table, string columns, string values) => $"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({values})";

    internal override IQueryable<T> ForUpdate<T>(IQueryable<T> query) => query;

    internal override Expression<Func<TargetRecord, bool>> IdIn(Guid[] ids)
    {
        // One JSON array parameter holds any number of ids (a parameter list would hit SQLite's variable limit).
        var json = Stored.Ids(ids);
        return t => InJsonArray(t.Id, json);
    }

    // Served by ix_target_markets_market.
    internal override Expression<Func<TargetRecord, bool>> HasMarket(IDataContext db, string market) =>
        t => db.GetTable<MarketRecord>().Where(m => m.MarketNorm == market).Select(m => m.TargetId).Contains(t.Id);

    internal override Task<WriteCounts> WriteAsync(DataConnection db, ChangeSet changes, IReadOnlyDictionary<TargetId, Target> locked, CancellationToken cancellationToken) =>
        SqliteBulkWriter.WriteAsync((SqliteConnection)ConnectionOf(db)!, (SqliteTransaction)db.Transaction!, _staysRefresh, changes, locked, cancellationToken);

    internal override async Task<long> InsertOperationItemsAsync(DataConnection db, string operationId, Guid[] ids, CancellationToken cancellationToken) =>
        await db.ExecuteAsync(
            "INSERT INTO target_operation_items (operation_id, target_id) SELECT @id, value FROM json_each(@ids) WHERE true ON CONFLICT DO NOTHING",
            cancellationToken,
            new DataParameter("id", operationId, DataType.NVarChar),
            new DataParameter("ids", Stored.Ids(ids), DataType.NVarChar)).ConfigureAwait(false);

    internal override bool IsTransient(Exception exception) => SqliteErrors.IsTransient(exception);

    // Inserts skip an existing id (ON CONFLICT DO NOTHING) and the row count tells: nothing to translate.
    internal override Exception? Translate(Exception exception) => null;

    [Sql.Expression("{0} IN (SELECT value FROM json_each({1}))", IsPredicate = true, ServerSideOnly = true)]
    private static bool InJsonArray(Guid id, string json) => throw new InvalidOperationException("Runs only in SQL.");

    [Sql.Expression("NOT ({0} GLOB '" + GuidGlob + "')", IsPredicate = true, ServerSideOnly = true)]
    private static bool NotGuid(Guid id) => throw new InvalidOperationException("Runs only in SQL.");

    // json_type raises an error on text that is not JSON: CASE keeps it to valid JSON.
    [Sql.Expression(
        "(CASE WHEN json_valid({0}) THEN json_type({0}) <> 'array' OR EXISTS (SELECT 1 FROM json_each({0}) WHERE type <> 'text') ELSE 1 END)",
        IsPredicate = true,
        ServerSideOnly = true)]
    private static bool NotTextArray(string[] markets) => throw new InvalidOperationException("Runs only in SQL.");

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }

    /// <summary>Sets the per-connection PRAGMAs on every connection linq2db opens for the store.</summary>
    private sealed class ConnectionSettings(SqliteDatabase database) : ConnectionInterceptor
    {
        public override void ConnectionOpened(ConnectionEventData eventData, DbConnection connection) => database.Configure((SqliteConnection)connection);

        public override Task ConnectionOpenedAsync(ConnectionEventData eventData, DbConnection connection, CancellationToken cancellationToken) =>
            database.ConfigureAsync((SqliteConnection)connection, cancellationToken);
    }
}
