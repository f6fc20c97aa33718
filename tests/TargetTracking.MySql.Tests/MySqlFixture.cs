using System.Data.Common;
using LinqToDB;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using TargetTracking.Conformance;
using Xunit.Abstractions;

namespace TargetTracking.MySql.Tests;

/// <summary>
/// Gives every <see cref="CreateRepositoryAsync"/> call its own new database on the run's server, so every store is
/// empty and isolated and test classes run in parallel.
/// </summary>
public sealed class MySqlFixture : ISharedStoreFixture, ILinq2DbDatabaseFixture, IConnectionKillingFixture, IIntegrityFixture, IAsyncLifetime
{
    /// <summary>The name of a database's migration lock, as the store builds it (server-wide, so one per database).</summary>
    public const string MigrationLockName = "CONCAT('targettracking.migrations:', MD5(DATABASE()))";

    private readonly List<MySqlDataSource> _dataSources = [];

    /// <summary>Gets the connection string of the server's administrator, without a database.</summary>
    public string AdminConnectionString { get; private set; } = "";

    /// <summary>Gets a data source of the administrator, without a database (statements name the database).</summary>
    public MySqlDataSource Admin => _admin ?? throw new InvalidOperationException("The fixture is not initialized.");

    private MySqlDataSource? _admin;

    public async Task InitializeAsync()
    {
        AdminConnectionString = await MariaDbServer.GetAdminConnectionStringAsync();
        _admin = new MySqlDataSource(AdminConnectionString);
    }

    public async Task DisposeAsync()
    {
        List<MySqlDataSource> sources;
        lock (_dataSources)
        {
            sources = [.. _dataSources];
        }

        foreach (var source in sources)
        {
            await source.DisposeAsync();
        }

        if (_admin is not null)
        {
            await _admin.DisposeAsync();
        }
    }

    /// <summary>Creates a new empty database; returns a connection string to it.</summary>
    public static Task<string> NewDatabaseAsync() => MariaDbServer.CreateDatabaseAsync();

    /// <summary>Creates a data source for a connection string, disposed with the fixture.</summary>
    public MySqlDataSource DataSource(string connectionString)
    {
        var dataSource = new MySqlDataSource(connectionString);
        lock (_dataSources)
        {
            _dataSources.Add(dataSource);
        }

        return dataSource;
    }

    public async Task<ITargetRepository> CreateRepositoryAsync() => (await CreateMySqlRepositoryAsync()).Repository;

    public async Task<(ITargetRepository Repository, IStoreSaboteur Saboteur)> CreateCorruptibleAsync()
    {
        var (repository, connectionString) = await CreateMySqlRepositoryAsync();
        return (repository, new MySqlSaboteur(connectionString));
    }

    public async Task<SharedStore> CreateSharedStoreAsync()
    {
        var (repository, connectionString) = await CreateMySqlRepositoryAsync();
        return new SharedStore(repository, "mariadb", connectionString);
    }

    public Exception TransientFailure { get; } = new TimeoutException("lost");

    public async Task<Linq2DbTestStore> CreateLinq2DbStoreAsync()
    {
        var (repository, connectionString) = await CreateMySqlRepositoryAsync();
        await repository.InitializeAsync();
        var dataSource = DataSource(connectionString);
        return new Linq2DbTestStore(repository, MySqlDialect.Options(dataSource), async () => await dataSource.OpenConnectionAsync());
    }

    public IReadOnlyList<string> ShippedMigrationNames { get; } =
    [
        "0001_targets_and_history", "0002_history_append_only", "0003_operations", "0004_append_only_and_status_case", "0005_history_repaired",
        "0006_hierarchy", "0007_reports_and_stagnation_claims", "0008_change_feed", "0009_stays", "0010_open_stay_by_target", "0011_tenants", "0012_webhooks", "0013_tenant_deletions", "0014_amount_and_owner", "0015_ledger", "0016_lost_reasons", "0017_history_erasure", "0018_effective_time",
    ];

    public async Task<Linq2DbTestDatabase> CreateEmptyDatabaseAsync() => new Database(this, await NewDatabaseAsync());

    public async Task KillConnectionAsync(DbConnection connection)
    {
        var id = ((MySqlConnection)connection).ServerThread;
        await Db.ExecuteAsync(AdminConnectionString, $"KILL CONNECTION {id}");

        // KILL only flags the thread: wait until the server has dropped it.
        for (var i = 0; i < 200 && await Db.ScalarAsync<long>(AdminConnectionString, "SELECT COUNT(*) FROM information_schema.processlist WHERE id = ?", id) > 0; i++)
        {
            await Task.Delay(10);
        }
    }

    /// <summary>Everything a migration can change in a database: tables, columns, indexes, constraints, triggers, version rows.</summary>
    public static async Task<string> DescribeSchemaAsync(string connectionString)
    {
        const string sql =
            """
            SELECT GROUP_CONCAT(line ORDER BY line SEPARATOR '\n') FROM (
                SELECT CONCAT('table ', table_name, ' ', engine, ' ', table_collation) AS line FROM information_schema.tables WHERE table_schema = DATABASE()
                UNION ALL SELECT CONCAT('column ', table_name, '.', column_name, ' ', column_type, ' ', is_nullable, ' ', COALESCE(collation_name, '-'))
                    FROM information_schema.columns WHERE table_schema = DATABASE()
                UNION ALL SELECT CONCAT('index ', table_name, '.', index_name, ' ', seq_in_index, ' ', column_name, ' ', non_unique)
                    FROM information_schema.statistics WHERE table_schema = DATABASE()
                UNION ALL SELECT CONCAT('constraint ', table_name, '.', constraint_name, ' ', constraint_type)
                    FROM information_schema.table_constraints WHERE constraint_schema = DATABASE()
                UNION ALL SELECT CONCAT('trigger ', trigger_name, ' ', action_timing, ' ', event_manipulation, ' ', MD5(action_statement))
                    FROM information_schema.triggers WHERE trigger_schema = DATABASE()
                UNION ALL SELECT CONCAT('version ', version, ' ', name, ' ', applied_at) FROM target_tracking_migrations
            ) AS d
            """;
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var longer = new MySqlCommand("SET SESSION group_concat_max_len = 1000000", connection))
        {
            await longer.ExecuteNonQueryAsync();
        }

        await using var command = new MySqlCommand(sql, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Creates a store on a new database, migrated.</summary>
    public async Task<(Linq2DbTargetStore Repository, string ConnectionString)> CreateMySqlRepositoryAsync(MySqlStoreOptions? options = null)
    {
        var connectionString = await NewDatabaseAsync();
        var repository = MySqlDialect.CreateStore(DataSource(connectionString), options);
        await repository.MigrateAsync();
        return (repository, connectionString);
    }

    /// <summary>A new database on the run's server: MariaDB's empty database.</summary>
    private sealed class Database(MySqlFixture fixture, string connectionString) : Linq2DbTestDatabase
    {
        private readonly MySqlDataSource _dataSource = fixture.DataSource(connectionString);

        public override DataOptions Host => MySqlDialect.Options(_dataSource);

        public override Linq2DbDialect Dialect { get; } = MySqlDialect.Create();

        public override Linq2DbTargetStore CreateStore(bool applyMigrations = true, bool ownConnections = false) =>
            MySqlDialect.CreateStore(ownConnections ? fixture.DataSource(connectionString) : _dataSource, new MySqlStoreOptions { ApplyMigrations = applyMigrations });

        public override void UseTheDatabase(TargetTrackingBuilder builder) => builder.UseMySql(connectionString);

        public override Task<string> DescribeSchemaAsync() => MySqlFixture.DescribeSchemaAsync(connectionString);

        public override async Task<IReadOnlyList<string>> TenantTablesAsync() =>
            await ListAsync<string>("SELECT c.TABLE_NAME FROM information_schema.COLUMNS AS c JOIN information_schema.TABLES AS t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME WHERE c.TABLE_SCHEMA = DATABASE() AND c.COLUMN_NAME = 'tenant_id' AND t.TABLE_TYPE = 'BASE TABLE'");

        // A session lock (GET_LOCK): held until released, whatever became of the transaction.
        public override async Task<bool> MigrationLockHeldAsync() =>
            await Db.ScalarAsync<long?>(connectionString, $"SELECT IS_USED_LOCK({MigrationLockName})") is not null;
    }
}

public sealed class MySqlConformance(MySqlFixture f) : TargetRepositoryConformance<MySqlFixture>(f);

public sealed class MySqlIntegrityConformance(MySqlFixture f) : IntegrityConformance<MySqlFixture>(f);

public sealed class MySqlLedgerConformance(MySqlFixture f) : LedgerConformance<MySqlFixture>(f);

public sealed class MySqlErasureConformance(MySqlFixture f) : ErasureConformance<MySqlFixture>(f);

public sealed class MySqlLedgerTamperConformance(MySqlFixture f) : LedgerTamperConformance<MySqlFixture>(f);

public sealed class MySqlHierarchyConformance(MySqlFixture f) : HierarchyConformance<MySqlFixture>(f);
public sealed class MySqlChangeFeedConformance(MySqlFixture f, ITestOutputHelper output) : ChangeFeedConformance<MySqlFixture>(f, output);

public sealed class MySqlHostTransactionConformance(MySqlFixture f) : HostTransactionConformance<MySqlFixture>(f);

public sealed class MySqlStaysTableConformance(MySqlFixture f) : StaysTableConformance<MySqlFixture>(f);

public sealed class MySqlOperationConformance(MySqlFixture f) : OperationConformance<MySqlFixture>(f);

public sealed class MySqlOperationCrashTests(MySqlFixture f, ITestOutputHelper output) : OperationCrashTests<MySqlFixture>(f, output);

[CollectionDefinition(FirstCallConformance<MySqlFixture>.Collection, DisableParallelization = true)]
public sealed class QueryCacheCollection;

[Collection(FirstCallConformance<MySqlFixture>.Collection)]
public sealed class MySqlFirstCallConformance(MySqlFixture f) : FirstCallConformance<MySqlFixture>(f);

public sealed class MySqlReportConformance(MySqlFixture f) : ReportConformance<MySqlFixture>(f);

public sealed class MySqlFaultInjectionConformance(MySqlFixture f) : FaultInjectionConformance<MySqlFixture>(f);

public sealed class MySqlConcurrencyConformance(MySqlFixture f) : ConcurrencyConformance<MySqlFixture>(f);

public sealed class MySqlVerbatimStorageConformance(MySqlFixture f) : VerbatimStorageConformance<MySqlFixture>(f);

public sealed class MySqlSetBasedWriteConformance(MySqlFixture f) : SetBasedWriteConformance<MySqlFixture>(f);

public sealed class MySqlMigrationConformance(MySqlFixture f) : MigrationConformance<MySqlFixture>(f);

public sealed class MySqlRegistrationConformance(MySqlFixture f) : RegistrationConformance<MySqlFixture>(f);

public sealed class MySqlTenancyConformance(MySqlFixture f) : TenancyConformance<MySqlFixture>(f);

public sealed class MySqlWebhookConformance(MySqlFixture f) : WebhookConformance<MySqlFixture>(f);

public sealed class MySqlWebhookCrashTests(MySqlFixture f) : WebhookCrashTests<MySqlFixture>(f);

public sealed class MySqlTenantExportConformance(MySqlFixture f) : TenantExportConformance<MySqlFixture>(f);

public sealed class MySqlTenantPurgeConformance(MySqlFixture f) : TenantPurgeConformance<MySqlFixture>(f);
