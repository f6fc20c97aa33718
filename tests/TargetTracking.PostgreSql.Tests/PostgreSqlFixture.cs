using System.Data.Common;
using LinqToDB;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TargetTracking.Conformance;

namespace TargetTracking.PostgreSql.Tests;

/// <summary>
/// Gives every <see cref="CreateRepositoryAsync"/> call its own new schema on the run's database, so every
/// store is empty and isolated and test classes run in parallel.
/// </summary>
public sealed partial class PostgreSqlFixture : ISharedStoreFixture, ILinq2DbDatabaseFixture, IConnectionKillingFixture, IIntegrityFixture, IAsyncLifetime
{
    private static int _schemas;
    private readonly List<NpgsqlDataSource> _dataSources = [];
    private NpgsqlDataSource? _dataSource;

    /// <summary>Gets the connection string of the run's database.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>Gets the fixture's data source.</summary>
    public NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("The fixture is not initialized.");

    public IReadOnlyList<string> ShippedMigrationNames { get; } =
    [
        "0001_targets_and_history", "0002_history_append_only", "0003_operations", "0004_append_only_and_status_case", "0005_history_repaired",
        "0006_hierarchy", "0007_reports_and_stagnation_claims", "0008_change_feed", "0009_stays", "0010_one_schema_names", "0011_open_stay_by_target", "0012_tenants", "0013_webhooks", "0014_tenant_deletions", "0015_amount_and_owner", "0016_ledger", "0017_lost_reasons", "0018_history_erasure", "0019_effective_time",
    ];

    public async Task InitializeAsync()
    {
        ConnectionString = await PostgreSqlServer.GetConnectionStringAsync();
        _dataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    public async Task DisposeAsync()
    {
        List<NpgsqlDataSource> sources;
        lock (_dataSources)
        {
            sources = [.. _dataSources];
        }

        foreach (var source in sources)
        {
            await source.DisposeAsync();
        }

        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }

    /// <summary>Creates a data source of its own on the run's database, as another host instance has; disposed with the fixture.</summary>
    public NpgsqlDataSource NewDataSource()
    {
        var dataSource = NpgsqlDataSource.Create(ConnectionString);
        lock (_dataSources)
        {
            _dataSources.Add(dataSource);
        }

        return dataSource;
    }

    /// <summary>Returns a new unique schema name.</summary>
    public static string NewSchema() => $"tt_{Interlocked.Increment(ref _schemas)}_{Guid.NewGuid():N}";

    public async Task<ITargetRepository> CreateRepositoryAsync() => await CreatePostgreSqlRepositoryAsync();

    public async Task<(ITargetRepository Repository, IStoreSaboteur Saboteur)> CreateCorruptibleAsync()
    {
        var repository = await CreatePostgreSqlRepositoryAsync();
        return (repository, new PostgreSqlSaboteur(DataSource, repository.Schema));
    }

    public async Task<SharedStore> CreateSharedStoreAsync()
    {
        var schema = NewSchema();
        return new SharedStore(await CreatePostgreSqlRepositoryAsync(schema: schema), "postgres", ConnectionString, schema);
    }

    public Exception TransientFailure { get; } = new TimeoutException("lost");

    public async Task<Linq2DbTestStore> CreateLinq2DbStoreAsync()
    {
        var repository = await CreatePostgreSqlRepositoryAsync();
        await repository.InitializeAsync();
        return new Linq2DbTestStore(repository, PostgreSqlDialect.Options(DataSource), async () => await DataSource.OpenConnectionAsync());
    }

    public Task<Linq2DbTestDatabase> CreateEmptyDatabaseAsync() => Task.FromResult<Linq2DbTestDatabase>(new Schema(this, NewSchema()));

    public async Task KillConnectionAsync(DbConnection connection) =>
        // The two-argument form waits until the backend is gone.
        Assert.True(await Db.ScalarAsync<bool>(DataSource, "SELECT pg_terminate_backend($1, 10000)", ((NpgsqlConnection)connection).ProcessID));

    /// <summary>Creates a store on a new schema, migrated.</summary>
    public async Task<Linq2DbTargetStore> CreatePostgreSqlRepositoryAsync(NpgsqlDataSource? dataSource = null, string? schema = null)
    {
        var repository = PostgreSqlDialect.CreateStore(dataSource ?? DataSource, new PostgreSqlStoreOptions { Schema = schema ?? NewSchema() });
        await repository.MigrateAsync();
        return repository;
    }

    /// <summary>Everything a migration can change in a schema: tables, columns, indexes, constraints, triggers, functions, version rows.</summary>
    public async Task<string> DescribeSchemaAsync(string schema)
    {
        const string sql =
            """
            SELECT string_agg(line, E'\n' ORDER BY line) FROM (
                SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable AS line
                FROM information_schema.columns WHERE table_schema = $1
                UNION ALL SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = $1
                UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(c.oid)
                    FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1
                UNION ALL SELECT 'trigger ' || tgname || ' ' || pg_get_triggerdef(t.oid)
                    FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid JOIN pg_namespace n ON n.oid = r.relnamespace
                    WHERE n.nspname = $1 AND NOT t.tgisinternal
                UNION ALL SELECT 'function ' || p.proname || ' ' || md5(p.prosrc)
                    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1
            ) AS d
            """;
        var description = await Db.ScalarAsync<object>(DataSource, sql, schema);
        var versions = await Db.ScalarAsync<object>(
            DataSource, $"SELECT string_agg(version || ' ' || name || ' ' || applied_at, ', ' ORDER BY version) FROM \"{schema}\".target_tracking_migrations");
        return $"{description}\n{versions}";
    }

    /// <summary>A new schema on the run's database: PostgreSQL's empty database.</summary>
    private sealed class Schema(PostgreSqlFixture fixture, string name) : Linq2DbTestDatabase
    {
        public override DataOptions Host { get; } = PostgreSqlDialect.Options(fixture.DataSource);

        public override Linq2DbDialect Dialect { get; } = PostgreSqlDialect.Create(name);

        public override Linq2DbTargetStore CreateStore(bool applyMigrations = true, bool ownConnections = false) =>
            PostgreSqlDialect.CreateStore(ownConnections ? fixture.NewDataSource() : fixture.DataSource, new PostgreSqlStoreOptions { Schema = name, ApplyMigrations = applyMigrations });

        public override void UseTheDatabase(TargetTrackingBuilder builder) => builder.UsePostgreSql(fixture.ConnectionString, o => o.Schema = name);

        public override Task<string> DescribeSchemaAsync() => fixture.DescribeSchemaAsync(name);

        public override async Task<IReadOnlyList<string>> TenantTablesAsync() =>
            await ListAsync<string>($"SELECT table_name::text FROM information_schema.columns WHERE table_schema = '{name}' AND column_name = 'tenant_id' AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_schema = '{name}' AND table_type = 'BASE TABLE')");

        // The store takes a transaction-scoped advisory lock keyed by the schema's name (its second key).
        public override Task<bool> MigrationLockHeldAsync() => Db.ScalarAsync<bool>(
            fixture.DataSource,
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND objid = hashtext($1)::oid)",
            name);
    }
}
