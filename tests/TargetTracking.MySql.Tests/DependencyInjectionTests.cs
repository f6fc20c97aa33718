using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace TargetTracking.MySql.Tests;

public sealed class DependencyInjectionTests(MySqlFixture fixture) : IClassFixture<MySqlFixture>
{
    private static async Task StartAsync(IServiceProvider services)
    {
        services.GetRequiredService<IStartupValidator>().Validate();
        foreach (var hosted in services.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void Options_Defaults_AreTheDocumentedOnes()
    {
        var options = new MySqlStoreOptions();
        Assert.True(options.ApplyMigrations);
        Assert.Equal(TimeSpan.FromSeconds(60), options.MigrationLockTimeout);
        Assert.Empty(options.Validate());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(999)]
    [InlineData(3_600_001)]
    [InlineData(-1000)]
    public void Options_WithBadLockTimeout_NameTheSetting(int milliseconds)
    {
        var problem = Assert.Single(new MySqlStoreOptions { MigrationLockTimeout = TimeSpan.FromMilliseconds(milliseconds) }.Validate());
        Assert.StartsWith("MySqlStoreOptions.MigrationLockTimeout", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UseLinq2Db_WithTheHostsDataOptions_MigratesAtStart_AndServesTheTracker()
    {
        var connectionString = await MySqlFixture.NewDatabaseAsync();
        var services = new ServiceCollection();
        services.AddTargetTracking().UseLinq2Db(MySqlDialect.Options(fixture.DataSource(connectionString)), MySqlDialect.Create());
        await using var provider = services.BuildServiceProvider();

        await StartAsync(provider);

        Assert.Equal(MySqlSchema.EmbeddedMigrations.Count, await Db.ScalarAsync<int>(connectionString, "SELECT MAX(version) FROM target_tracking_migrations"));
        var store = Assert.IsType<Linq2DbTargetStore>(provider.GetRequiredService<ITargetRepository>());
        Assert.Equal("MariaDB", store.Dialect.Name);
        Assert.True((await provider.GetRequiredService<TargetTracker>().CreateAsync(new NewTarget("Through linq2db"))).IsSuccess);
        Assert.Equal("Through linq2db", await Db.ScalarAsync<string>(connectionString, "SELECT name FROM targets"));
    }

    [Fact]
    public async Task UseMySql_WithConnectionString_MigratesAtStart_AndServesTheTracker()
    {
        var connectionString = await MySqlFixture.NewDatabaseAsync();
        var services = new ServiceCollection();
        services.AddTargetTracking().UseMySql(connectionString);
        await using var provider = services.BuildServiceProvider();

        await StartAsync(provider);
        Assert.Equal(MySqlSchema.EmbeddedMigrations.Count, await Db.ScalarAsync<int>(connectionString, "SELECT MAX(version) FROM target_tracking_migrations"));

        var tracker = provider.GetRequiredService<TargetTracker>();
        Assert.True((await tracker.CreateAsync(new NewTarget("Via DI"))).IsSuccess);
        Assert.IsType<Linq2DbTargetStore>(provider.GetRequiredService<ITargetRepository>());
    }

    [Fact]
    public async Task UseMySql_WithDataSource_LeavesItOpen_AndHonoursMigrationsOff()
    {
        var connectionString = await MySqlFixture.NewDatabaseAsync();
        await using var dataSource = new MySqlDataSource(connectionString);
        var services = new ServiceCollection();
        services.AddTargetTracking().UseMySql(dataSource, o => o.ApplyMigrations = false);
        await using (var provider = services.BuildServiceProvider())
        {
            // Migrations off on an empty database: the start fails, naming the setting, and creates nothing.
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(provider));
            Assert.Contains("MySqlStoreOptions.ApplyMigrations", error.Message, StringComparison.Ordinal);
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var count = new MySqlCommand("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()", connection);
        Assert.Equal(0L, Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task UseMySql_WithInvalidOptions_FailsAtStart_NamingTheSetting()
    {
        var services = new ServiceCollection();
        services.AddTargetTracking().UseMySql(await MySqlFixture.NewDatabaseAsync(), o => o.MigrationLockTimeout = TimeSpan.Zero);
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("MySqlStoreOptions.MigrationLockTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseMySql_WithEmptyMalformedOrDatabaselessConnectionString_Throws()
    {
        var builder = new ServiceCollection().AddTargetTracking();
        Assert.ThrowsAny<ArgumentException>(() => builder.UseMySql(" "));
        Assert.ThrowsAny<ArgumentException>(() => builder.UseMySql("NoSuchKeyword=1"));
        var error = Assert.ThrowsAny<ArgumentException>(() => builder.UseMySql("Server=127.0.0.1;User ID=root"));
        Assert.Contains("Database", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Repository_WithInvalidOptions_Throws_NamingTheSetting()
    {
        using var dataSource = new MySqlDataSource("Server=127.0.0.1;User ID=root;Database=x");
        var error = Assert.Throws<OptionsValidationException>(() => MySqlDialect.CreateStore(dataSource, new MySqlStoreOptions { MigrationLockTimeout = TimeSpan.FromHours(2) }));
        Assert.Contains("MySqlStoreOptions.MigrationLockTimeout", error.Message, StringComparison.Ordinal);
    }
}
