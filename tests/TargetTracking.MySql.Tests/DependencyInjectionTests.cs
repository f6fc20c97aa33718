using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MySqlConnector;
using TargetTracking.Conformance;

namespace TargetTracking.MySql.Tests;

/// <summary>MariaDB's options, their validation and the registration with a data source; what every database shares is <see cref="RegistrationConformance{TFixture}"/>.</summary>
public sealed class DependencyInjectionTests
{
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
    public async Task UseMySql_WithDataSource_LeavesItOpen_AndHonoursMigrationsOff()
    {
        var connectionString = await MySqlFixture.NewDatabaseAsync();
        await using var dataSource = new MySqlDataSource(connectionString);
        var services = new ServiceCollection();
        services.AddTargetTracking().UseMySql(dataSource, o => o.ApplyMigrations = false);
        await using (var provider = services.BuildServiceProvider())
        {
            // Migrations off on an empty database: the start fails, naming the setting, and creates nothing.
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => HostStart.StartAsync(provider));
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
