using Npgsql;
using TargetTracking.Conformance;
using Xunit.Abstractions;

namespace TargetTracking.PostgreSql.Tests;

/// <summary>
/// Gives every <see cref="CreateRepositoryAsync"/> call its own new schema on the run's database, so every
/// store is empty and isolated and test classes run in parallel.
/// </summary>
public sealed partial class PostgreSqlFixture : ISharedStoreFixture, ILinq2DbStoreFixture, IIntegrityFixture, IAsyncLifetime
{
    private static int _schemas;
    private NpgsqlDataSource? _dataSource;

    /// <summary>Gets the connection string of the run's database.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>Gets the fixture's data source.</summary>
    public NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("The fixture is not initialized.");

    public async Task InitializeAsync()
    {
        ConnectionString = await PostgreSqlServer.GetConnectionStringAsync();
        _dataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
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

    /// <summary>Creates a store on a new schema, migrated.</summary>
    public async Task<Linq2DbTargetStore> CreatePostgreSqlRepositoryAsync(NpgsqlDataSource? dataSource = null, string? schema = null)
    {
        var repository = PostgreSqlDialect.CreateStore(dataSource ?? DataSource, new PostgreSqlStoreOptions { Schema = schema ?? NewSchema() });
        await repository.MigrateAsync();
        return repository;
    }
}

public sealed class PostgreSqlConformance(PostgreSqlFixture f) : TargetRepositoryConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlIntegrityConformance(PostgreSqlFixture f) : IntegrityConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlHierarchyConformance(PostgreSqlFixture f) : HierarchyConformance<PostgreSqlFixture>(f);
public sealed class PostgreSqlChangeFeedConformance(PostgreSqlFixture f, ITestOutputHelper output) : ChangeFeedConformance<PostgreSqlFixture>(f, output);

public sealed class PostgreSqlHostTransactionConformance(PostgreSqlFixture f) : HostTransactionConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlStaysTableConformance(PostgreSqlFixture f) : StaysTableConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlOperationConformance(PostgreSqlFixture f) : OperationConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlOperationCrashTests(PostgreSqlFixture f, ITestOutputHelper output) : OperationCrashTests<PostgreSqlFixture>(f, output);

[CollectionDefinition(FirstCallConformance<PostgreSqlFixture>.Collection, DisableParallelization = true)]
public sealed class QueryCacheCollection;

[Collection(FirstCallConformance<PostgreSqlFixture>.Collection)]
public sealed class PostgreSqlFirstCallConformance(PostgreSqlFixture f) : FirstCallConformance<PostgreSqlFixture>(f);

public sealed class PostgreSqlReportConformance(PostgreSqlFixture f) : ReportConformance<PostgreSqlFixture>(f);
