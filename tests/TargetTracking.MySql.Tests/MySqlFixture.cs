using MySqlConnector;
using TargetTracking.Conformance;
using Xunit.Abstractions;

namespace TargetTracking.MySql.Tests;

/// <summary>
/// Gives every <see cref="CreateRepositoryAsync"/> call its own new database on the run's server, so every store is
/// empty and isolated and test classes run in parallel.
/// </summary>
public sealed class MySqlFixture : ISharedStoreFixture, ILinq2DbStoreFixture, IIntegrityFixture, IAsyncLifetime
{
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

    /// <summary>Creates a store on a new database, migrated.</summary>
    public async Task<(Linq2DbTargetStore Repository, string ConnectionString)> CreateMySqlRepositoryAsync(MySqlStoreOptions? options = null)
    {
        var connectionString = await NewDatabaseAsync();
        var repository = MySqlDialect.CreateStore(DataSource(connectionString), options);
        await repository.MigrateAsync();
        return (repository, connectionString);
    }
}

public sealed class MySqlConformance(MySqlFixture f) : TargetRepositoryConformance<MySqlFixture>(f);

public sealed class MySqlIntegrityConformance(MySqlFixture f) : IntegrityConformance<MySqlFixture>(f);

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
