using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TargetTracking.Conformance;

namespace TargetTracking.Sqlite.Tests;

/// <summary>SQLite's options, their validation and an in-memory database kept by the container; what every database shares is <see cref="RegistrationConformance{TFixture}"/>.</summary>
public sealed class DependencyInjectionTests
{
    [Fact]
    public void Options_Defaults_AreDocumented()
    {
        var options = new SqliteStoreOptions();

        Assert.Equal(string.Empty, options.ConnectionString);
        Assert.True(options.ApplyMigrations);
        Assert.Equal(TimeSpan.FromSeconds(5), options.BusyTimeout);
    }

    [Fact]
    public async Task UseSqlite_InMemory_KeepsDataWhileTheContainerLives()
    {
        var services = new ServiceCollection();
        services.AddTargetTracking().UseSqlite(SqliteMemoryFixture.NewConnectionString());
        await using var provider = services.BuildServiceProvider();
        var tracker = provider.GetRequiredService<TargetTracker>();

        var created = (await tracker.CreateAsync(new NewTarget("In memory"))).Ok();
        SqliteConnection.ClearAllPools();

        Assert.True((await tracker.GetAsync(created.Id)).IsSuccess);
    }

    [Theory]
    [InlineData("", "SqliteStoreOptions.ConnectionString is required")]
    [InlineData("Data Source=x.db;Bogus Keyword=1", "SqliteStoreOptions.ConnectionString is not a valid SQLite connection string")]
    [InlineData("Data Source=:memory:", "private in-memory database")]
    [InlineData("Data Source=name;Mode=Memory", "private in-memory database")]
    [InlineData("Data Source=file:name?mode=memory", "private in-memory database")]
    [InlineData("Data Source=x.db;Mode=ReadOnly", "Mode=ReadOnly")]
    public async Task UseSqlite_WithABadConnectionString_FailsAtStartNamingTheSetting(string connectionString, string message)
    {
        var services = new ServiceCollection();
        services.AddTargetTracking().UseSqlite(connectionString);
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(600_001)]
    public async Task UseSqlite_WithABusyTimeoutOutOfRange_FailsAtStartNamingTheSetting(int milliseconds)
    {
        var services = new ServiceCollection();
        services.AddTargetTracking().UseSqlite("Data Source=x.db", o => o.BusyTimeout = TimeSpan.FromMilliseconds(milliseconds));
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("SqliteStoreOptions.BusyTimeout", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Data Source=name;Mode=Memory;Cache=Shared")]
    [InlineData("Data Source=file:name?mode=memory&cache=shared")]
    [InlineData("Data Source=targets.db")]
    public void Options_WithAUsableConnectionString_AreValid(string connectionString)
    {
        Assert.Empty(new SqliteStoreOptions { ConnectionString = connectionString }.Validate());
    }

    [Fact]
    public void Repository_WithInvalidOptions_Throws()
    {
        Assert.Throws<OptionsValidationException>(() => SqliteDialect.CreateStore(new SqliteStoreOptions()));
    }
}
