using LinqToDB;
using LinqToDB.DataProvider;
using LinqToDB.DataProvider.SQLite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using TargetTracking.Linq2Db;

namespace TargetTracking.Sqlite;

/// <summary>
/// SQLite on the linq2db store, the embedded default: a file database in WAL mode or a named shared in-memory one,
/// <c>BEGIN IMMEDIATE</c> write transactions (SQLite's write lock is the row lock), history guarded by triggers, and
/// unit-of-work writes as prepared statements run per row. Hosts register it with <c>UseSqlite(...)</c>; without DI,
/// <see cref="CreateStore"/> builds the store.
/// </summary>
public sealed class SqliteDialect : Linq2DbDialect
{
    private SqliteDialect()
    {
        Sql = new SqliteSql();
        Writer = new SqliteBulkWriter(this);
    }

    /// <summary>Gets the linq2db provider the store uses (Microsoft.Data.Sqlite).</summary>
    public static IDataProvider DataProvider { get; } = SQLiteTools.GetDataProvider(SQLiteProvider.Microsoft);

    /// <inheritdoc />
    public override string Name => "SQLite";

    internal override IDataProvider Provider => DataProvider;

    internal override DialectSchema Schema { get; } = new SqliteSchema();

    internal override DialectSessions Sessions { get; } = new SqliteSessions();

    internal override DialectSql Sql { get; }

    internal override DialectWriter Writer { get; }

    internal override DialectErrors Errors { get; } = new SqliteErrors();

    /// <summary>Gets the database as a store built by <see cref="CreateStore"/> opens it (tests open raw connections with its settings).</summary>
    internal SqliteDatabase? Database { get; private init; }

    /// <summary>Creates the dialect; each store needs its own (it holds the store's write gate and its in-memory database).</summary>
    /// <returns>The dialect.</returns>
    public static SqliteDialect Create() => new();

    /// <summary>
    /// Gets linq2db options for a connection string, with the settings the store relies on set on every connection
    /// it opens: busy timeout, foreign keys on (ON DELETE CASCADE), synchronous NORMAL.
    /// </summary>
    /// <param name="connectionString">The connection string, e.g. <c>Data Source=targets.db</c>.</param>
    /// <param name="busyTimeout">How long a statement waits for another connection's lock.</param>
    /// <returns>The options.</returns>
    public static DataOptions Options(string connectionString, TimeSpan busyTimeout) =>
        Options(new SqliteDatabase(new SqliteStoreOptions { ConnectionString = connectionString, BusyTimeout = busyTimeout }));

    /// <summary>
    /// Builds a SQLite store without DI. The database is opened, and migrated when enabled, on first use or by
    /// <see cref="Linq2DbTargetStore.InitializeAsync"/>; dispose the store to close its connections (an in-memory database ends with it).
    /// </summary>
    /// <param name="options">The options.</param>
    /// <param name="logger">Logs applied migrations.</param>
    /// <returns>The store.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    public static Linq2DbTargetStore CreateStore(SqliteStoreOptions options, ILogger<Linq2DbTargetStore>? logger = null) => BuildStore(options, logger, null);

    internal static Linq2DbTargetStore BuildStore(SqliteStoreOptions options, ILogger? logger, IReadOnlyList<Migration>? migrations)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        var database = new SqliteDatabase(options);
        return new Linq2DbTargetStore(Options(database), new SqliteDialect { Database = database }, options.ApplyMigrations, logger, owned: null, migrations);
    }

    private static DataOptions Options(SqliteDatabase database) =>
        new DataOptions()
            .UseConnectionFactory(DataProvider, _ => new SqliteConnection(database.ConnectionString))
            .UseInterceptor(new SqliteConnectionSettings(database));
}
