using Microsoft.EntityFrameworkCore;
using MySqlConnector;
using TargetTracking.MySql;
using TargetTracking.MySql.Tests;

namespace TargetTracking.EntityFrameworkCore.Tests;

/// <summary>A new database per test on the run's MariaDB server: the store's tables and the host's, through Pomelo's provider.</summary>
public sealed class MariaDbEfFixture : IEfDatabaseFixture, IAsyncLifetime
{
    // The server the tests start is MariaDB 10.11; naming it spares Pomelo a connection to detect it.
    private static readonly ServerVersion Server = ServerVersion.Parse("10.11.0-mariadb");

    private readonly List<MySqlDataSource> _dataSources = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task<EfDatabase> CreateAsync()
    {
        var connectionString = await MariaDbServer.CreateDatabaseAsync();
        var dataSource = new MySqlDataSource(connectionString);
        lock (_dataSources)
        {
            _dataSources.Add(dataSource);
        }

        var store = MySqlDialect.CreateStore(dataSource);
        await store.InitializeAsync();
        var options = new DbContextOptionsBuilder<ShopContext>().UseMySql(connectionString, Server).Options;
        ShopContext NewContext() => new(options, schema: null);
        await EfDatabases.CreateHostTablesAsync(NewContext);
        return new EfDatabase(store, NewContext);
    }

    public async Task DisposeAsync()
    {
        foreach (var dataSource in _dataSources)
        {
            await dataSource.DisposeAsync();
        }
    }
}

public sealed class MariaDbDbContextTransactionConformance(MariaDbEfFixture fixture) : DbContextTransactionConformance<MariaDbEfFixture>(fixture);
