using System.Globalization;
using System.Linq.Expressions;
using LinqToDB;
using LinqToDB.Data;
using LinqToDB.Mapping;
using MySqlConnector;
using TargetTracking.Linq2Db;

namespace TargetTracking.MySql;

/// <summary>
/// MariaDB's schema: the scripts in <c>Schema/Migrations</c> (InnoDB, utf8mb4 text with the <c>utf8mb4_nopad_bin</c>
/// collation), ids as <c>BINARY(16)</c> in RFC 4122 byte order, times as <c>DATETIME(6)</c> in UTC, markets as a JSON
/// array with an indexed side table, and a <c>GET_LOCK</c> lock for migrators (DDL commits on its own in MariaDB).
/// </summary>
/// <param name="migrationLockTimeout">How long a migrator waits for another's lock.</param>
internal sealed class MySqlSchema(TimeSpan migrationLockTimeout) : DialectSchema
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

    private readonly int _lockTimeoutSeconds = (int)Math.Ceiling(migrationLockTimeout.TotalSeconds);

    /// <summary>Gets the schema scripts shipped in this package (<c>Schema/Migrations/NNNN_name.sql</c>), in order.</summary>
    public static IReadOnlyList<Migration> EmbeddedMigrations { get; } = Migration.Embedded(typeof(MySqlSchema).Assembly, "TargetTracking.MySql.Migrations.");

    public override string MappingKey => "MariaDB";

    public override StorageShape Shape { get; } = new(null, MarketsTable: true, StatusUpper: "status_upper");

    public override IReadOnlyList<Migration> Migrations => EmbeddedMigrations;

    public override string VersionTable => Tables.Migrations;

    public override string MigrationsSetting => "MySqlStoreOptions.ApplyMigrations";

    // The JSON type checks that markets are JSON, not that they are an array of text: a script can store '{"EU": 1}'.
    public override Expression<Func<TargetRecord, bool>> MalformedTarget => t => NotTextArray(t.Markets);

    public override void MapId<TEntity>(PropertyMappingBuilder<TEntity, Guid> column) =>
        column.HasConversion(id => Stored.Id(id), bytes => Stored.Id(bytes)).HasDataType(DataType.Binary).HasLength(16);

    public override void MapId<TEntity>(PropertyMappingBuilder<TEntity, Guid?> column) =>
        column.HasConversion(id => Stored.Id(id), bytes => Stored.NullableId(bytes), true).HasDataType(DataType.Binary).HasLength(16);

    public override void MapTime<TEntity>(PropertyMappingBuilder<TEntity, DateTimeOffset> column) =>
        column.HasConversion(time => Stored.Time(time), time => Stored.Time(time));

    public override void MapTime<TEntity>(PropertyMappingBuilder<TEntity, DateTimeOffset?> column) =>
        column.HasConversion(time => Stored.Time(time), time => Stored.Time(time), true);

    /// <remarks>
    /// A session lock, held from here to <see cref="UnlockMigrationsAsync"/> whatever the transaction does: MariaDB
    /// commits each DDL statement on its own, so the lock, not the transaction, makes concurrent migrators take turns.
    /// </remarks>
    public override async Task LockMigrationsAsync(DataConnection db, CancellationToken cancellationToken)
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

    public override async Task UnlockMigrationsAsync(DataConnection db)
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

    public override Task PrepareMigrationsAsync(DataConnection db, CancellationToken cancellationToken) =>
        db.ExecuteAsync(CreateVersionTable, cancellationToken);

    public override async Task<bool> VersionTableExistsAsync(DataConnection db, CancellationToken cancellationToken) =>
        await db.ExecuteAsync<long>(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'target_tracking_migrations'",
            cancellationToken).ConfigureAwait(false) > 0;

    // JSON_TYPE raises an error on text that is not JSON (possible with check_constraint_checks off): CASE keeps it to valid JSON.
    [Sql.Expression(
        "(CASE WHEN JSON_VALID({0}) THEN JSON_TYPE({0}) <> 'ARRAY' OR EXISTS (SELECT 1 FROM JSON_TABLE({0}, '$[*]' COLUMNS (n FOR ORDINALITY)) AS m "
        + "WHERE JSON_TYPE(JSON_EXTRACT({0}, CONCAT('$[', m.n - 1, ']'))) <> 'STRING') ELSE 1 END)",
        IsPredicate = true,
        ServerSideOnly = true)]
    private static bool NotTextArray(string[] markets) => throw new InvalidOperationException("Runs only in SQL.");
}
