using System.Data;
using System.Globalization;
using System.Linq.Expressions;
using Ardalis.GuardClauses;
using LinqToDB;
using LinqToDB.Data;
using LinqToDB.DataProvider;
using LinqToDB.DataProvider.MySql;
using LinqToDB.Mapping;
using Microsoft.Extensions.Options;
using MySqlConnector;
using TargetTracking.Linq2Db;

namespace TargetTracking.MySql;

/// <summary>
/// MariaDB (and MySQL) on the linq2db store: the tables in the connection's database, InnoDB, utf8mb4 text with the
/// <c>utf8mb4_nopad_bin</c> collation (code-point order, no case, accent or trailing-space folding), ids as
/// <c>BINARY(16)</c> in RFC 4122 byte order, times as <c>DATETIME(6)</c> in UTC, markets as a JSON array with an
/// indexed side table, <c>SELECT … FOR UPDATE</c> row locks in <c>READ COMMITTED</c> write transactions, migrations
/// under a <c>GET_LOCK</c> lock, history guarded by triggers that <c>SIGNAL</c>, and unit-of-work writes joined to one
/// JSON parameter by <c>JSON_TABLE</c>.
/// </summary>
public sealed class MySqlDialect : Linq2DbDialect
{
    private const string CreateVersionTable = """
        CREATE TABLE IF NOT EXISTS target_tracking_migrations (
            version    INT          NOT NULL PRIMARY KEY,
            name       VARCHAR(200) NOT NULL,
            applied_at DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
        ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin
        """;

    // Lock names are server-wide: one per database, within the 64 characters GET_LOCK accepts.
    private const string LockName = "CONCAT('targettracking.migrations:', MD5(DATABASE()))";

    private readonly int _lockTimeoutSeconds;

    // The statements that recompute the stays of the targets in the JSON array parameter (StaysTable.Refresh).
    private readonly (string Delete, string Insert) _staysRefresh;

    private MySqlDialect(TimeSpan migrationLockTimeout)
    {
        _lockTimeoutSeconds = (int)Math.Ceiling(migrationLockTimeout.TotalSeconds);
        _staysRefresh = StaysTable.Refresh(this, column => $"{column} IN (SELECT UNHEX(j.id) FROM JSON_TABLE(?, '$[*]' COLUMNS (id CHAR(32) PATH '$')) AS j)");
    }

    /// <summary>Gets the linq2db provider the store uses: MariaDB SQL through MySqlConnector.</summary>
    public static IDataProvider DataProvider { get; } = MySqlTools.GetDataProvider(MySqlVersion.MariaDB10, MySqlProvider.MySqlConnector);

    /// <summary>Gets the schema scripts shipped in this package (<c>Migrations/NNNN_name.sql</c>), in order.</summary>
    internal static IReadOnlyList<Migration> EmbeddedMigrations { get; } = Migration.Embedded(typeof(MySqlDialect).Assembly, "TargetTracking.MySql.Migrations.");

    /// <inheritdoc />
    public override string Name => "MariaDB";

    internal override IDataProvider Provider => DataProvider;

    internal override string MappingKey => "MariaDB";

    internal override TableNames Tables { get; } =
        new(null, "targets", "target_markets", "target_history", "target_operations", "target_operation_items", "target_operation_failures", "cursor_id", "seq", "status_upper");

    internal override IReadOnlyList<Migration> Migrations => EmbeddedMigrations;

    internal override string VersionTable => "target_tracking_migrations";

    internal override string MigrationsSetting => "MySqlStoreOptions.ApplyMigrations";

    // The column's collation (utf8mb4_nopad_bin) orders by code point, as the in-memory model does.
    internal override Expression<Func<TargetRecord, string>> NameKey => t => t.Name;

    /// <summary>Creates the dialect.</summary>
    /// <param name="options">The store's options (the migration lock timeout); <see langword="null"/> for the defaults.</param>
    /// <returns>The dialect.</returns>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public static MySqlDialect Create(MySqlStoreOptions? options = null)
    {
        options ??= new MySqlStoreOptions();
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(nameof(MySqlStoreOptions), typeof(MySqlStoreOptions), problems);
        }

        return new MySqlDialect(options.MigrationLockTimeout);
    }

    /// <summary>Gets linq2db options that take connections from a data source, which stays the caller's.</summary>
    /// <param name="dataSource">Where connections come from; its connection string names the database that holds the tables.</param>
    /// <returns>The options.</returns>
    public static DataOptions Options(MySqlDataSource dataSource)
    {
        Guard.Against.Null(dataSource);
        return new DataOptions().UseConnectionFactory(DataProvider, _ => dataSource.CreateConnection());
    }

    /// <summary>
    /// Writes the grants of the least-privilege setup: what the store's run-time user needs on the database that holds the
    /// tables, table by table, and nothing more. Run them as the deployment user that ran the migrations, and again after
    /// each upgrade; the store then connects as that user with migrations off. The user reads and appends history but can
    /// neither update nor delete it, has no right on the purge permit table (so it cannot switch a purge on) nor on the
    /// truncate guard, and without <paramref name="allowHistoryPurge"/> cannot call the purge either.
    /// </summary>
    /// <param name="database">The database that holds the tables: letters, digits and underscores, at most 64 characters.</param>
    /// <param name="user">The run-time user's name: letters, digits and underscores, at most 80 characters.</param>
    /// <param name="host">The user's host part (<c>%</c>, an address or a name): letters, digits, <c>.</c>, <c>-</c>, <c>_</c>, <c>:</c> and <c>%</c>.</param>
    /// <param name="allowHistoryPurge">Whether the user may run the <see cref="DeletePolicy.PurgeHistory"/> policy (delete a target together with its history).</param>
    /// <returns>The SQL script (<c>GRANT</c> statements).</returns>
    /// <exception cref="ArgumentException">A name holds a character outside those allowed.</exception>
    public static string ApplicationUserGrants(string database, string user, string host, bool allowHistoryPurge)
    {
        Guard.Against.InvalidInput(database, nameof(database), d => d.Length is > 0 and <= 64 && d.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'), $"'{database}' is not a database name the grants accept.");
        Guard.Against.InvalidInput(user, nameof(user), u => u.Length is > 0 and <= 80 && u.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'), $"'{user}' is not a user name the grants accept.");
        Guard.Against.InvalidInput(host, nameof(host), h => h.Length is > 0 and <= 255 && h.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':' or '%'), $"'{host}' is not a host the grants accept.");
        var d = $"`{database}`";
        var to = $"'{user}'@'{host}'";
        var grants =
            $"""
            GRANT SELECT ON {d}.target_tracking_migrations TO {to};
            GRANT SELECT, INSERT, UPDATE, DELETE ON {d}.targets TO {to};
            GRANT SELECT, INSERT, UPDATE, DELETE ON {d}.target_markets TO {to};
            GRANT SELECT, INSERT ON {d}.target_history TO {to};
            GRANT SELECT, INSERT, UPDATE, DELETE ON {d}.target_operations TO {to};
            GRANT SELECT, INSERT, UPDATE, DELETE ON {d}.target_operation_items TO {to};
            GRANT SELECT, INSERT, UPDATE, DELETE ON {d}.target_operation_failures TO {to};
            GRANT SELECT, INSERT, UPDATE, DELETE ON {d}.hierarchy_items TO {to};
            GRANT SELECT, INSERT, UPDATE, DELETE ON {d}.outcome_links TO {to};
            GRANT SELECT, INSERT ON {d}.hierarchy_history TO {to};
            GRANT SELECT, INSERT, DELETE ON {d}.stagnation_claims TO {to};
            GRANT SELECT, INSERT, DELETE ON {d}.target_stays TO {to};

            """;
        return allowHistoryPurge ? grants + $"GRANT EXECUTE ON PROCEDURE {d}.targettracking_delete_targets_purging_history TO {to};\n" : grants;
    }

    internal override void Map(FluentMappingBuilder builder)
    {
        var targets = builder.Entity<TargetRecord>();
        targets.Property(t => t.Id).HasConversion(id => Stored.Id(id), bytes => Stored.Id(bytes)).HasDataType(DataType.Binary).HasLength(16);
        targets.Property(t => t.Markets).HasConversion(markets => Stored.Markets(markets), json => Stored.Markets(json));
        targets.Property(t => t.CreatedAt).HasConversion(time => Stored.Time(time), time => Stored.Time(time));
        targets.Property(t => t.UpdatedAt).HasConversion(time => Stored.Time(time), time => Stored.Time(time));
        targets.Property(t => t.StatusChangedAt).HasConversion(time => Stored.Time(time), time => Stored.Time(time), true);

        builder.Entity<MarketRecord>().Property(m => m.TargetId).HasConversion(id => Stored.Id(id), bytes => Stored.Id(bytes)).HasDataType(DataType.Binary).HasLength(16);

        var history = builder.Entity<HistoryRecord>();
        history.Property(h => h.Id).HasConversion(id => Stored.Id(id), bytes => Stored.Id(bytes)).HasDataType(DataType.Binary).HasLength(16);
        history.Property(h => h.TargetId).HasConversion(id => Stored.Id(id), bytes => Stored.Id(bytes)).HasDataType(DataType.Binary).HasLength(16);
        history.Property(h => h.OccurredAt).HasConversion(time => Stored.Time(time), time => Stored.Time(time));

        var operations = builder.Entity<OperationRecord>();
        operations.Property(o => o.Cursor).HasConversion(id => Stored.Id(id), bytes => Stored.NullableId(bytes), true).HasDataType(DataType.Binary).HasLength(16);
        operations.Property(o => o.CreatedAt).HasConversion(time => Stored.Time(time), time => Stored.Time(time));
        operations.Property(o => o.StartedAt).HasConversion(time => Stored.Time(time), time => Stored.Time(time), true);
        operations.Property(o => o.LastUpdatedAt).HasConversion(time => Stored.Time(time), time => Stored.Time(time));
        operations.Property(o => o.CompletedAt).HasConversion(time => Stored.Time(time), time => Stored.Time(time), true);

        builder.Entity<OperationItemRecord>().Property(i => i.TargetId).HasConversion(id => Stored.Id(id), bytes => Stored.Id(bytes)).HasDataType(DataType.Binary).HasLength(16);

        var items = builder.Entity<ItemRecord>();
        items.Property(i => i.Id).HasConversion(id => Stored.Id(id), bytes => Stored.Id(bytes)).HasDataType(DataType.Binary).HasLength(16);
        items.Property(i => i.CreatedAt).HasConversion(time => Stored.Time(time), time => Stored.Time(time));
        items.Property(i => i.UpdatedAt).HasConversion(time => Stored.Time(time), time => Stored.Time(time));
        var links = builder.Entity<LinkRecord>();
        links.Property(l => l.TargetId).HasConversion(id => Stored.Id(id), bytes => Stored.Id(bytes)).HasDataType(DataType.Binary).HasLength(16);
        links.Property(l => l.ItemId).HasConversion(id => Stored.Id(id), bytes => Stored.Id(bytes)).HasDataType(DataType.Binary).HasLength(16);
        var itemHistory = builder.Entity<ItemHistoryRecord>();
        itemHistory.Property(h => h.Id).HasConversion(id => Stored.Id(id), bytes => Stored.Id(bytes)).HasDataType(DataType.Binary).HasLength(16);
        itemHistory.Property(h => h.ItemId).HasConversion(id => Stored.Id(id), bytes => Stored.Id(bytes)).HasDataType(DataType.Binary).HasLength(16);
        itemHistory.Property(h => h.OccurredAt).HasConversion(time => Stored.Time(time), time => Stored.Time(time));

        var failures = builder.Entity<OperationFailureRecord>();
        failures.Property(f => f.TargetId).HasConversion(id => Stored.Id(id), bytes => Stored.Id(bytes)).HasDataType(DataType.Binary).HasLength(16);
        failures.Property(f => f.OccurredAt).HasConversion(time => Stored.Time(time), time => Stored.Time(time));
    }

    /// <remarks>
    /// A session lock, held from here to <see cref="UnlockMigrationsAsync"/> whatever the transaction does: MariaDB
    /// commits each DDL statement on its own, so the lock, not the transaction, makes concurrent migrators take turns.
    /// </remarks>
    internal override async Task LockMigrationsAsync(DataConnection db, CancellationToken cancellationToken)
    {
        var granted = await db.ExecuteAsync<int?>(
            $"SELECT GET_LOCK({LockName}, @timeout)",
            cancellationToken,
            new DataParameter("timeout", _lockTimeoutSeconds, DataType.Int32)).ConfigureAwait(false);
        switch (granted)
        {
            case 1:
                return;
            case 0:
                throw new TimeoutException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Another TargetTracking migration of this MariaDB database held its lock for more than {_lockTimeoutSeconds} s (MySqlStoreOptions.MigrationLockTimeout)."));
            default:
                throw new InvalidOperationException("MariaDB could not take the TargetTracking migration lock (GET_LOCK returned NULL): does the connection string name a Database?");
        }
    }

    internal override async Task UnlockMigrationsAsync(DataConnection db)
    {
        try
        {
            await db.ExecuteAsync($"DO RELEASE_LOCK({LockName})").ConfigureAwait(false);
        }
        catch (Exception e) when (e is MySqlException or InvalidOperationException)
        {
            // The connection is broken: the server ended the session, and with it the lock.
        }
    }

    internal override Task PrepareMigrationsAsync(DataConnection db, CancellationToken cancellationToken) =>
        db.ExecuteAsync(CreateVersionTable, cancellationToken);

    internal override async Task<bool> VersionTableExistsAsync(DataConnection db, CancellationToken cancellationToken) =>
        await db.ExecuteAsync<long>(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'target_tracking_migrations'",
            cancellationToken).ConfigureAwait(false) > 0;

    // READ COMMITTED: a locking read takes record locks only, no gap locks, so writers on other targets (and inserts) never wait.
    internal override Task BeginWriteAsync(DataConnection db, CancellationToken cancellationToken) =>
        db.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);

    // REPEATABLE READ: InnoDB's first read fixes a consistent snapshot for the rest of the transaction.
    internal override Task BeginSnapshotReadAsync(DataConnection db, CancellationToken cancellationToken) =>
        db.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);

    // DATETIME(6) holds UTC without a zone, so the session's time zone plays no part.
    internal override string ReportMicros(string column) => $"TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', {column})";

    internal override DataParameter TimeParameter(string name, DateTimeOffset value) => new(name, value.UtcDateTime, DataType.DateTime2);

    internal override DataParameter IdParameter(string name, Guid id) => new(name, Stored.Id(id), DataType.Binary);

    internal override string InsertIgnore(string table, string columns, string values) => $"INSERT IGNORE INTO {table} ({columns}) VALUES ({values})";

    internal override IQueryable<T> ForUpdate<T>(IQueryable<T> query) => query.AsMySql().ForUpdateHint();

    internal override Expression<Func<TargetRecord, bool>> IdIn(Guid[] ids)
    {
        // One JSON array parameter holds any number of ids, sorted: InnoDB locks rows in the order JSON_TABLE yields them.
        var json = Stored.Ids(ids);
        return t => InJsonIds(t.Id, json);
    }

    // The JSON type checks that markets are JSON, not that they are an array of text: a script can store '{"EU": 1}'.
    internal override Expression<Func<TargetRecord, bool>> MalformedTarget => t => NotTextArray(t.Markets);

    // Served by ix_target_markets_market.
    internal override Expression<Func<TargetRecord, bool>> HasMarket(IDataContext db, string market) =>
        t => db.GetTable<MarketRecord>().Where(m => m.MarketNorm == market).Select(m => m.TargetId).Contains(t.Id);

    internal override Task<WriteCounts> WriteAsync(DataConnection db, ChangeSet changes, IReadOnlyDictionary<TargetId, Target> locked, CancellationToken cancellationToken) =>
        MySqlBulkWriter.WriteAsync((MySqlConnection)ConnectionOf(db)!, db.Transaction as MySqlTransaction, _staysRefresh, changes, locked, cancellationToken);

    internal override async Task<long> InsertOperationItemsAsync(DataConnection db, string operationId, Guid[] ids, CancellationToken cancellationToken) =>
        await db.ExecuteAsync(
            "INSERT INTO target_operation_items (operation_id, target_id) SELECT DISTINCT @id, UNHEX(j.id) FROM JSON_TABLE(@ids, '$[*]' COLUMNS (id CHAR(32) PATH '$')) AS j",
            cancellationToken,
            new DataParameter("id", operationId, DataType.NVarChar),
            new DataParameter("ids", Stored.Ids(ids), DataType.NVarChar)).ConfigureAwait(false);

    internal override bool IsTransient(Exception exception) => MySqlErrors.IsTransient(exception);

    internal override Exception? Translate(Exception exception) => MySqlErrors.Translate(exception);

    // JSON_TYPE raises an error on text that is not JSON (possible with check_constraint_checks off): CASE keeps it to valid JSON.
    [Sql.Expression(
        "(CASE WHEN JSON_VALID({0}) THEN JSON_TYPE({0}) <> 'ARRAY' OR EXISTS (SELECT 1 FROM JSON_TABLE({0}, '$[*]' COLUMNS (n FOR ORDINALITY)) AS m "
        + "WHERE JSON_TYPE(JSON_EXTRACT({0}, CONCAT('$[', m.n - 1, ']'))) <> 'STRING') ELSE 1 END)",
        IsPredicate = true,
        ServerSideOnly = true)]
    private static bool NotTextArray(string[] markets) => throw new InvalidOperationException("Runs only in SQL.");

    [Sql.Expression("{0} IN (SELECT UNHEX(j.id) FROM JSON_TABLE({1}, '$[*]' COLUMNS (id CHAR(32) PATH '$')) AS j)", IsPredicate = true, ServerSideOnly = true)]
    private static bool InJsonIds(Guid id, string json) => throw new InvalidOperationException("Runs only in SQL.");
}
