using Dapper;
using LinqToDB;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using TargetTracking.Conformance;
using TargetTracking.Sqlite;
using Xunit.Abstractions;

namespace TargetTracking.Sqlite.Tests;

/// <summary>A new temporary database file per store, all removed when the fixture ends.</summary>
public sealed partial class SqliteFileFixture : ISharedStoreFixture, ILinq2DbDatabaseFixture, IIntegrityFixture, IAsyncLifetime
{
    private readonly List<Linq2DbTargetStore> _repositories = [];

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "tt-sqlite-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        return Task.CompletedTask;
    }

    public string NewConnectionString() => $"Data Source={Path.Combine(Directory, Guid.NewGuid().ToString("N") + ".db")}";

    public async Task<ITargetRepository> CreateRepositoryAsync() => await CreateAsync(new SqliteStoreOptions { ConnectionString = NewConnectionString() });

    public async Task<(ITargetRepository Repository, IStoreSaboteur Saboteur)> CreateCorruptibleAsync()
    {
        var repository = await CreateAsync(new SqliteStoreOptions { ConnectionString = NewConnectionString() });
        return (repository, new SqliteSaboteur(repository));
    }

    public async Task<SharedStore> CreateSharedStoreAsync()
    {
        var connectionString = NewConnectionString();
        return new SharedStore(await CreateAsync(new SqliteStoreOptions { ConnectionString = connectionString }), "sqlite", connectionString);
    }

    public Exception TransientFailure { get; } = new SqliteException("database is locked", 5);

    public async Task<Linq2DbTestStore> CreateLinq2DbStoreAsync()
    {
        var connectionString = NewConnectionString();
        var repository = await CreateAsync(new SqliteStoreOptions { ConnectionString = connectionString });
        await repository.InitializeAsync();
        return new Linq2DbTestStore(
            repository,
            SqliteDialect.Options(connectionString, TimeSpan.FromSeconds(5)),
            async () => await repository.Database().OpenAsync(CancellationToken.None));
    }

    public IReadOnlyList<string> ShippedMigrationNames { get; } =
    [
        "0001_tables", "0002_indexes_and_history_guards", "0003_operations", "0004_append_only_and_status_case", "0005_history_repaired",
        "0006_hierarchy", "0007_reports_and_stagnation_claims", "0008_change_feed", "0009_stays", "0010_open_stay_by_target", "0011_tenants", "0012_webhooks", "0013_tenant_deletions", "0014_amount_and_owner", "0015_ledger", "0016_lost_reasons", "0017_history_erasure", "0018_effective_time",
    ];

    public Task<Linq2DbTestDatabase> CreateEmptyDatabaseAsync() => Task.FromResult<Linq2DbTestDatabase>(new DatabaseFile(this, NewConnectionString()));

    public async Task<Linq2DbTargetStore> CreateAsync(SqliteStoreOptions options)
    {
        var repository = Track(SqliteDialect.CreateStore(options));
        await repository.InitializeAsync();
        return repository;
    }

    /// <summary>Everything a migration can change in a database file: tables, indexes, triggers, version rows.</summary>
    public static async Task<string> DescribeSchemaAsync(string connectionString)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        var objects = await connection.QueryAsync<string>("SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master ORDER BY type, name");
        var versions = await connection.QueryAsync<string>("SELECT version || ' ' || name || ' ' || applied_at FROM target_tracking_migrations ORDER BY version");
        return string.Join("\n", objects.Concat(versions));
    }

    /// <summary>Keeps a store to dispose with the fixture (its idle connections hold the file open).</summary>
    private Linq2DbTargetStore Track(Linq2DbTargetStore repository)
    {
        lock (_repositories)
        {
            _repositories.Add(repository);
        }

        return repository;
    }

    public async Task DisposeAsync()
    {
        foreach (var repository in _repositories)
        {
            await repository.DisposeAsync();
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }

    /// <summary>A new database file: SQLite's empty database.</summary>
    private sealed class DatabaseFile(SqliteFileFixture fixture, string connectionString) : Linq2DbTestDatabase
    {
        public override DataOptions Host { get; } = SqliteDialect.Options(connectionString, TimeSpan.FromSeconds(5));

        public override Linq2DbDialect Dialect { get; } = SqliteDialect.Create();

        // Every SQLite store opens connections of its own to the file, as another process would.
        public override Linq2DbTargetStore CreateStore(bool applyMigrations = true, bool ownConnections = false) =>
            fixture.Track(SqliteDialect.CreateStore(new SqliteStoreOptions { ConnectionString = connectionString, ApplyMigrations = applyMigrations }));

        public override void UseTheDatabase(TargetTrackingBuilder builder) => builder.UseSqlite(connectionString, o => o.BusyTimeout = TimeSpan.FromSeconds(2));

        public override Task<string> DescribeSchemaAsync() => SqliteFileFixture.DescribeSchemaAsync(connectionString);

        public override async Task<IReadOnlyList<string>> TenantTablesAsync() =>
            await ListAsync<string>("SELECT m.name FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS c WHERE m.type = 'table' AND c.name = 'tenant_id'");

        // Migrators take turns on the file's write lock, which goes with their transaction: free when a write can start.
        public override async Task<bool> MigrationLockHeldAsync()
        {
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync();
            await using var probe = connection.CreateCommand();
            probe.CommandText = "BEGIN IMMEDIATE; ROLLBACK;";
            probe.CommandTimeout = 1;
            try
            {
                await probe.ExecuteNonQueryAsync();
                return false;
            }
            catch (SqliteException e) when (e.SqliteErrorCode == 5)
            {
                // SQLITE_BUSY for the whole second: someone holds the write lock.
                return true;
            }
        }
    }
}

/// <summary>A named shared-cache in-memory database per store.</summary>
public sealed class SqliteMemoryFixture : IIntegrityFixture, IAsyncLifetime
{
    private readonly List<Linq2DbTargetStore> _repositories = [];

    public static string NewConnectionString() => $"Data Source=tt-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";

    public async Task<ITargetRepository> CreateRepositoryAsync() => await CreateAsync();

    public async Task<(ITargetRepository Repository, IStoreSaboteur Saboteur)> CreateCorruptibleAsync()
    {
        var repository = await CreateAsync();
        return (repository, new SqliteSaboteur(repository));
    }

    private async Task<Linq2DbTargetStore> CreateAsync()
    {
        var repository = SqliteDialect.CreateStore(new SqliteStoreOptions { ConnectionString = NewConnectionString() });
        lock (_repositories)
        {
            _repositories.Add(repository);
        }

        await repository.InitializeAsync();
        return repository;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var repository in _repositories)
        {
            await repository.DisposeAsync();
        }
    }
}

public sealed class SqliteHostTransactionConformance(SqliteFileFixture fixture) : HostTransactionConformance<SqliteFileFixture>(fixture);

public sealed class SqliteStaysTableConformance(SqliteFileFixture fixture) : StaysTableConformance<SqliteFileFixture>(fixture);

public sealed class SqliteFileConformance(SqliteFileFixture fixture) : TargetRepositoryConformance<SqliteFileFixture>(fixture);

public sealed class SqliteMemoryConformance(SqliteMemoryFixture fixture) : TargetRepositoryConformance<SqliteMemoryFixture>(fixture);

public sealed class SqliteFileIntegrityConformance(SqliteFileFixture fixture) : IntegrityConformance<SqliteFileFixture>(fixture);

public sealed class SqliteFileLedgerConformance(SqliteFileFixture fixture) : LedgerConformance<SqliteFileFixture>(fixture);

public sealed class SqliteFileErasureConformance(SqliteFileFixture fixture) : ErasureConformance<SqliteFileFixture>(fixture);

public sealed class SqliteFileLedgerTamperConformance(SqliteFileFixture fixture) : LedgerTamperConformance<SqliteFileFixture>(fixture);

public sealed class SqliteFileHierarchyConformance(SqliteFileFixture fixture) : HierarchyConformance<SqliteFileFixture>(fixture);

public sealed class SqliteMemoryIntegrityConformance(SqliteMemoryFixture fixture) : IntegrityConformance<SqliteMemoryFixture>(fixture);

public sealed class SqliteFileChangeFeedConformance(SqliteFileFixture fixture, ITestOutputHelper output) : ChangeFeedConformance<SqliteFileFixture>(fixture, output);

public sealed class SqliteMemoryChangeFeedConformance(SqliteMemoryFixture fixture, ITestOutputHelper output) : ChangeFeedConformance<SqliteMemoryFixture>(fixture, output);

public sealed class SqliteFileOperationConformance(SqliteFileFixture fixture) : OperationConformance<SqliteFileFixture>(fixture);

public sealed class SqliteMemoryOperationConformance(SqliteMemoryFixture fixture) : OperationConformance<SqliteMemoryFixture>(fixture);

// A memory database cannot be shared with another process: the crash tests run on files.
public sealed class SqliteOperationCrashTests(SqliteFileFixture fixture, ITestOutputHelper output) : OperationCrashTests<SqliteFileFixture>(fixture, output);

[CollectionDefinition(FirstCallConformance<SqliteFileFixture>.Collection, DisableParallelization = true)]
public sealed class QueryCacheCollection;

[Collection(FirstCallConformance<SqliteFileFixture>.Collection)]
public sealed class SqliteFirstCallConformance(SqliteFileFixture fixture) : FirstCallConformance<SqliteFileFixture>(fixture);

public sealed class SqliteFileReportConformance(SqliteFileFixture fixture) : ReportConformance<SqliteFileFixture>(fixture);

public sealed class SqliteMemoryReportConformance(SqliteMemoryFixture fixture) : ReportConformance<SqliteMemoryFixture>(fixture);

public sealed class SqliteFileConcurrencyConformance(SqliteFileFixture fixture) : ConcurrencyConformance<SqliteFileFixture>(fixture);

public sealed class SqliteFileVerbatimStorageConformance(SqliteFileFixture fixture) : VerbatimStorageConformance<SqliteFileFixture>(fixture);

public sealed class SqliteFileSetBasedWriteConformance(SqliteFileFixture fixture) : SetBasedWriteConformance<SqliteFileFixture>(fixture);

public sealed class SqliteFileMigrationConformance(SqliteFileFixture fixture) : MigrationConformance<SqliteFileFixture>(fixture);

public sealed class SqliteFileRegistrationConformance(SqliteFileFixture fixture) : RegistrationConformance<SqliteFileFixture>(fixture);

public sealed class SqliteFileTenancyConformance(SqliteFileFixture fixture) : TenancyConformance<SqliteFileFixture>(fixture);

public sealed class SqliteMemoryTenancyConformance(SqliteMemoryFixture fixture) : TenancyConformance<SqliteMemoryFixture>(fixture);

public sealed class SqliteFileWebhookConformance(SqliteFileFixture fixture) : WebhookConformance<SqliteFileFixture>(fixture);

public sealed class SqliteMemoryWebhookConformance(SqliteMemoryFixture fixture) : WebhookConformance<SqliteMemoryFixture>(fixture);

public sealed class SqliteWebhookCrashTests(SqliteFileFixture fixture) : WebhookCrashTests<SqliteFileFixture>(fixture);

/// <summary>A database file per tenant, per store, all removed when the fixture ends.</summary>
public sealed class SqliteDatabasePerTenantFixture : DatabasePerTenantFixture
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tt-sqlite-tenants-" + Guid.NewGuid().ToString("N"));

    public override Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        return Task.CompletedTask;
    }

    protected override Linq2DbDialect NewDialect() => SqliteDialect.Create();

    protected override Linq2DbTargetStore OpenDatabase(string store, string tenant, Microsoft.Extensions.Logging.ILogger<Linq2DbTargetStore> logger) =>
        SqliteDialect.CreateStore(new SqliteStoreOptions { ConnectionString = $"Data Source={Path.Combine(_directory, $"{store}-{tenant}.db")}" }, logger);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}

public sealed class SqliteDatabasePerTenantConformance(SqliteDatabasePerTenantFixture fixture) : DatabasePerTenantConformance<SqliteDatabasePerTenantFixture>(fixture);

public sealed class SqliteDatabasePerTenantTenancyConformance(SqliteDatabasePerTenantFixture fixture) : TenancyConformance<SqliteDatabasePerTenantFixture>(fixture);

public sealed class SqliteDatabasePerTenantRepositoryConformance(SqliteDatabasePerTenantFixture fixture) : TargetRepositoryConformance<SqliteDatabasePerTenantFixture>(fixture);

public sealed class SqliteFileTenantExportConformance(SqliteFileFixture fixture) : TenantExportConformance<SqliteFileFixture>(fixture);

public sealed class SqliteFileTenantPurgeConformance(SqliteFileFixture fixture) : TenantPurgeConformance<SqliteFileFixture>(fixture);
