using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TargetTracking.Linq2Db;

namespace TargetTracking.Conformance;

/// <summary>
/// A host registers the store on its database, with its own linq2db options and the dialect or with the package's own
/// <c>UseXxx</c>: the start migrates the database, and the tracker it serves writes there. Each dialect's options and
/// their validation stay in its own test project.
/// </summary>
/// <typeparam name="TFixture">The dialect's fixture.</typeparam>
public abstract class RegistrationConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, ILinq2DbDatabaseFixture
{
    private static Task<int> SchemaVersionAsync(Linq2DbTestDatabase database) =>
        database.ScalarAsync<int>($"SELECT MAX(version) FROM {database.VersionTable}");

    private static Task<string> OnlyNameAsync(Linq2DbTestDatabase database) =>
        database.ScalarAsync<string>($"SELECT name FROM {database.Qualify(Tables.Targets)}");

    [Fact]
    public async Task UseLinq2Db_WithTheHostsDataOptions_MigratesAtStart_AndServesTheTracker()
    {
        var database = await fixture.CreateEmptyDatabaseAsync();
        var services = new ServiceCollection();
        services.AddTargetTracking().UseLinq2Db(database.Host, database.Dialect);
        await using (var provider = services.BuildServiceProvider())
        {
            await HostStart.StartAsync(provider);

            Assert.Equal(database.Dialect.Schema.Migrations[^1].Version, await SchemaVersionAsync(database));
            var store = Assert.IsType<Linq2DbTargetStore>(provider.GetRequiredService<ITargetRepository>());
            Assert.Same(database.Dialect, store.Dialect);
            Assert.True((await provider.GetRequiredService<TargetTracker>().CreateAsync(new NewTarget("Through linq2db"))).IsSuccess);
        }

        Assert.Equal("Through linq2db", await OnlyNameAsync(database));
    }

    [Fact]
    public async Task UseTheDatabase_WithAConnectionString_MigratesAtStart_AndServesTheTracker()
    {
        var database = await fixture.CreateEmptyDatabaseAsync();
        var services = new ServiceCollection();
        database.UseTheDatabase(services.AddTargetTracking());
        await using (var provider = services.BuildServiceProvider())
        {
            await HostStart.StartAsync(provider);

            Assert.Equal(database.Dialect.Schema.Migrations[^1].Version, await SchemaVersionAsync(database));
            Assert.IsType<Linq2DbTargetStore>(provider.GetRequiredService<ITargetRepository>());
            Assert.True((await provider.GetRequiredService<TargetTracker>().CreateAsync(new NewTarget("Via DI"))).IsSuccess);
        }

        // The registered store wrote to this database (on PostgreSQL, to the schema its options named).
        Assert.Equal("Via DI", await OnlyNameAsync(database));
    }

    [Fact]
    public async Task UseTheDatabase_CalledTwice_RegistersOneStore()
    {
        var builder = new ServiceCollection().AddTargetTracking();
        (await fixture.CreateEmptyDatabaseAsync()).UseTheDatabase(builder);
        (await fixture.CreateEmptyDatabaseAsync()).UseTheDatabase(builder);
        await using var provider = builder.Services.BuildServiceProvider();

        Assert.Single(provider.GetServices<ITargetRepository>());
        Assert.Single(provider.GetServices<IHostedService>(), h => h.GetType().Name == "Linq2DbStoreInitializer");
        Assert.Same(provider.GetRequiredService<Linq2DbTargetStore>(), provider.GetRequiredService<ITargetRepository>());
    }
}
