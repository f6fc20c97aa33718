using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;
using TargetTracking.Linq2Db;
using TargetTracking.PostgreSql;
using TargetTracking.Sqlite;

namespace TargetTracking.EntityFrameworkCore.Tests;

/// <summary>A new SQLite file per database, all removed when the fixture ends.</summary>
public sealed class SqliteEfFixture : IEfDatabaseFixture, IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tt-efcore-" + Guid.NewGuid().ToString("N"));
    private readonly List<Linq2DbTargetStore> _stores = [];

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        return Task.CompletedTask;
    }

    public async Task<EfDatabase> CreateAsync()
    {
        var connectionString = $"Data Source={Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".db")};Default Timeout=10";
        var store = SqliteDialect.CreateStore(new SqliteStoreOptions { ConnectionString = connectionString });
        lock (_stores)
        {
            _stores.Add(store);
        }

        await store.InitializeAsync();
        var options = new DbContextOptionsBuilder<ShopContext>().UseSqlite(connectionString).Options;
        ShopContext NewContext() => new(options, schema: null);
        await EfDatabases.CreateHostTablesAsync(NewContext);
        return new EfDatabase(store, NewContext);
    }

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>A new schema per database on the test run's PostgreSQL server: the store's tables and the host's in it.</summary>
public sealed class PostgreSqlEfFixture : IEfDatabaseFixture, IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;
    private string _connectionString = "";

    public async Task InitializeAsync()
    {
        _connectionString = await PostgreSql.Tests.PostgreSqlServer.GetConnectionStringAsync();
        _dataSource = NpgsqlDataSource.Create(_connectionString);
    }

    public async Task<EfDatabase> CreateAsync()
    {
        var schema = $"tt_ef_{Guid.NewGuid():N}";
        var store = PostgreSqlDialect.CreateStore(_dataSource!, new PostgreSqlStoreOptions { Schema = schema });
        await store.InitializeAsync();
        var options = new DbContextOptionsBuilder<ShopContext>()
            .UseNpgsql(_connectionString)
            .ReplaceService<IModelCacheKeyFactory, ShopContext.PerSchemaModels>()
            .Options;
        ShopContext NewContext() => new(options, schema);
        await EfDatabases.CreateHostTablesAsync(NewContext);
        return new EfDatabase(store, NewContext);
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }
}

public sealed class SqliteDbContextTransactionConformance(SqliteEfFixture fixture) : DbContextTransactionConformance<SqliteEfFixture>(fixture);

public sealed class PostgreSqlDbContextTransactionConformance(PostgreSqlEfFixture fixture) : DbContextTransactionConformance<PostgreSqlEfFixture>(fixture);
