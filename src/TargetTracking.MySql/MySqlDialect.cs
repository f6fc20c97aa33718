using Ardalis.GuardClauses;
using LinqToDB;
using LinqToDB.DataProvider;
using LinqToDB.DataProvider.MySql;
using Microsoft.Extensions.Logging;
using MySqlConnector;
using TargetTracking.Linq2Db;

namespace TargetTracking.MySql;

/// <summary>
/// MariaDB (and MySQL) on the linq2db store: the tables in the connection's database, InnoDB, utf8mb4 text with the
/// <c>utf8mb4_nopad_bin</c> collation (code-point order, no case, accent or trailing-space folding), ids as
/// <c>BINARY(16)</c> in RFC 4122 byte order, times as <c>DATETIME(6)</c> in UTC, markets as a JSON array with an
/// indexed side table, <c>SELECT … FOR UPDATE</c> row locks in <c>READ COMMITTED</c> write transactions, migrations
/// under a <c>GET_LOCK</c> lock, history guarded by triggers that <c>SIGNAL</c>, and unit-of-work writes joined to one
/// JSON parameter by <c>JSON_TABLE</c>. Hosts register it with <c>UseMySql(...)</c>; without DI, <see cref="CreateStore"/>
/// builds the store.
/// </summary>
public sealed class MySqlDialect : Linq2DbDialect
{
    private MySqlDialect(TimeSpan migrationLockTimeout)
    {
        Schema = new MySqlSchema(migrationLockTimeout);
        Writer = new MySqlBulkWriter(this);
    }

    /// <summary>Gets the linq2db provider the store uses: MariaDB SQL through MySqlConnector.</summary>
    public static IDataProvider DataProvider { get; } = MySqlTools.GetDataProvider(MySqlVersion.MariaDB10, MySqlProvider.MySqlConnector);

    /// <inheritdoc />
    public override string Name => "MariaDB";

    internal override IDataProvider Provider => DataProvider;

    internal override DialectSchema Schema { get; }

    internal override DialectSessions Sessions { get; } = new MySqlSessions();

    internal override DialectSql Sql { get; } = new MySqlSql();

    internal override DialectWriter Writer { get; }

    internal override DialectErrors Errors { get; } = new MySqlErrors();

    /// <summary>Creates the dialect.</summary>
    /// <param name="options">The store's options (the migration lock timeout); <see langword="null"/> for the defaults.</param>
    /// <returns>The dialect.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    public static MySqlDialect Create(MySqlStoreOptions? options = null)
    {
        options ??= new MySqlStoreOptions();
        options.ThrowIfInvalid();
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

    /// <summary>Builds a MariaDB/MySQL store without DI, on connections from <paramref name="dataSource"/>, which stays the caller's to dispose.</summary>
    /// <param name="dataSource">Where connections come from; its connection string names the database that holds the tables.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <param name="logger">Logs applied migrations.</param>
    /// <returns>The store.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    /// <exception cref="ArgumentException">The data source's connection string names no database.</exception>
    public static Linq2DbTargetStore CreateStore(MySqlDataSource dataSource, MySqlStoreOptions? options = null, ILogger<Linq2DbTargetStore>? logger = null) =>
        BuildStore(dataSource, options, logger, owned: false);

    internal static Linq2DbTargetStore BuildStore(MySqlDataSource dataSource, MySqlStoreOptions? options, ILogger? logger, bool owned, IReadOnlyList<Migration>? migrations = null)
    {
        Guard.Against.Null(dataSource);
        RequireDatabase(dataSource.ConnectionString, nameof(dataSource));
        options ??= new MySqlStoreOptions();
        return new Linq2DbTargetStore(Options(dataSource), Create(options), options.ApplyMigrations, logger, owned ? dataSource : null, migrations);
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
    /// <param name="allowHistoryPurge">
    /// Whether the user may purge history: run the <see cref="DeletePolicy.PurgeHistory"/> policy (delete a target together
    /// with its history), delete a whole tenant (<see cref="TenantPurge"/>) and erase personal fields of history
    /// (<see cref="PersonalDataErasure"/>).
    /// </param>
    /// <returns>The SQL script (<c>GRANT</c> statements).</returns>
    /// <exception cref="ArgumentException">A name holds a character outside those allowed.</exception>
    public static string ApplicationUserGrants(string database, string user, string host, bool allowHistoryPurge)
    {
        Guard.Against.InvalidInput(database, nameof(database), d => d.Length is > 0 and <= 64 && d.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'), $"'{database}' is not a database name the grants accept.");
        Guard.Against.InvalidInput(user, nameof(user), u => u.Length is > 0 and <= 80 && u.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'), $"'{user}' is not a user name the grants accept.");
        Guard.Against.InvalidInput(host, nameof(host), h => h.Length is > 0 and <= 255 && h.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':' or '%'), $"'{host}' is not a host the grants accept.");
        var d = $"`{database}`";
        var to = $"'{user}'@'{host}'";
        var grants = Tables.Grants(table => $"{d}.{table}", to, marketsTable: true);
        return allowHistoryPurge
            ? grants + $"GRANT EXECUTE ON PROCEDURE {d}.targettracking_delete_targets_purging_history TO {to};\nGRANT EXECUTE ON PROCEDURE {d}.targettracking_delete_tenant TO {to};\n"
                + $"GRANT EXECUTE ON PROCEDURE {d}.targettracking_erase_history TO {to};\n"
            : grants;
    }

    /// <summary>Refuses a connection string without a database: the store's tables live in it.</summary>
    internal static void RequireDatabase(string connectionString, string parameterName)
    {
        if (string.IsNullOrWhiteSpace(new MySqlConnectionStringBuilder(connectionString).Database))
        {
            throw new ArgumentException("The MariaDB/MySQL connection string must name a Database: the store's tables live there.", parameterName);
        }
    }
}
