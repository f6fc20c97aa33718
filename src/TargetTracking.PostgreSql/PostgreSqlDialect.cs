using Ardalis.GuardClauses;
using LinqToDB;
using LinqToDB.DataProvider;
using LinqToDB.DataProvider.PostgreSQL;
using Microsoft.Extensions.Logging;
using Npgsql;
using TargetTracking.Linq2Db;

namespace TargetTracking.PostgreSql;

/// <summary>
/// PostgreSQL on the linq2db store: one schema, <c>uuid</c> keys, <c>timestamptz</c> times, markets as
/// <c>text[]</c> with a GIN index, <c>SELECT … FOR UPDATE</c> row locks, migrations under an advisory lock, history
/// guarded by triggers, and unit-of-work writes as one batch of <c>unnest</c> statements. Hosts register it with
/// <c>UsePostgreSql(...)</c>; without DI, <see cref="CreateStore"/> builds the store.
/// </summary>
public sealed class PostgreSqlDialect : Linq2DbDialect
{
    private readonly string _quoted;

    private PostgreSqlDialect(string schema, string? listenConnectionString = null)
    {
        SchemaName = schema;
        _quoted = PostgreSqlStatements.Quote(schema);
        Schema = new PostgreSqlSchema(schema);
        Sessions = new PostgreSqlSessions(schema, listenConnectionString);
        Sql = new PostgreSqlSql(schema);
        Writer = new PostgreSqlBulkWriter(this, new PostgreSqlStatements(schema));
    }

    /// <summary>Gets the linq2db provider the store uses: PostgreSQL SQL as of 9.5 (<c>ON CONFLICT</c>), which every supported server speaks.</summary>
    public static IDataProvider DataProvider { get; } = PostgreSQLTools.GetDataProvider(PostgreSQLVersion.v95);

    /// <summary>Gets the schema that holds the store's tables.</summary>
    public string SchemaName { get; }

    /// <inheritdoc />
    public override string Name => "PostgreSQL";

    internal override IDataProvider Provider => DataProvider;

    internal override DialectSchema Schema { get; }

    internal override DialectSessions Sessions { get; }

    internal override DialectSql Sql { get; }

    internal override DialectWriter Writer { get; }

    internal override DialectErrors Errors { get; } = new PostgresErrors();

    /// <summary>Creates the dialect for a schema.</summary>
    /// <param name="schema">The schema: letters, digits and underscores, not starting with a digit, at most 63 characters.</param>
    /// <returns>The dialect.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The schema name is not valid.</exception>
    public static PostgreSqlDialect Create(string schema = PostgreSqlStoreOptions.DefaultSchema)
    {
        Guard.Against.Null(schema);
        new PostgreSqlStoreOptions { Schema = schema }.ThrowIfInvalid();
        return new PostgreSqlDialect(schema);
    }

    /// <summary>Gets linq2db options that take connections from a data source, which stays the caller's.</summary>
    /// <param name="dataSource">Where connections come from.</param>
    /// <returns>The options.</returns>
    public static DataOptions Options(NpgsqlDataSource dataSource)
    {
        Guard.Against.Null(dataSource);
        return new DataOptions().UseConnectionFactory(DataProvider, _ => dataSource.CreateConnection());
    }

    /// <summary>Builds a PostgreSQL store without DI, on connections from <paramref name="dataSource"/>, which stays the caller's to dispose.</summary>
    /// <param name="dataSource">Where connections come from.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <param name="logger">Logs applied migrations.</param>
    /// <returns>The store.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    public static Linq2DbTargetStore CreateStore(NpgsqlDataSource dataSource, PostgreSqlStoreOptions? options = null, ILogger<Linq2DbTargetStore>? logger = null) =>
        BuildStore(dataSource, options, logger, owned: false);

    internal static Linq2DbTargetStore BuildStore(NpgsqlDataSource dataSource, PostgreSqlStoreOptions? options, ILogger? logger, bool owned, IReadOnlyList<Migration>? migrations = null)
    {
        Guard.Against.Null(dataSource);
        options ??= new PostgreSqlStoreOptions();
        options.ThrowIfInvalid();
        var dialect = new PostgreSqlDialect(options.Schema, options.ListenConnectionString);
        if (options.StandbyReads == StandbyReads.Off)
        {
            return new Linq2DbTargetStore(Options(dataSource), dialect, options.ApplyMigrations, logger, owned ? dataSource : null, migrations);
        }

        var hosts = dataSource as NpgsqlMultiHostDataSource
            ?? throw new ArgumentException(
                "PostgreSqlStoreOptions.StandbyReads needs a data source over the primary and its standbys: a connection string listing every host (Host=a,b,c).",
                nameof(dataSource));
        return new Linq2DbTargetStore(Options(hosts.WithTargetSession(TargetSessionAttributes.Primary)), dialect, options.ApplyMigrations, logger, owned ? dataSource : null, migrations)
        {
            Standby = new StandbyRoute(
                Options(hosts.WithTargetSession(TargetSessionAttributes.PreferStandby)),
                options.StandbyReads == StandbyReads.ReadYourWrites ? options.StandbyWait : null),
        };
    }

    /// <summary>
    /// Writes the grants of the least-privilege setup: what an application role needs to run the store on this schema, and
    /// nothing more. Run them as the migration role (the owner of the schema) after <see cref="Linq2DbTargetStore.MigrateAsync"/>,
    /// and again after each upgrade; the application then connects as <paramref name="role"/> with migrations off. The role
    /// reads and appends history but can neither update, delete nor truncate it, disable its triggers, or switch a purge on.
    /// </summary>
    /// <param name="role">The application role: letters, digits and underscores, not starting with a digit, at most 63 characters.</param>
    /// <param name="allowHistoryPurge">
    /// Whether the role may purge history: run the <see cref="DeletePolicy.PurgeHistory"/> policy (delete a target together
    /// with its history), delete a whole tenant (<see cref="TenantPurge"/>) and erase personal fields of history
    /// (<see cref="PersonalDataErasure"/>); leave it off where none is used, so the role cannot change any history at all.
    /// </param>
    /// <returns>The SQL script (<c>GRANT</c> statements, schema and role quoted).</returns>
    /// <exception cref="ArgumentException"><paramref name="role"/> is not a valid role name.</exception>
    public string ApplicationRoleGrants(string role, bool allowHistoryPurge)
    {
        Guard.Against.Null(role);
        Guard.Against.InvalidInput(role, nameof(role), PostgreSqlStoreOptions.IsIdentifier, $"'{role}' is not a role name the store accepts: use letters, digits and underscores, not starting with a digit, at most 63 characters.");
        var r = PostgreSqlStatements.Quote(role);
        var s = _quoted;
        var grants = $"GRANT USAGE ON SCHEMA {s} TO {r};\n" + Tables.Grants(table => $"{s}.{table}", r, marketsTable: false);
        var purges = $"{s}.delete_targets_purging_history(uuid[], bigint[]), {s}.delete_tenant(uuid, timestamptz, text, text, text, text, text, text), "
            + $"{s}.erase_history(uuid, timestamptz, text, text, text, text, text, text, text, uuid, bigint, text)";
        return allowHistoryPurge
            ? grants + $"\nGRANT EXECUTE ON FUNCTION {purges} TO {r};\n"
            : grants + $"\nREVOKE EXECUTE ON FUNCTION {purges} FROM {r};\n";
    }
}
