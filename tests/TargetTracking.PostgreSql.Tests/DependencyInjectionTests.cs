using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using TargetTracking.Conformance;

namespace TargetTracking.PostgreSql.Tests;

/// <summary>PostgreSQL's options, their validation and the registration with a data source; what every database shares is <see cref="RegistrationConformance{TFixture}"/>.</summary>
public sealed class DependencyInjectionTests(PostgreSqlFixture fixture) : IClassFixture<PostgreSqlFixture>
{
    [Fact]
    public void Options_Defaults_AreTheDocumentedOnes()
    {
        var options = new PostgreSqlStoreOptions();
        Assert.Equal("targettracking", options.Schema);
        Assert.True(options.ApplyMigrations);
        Assert.Empty(options.Validate());
    }

    [Theory]
    [InlineData("")]
    [InlineData("1abc")]
    [InlineData("has space")]
    [InlineData("quote\"d")]
    [InlineData("semi;colon")]
    [InlineData("dash-ed")]
    [InlineData("abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij1234")]
    public void Options_WithBadSchema_NameTheSetting(string schema)
    {
        var problem = Assert.Single(new PostgreSqlStoreOptions { Schema = schema }.Validate());
        Assert.StartsWith("PostgreSqlStoreOptions.Schema", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsePostgreSql_WithDataSource_LeavesItOpen_AndHonoursMigrationsOff()
    {
        var schema = PostgreSqlFixture.NewSchema();
        await using var dataSource = NpgsqlDataSource.Create(fixture.ConnectionString);
        var services = new ServiceCollection();
        services.AddTargetTracking().UsePostgreSql(dataSource, o =>
        {
            o.Schema = schema;
            o.ApplyMigrations = false;
        });
        await using (var provider = services.BuildServiceProvider())
        {
            await HostStart.StartAsync(provider);
        }

        Assert.False(await Db.ScalarAsync<bool>(dataSource, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema));
    }

    [Fact]
    public async Task UsePostgreSql_WithInvalidOptions_FailsAtStart_NamingTheSetting()
    {
        var services = new ServiceCollection();
        services.AddTargetTracking().UsePostgreSql(fixture.ConnectionString, o => o.Schema = "bad schema");
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("PostgreSqlStoreOptions.Schema", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UsePostgreSql_WithEmptyOrMalformedConnectionString_Throws()
    {
        var builder = new ServiceCollection().AddTargetTracking();
        Assert.ThrowsAny<ArgumentException>(() => builder.UsePostgreSql(" "));
        Assert.ThrowsAny<ArgumentException>(() => builder.UsePostgreSql("NoSuchKeyword=1"));
    }

    [Fact]
    public void Repository_WithInvalidOptions_Throws_NamingTheSetting()
    {
        using var dataSource = NpgsqlDataSource.Create(fixture.ConnectionString);
        var error = Assert.Throws<OptionsValidationException>(() => PostgreSqlDialect.CreateStore(dataSource, new PostgreSqlStoreOptions { Schema = "x;y" }));
        Assert.Contains("PostgreSqlStoreOptions.Schema", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StandbyReads_OnADataSourceOfOneHost_AreRefused_SayingToListEveryHost()
    {
        using var dataSource = NpgsqlDataSource.Create(fixture.ConnectionString);
        var error = Assert.Throws<ArgumentException>(() => PostgreSqlDialect.CreateStore(dataSource, new PostgreSqlStoreOptions { StandbyReads = StandbyReads.PreferStandby }));
        Assert.Contains("Host=a,b,c", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(61_000)]
    public void StandbyWait_OutOfRange_IsRefused_NamingTheSetting(int milliseconds)
    {
        var problems = new PostgreSqlStoreOptions { StandbyWait = TimeSpan.FromMilliseconds(milliseconds) }.Validate();
        Assert.Contains(problems, p => p.Contains("PostgreSqlStoreOptions.StandbyWait", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(StandbyReads.PreferStandby)]
    [InlineData(StandbyReads.ReadYourWrites)]
    public async Task StandbyReads_WhenNoHostIsAStandby_ReadOnThePrimary(StandbyReads reads)
    {
        // Two hosts that are both this primary: no standby answers, so the reads that may lag run on the primary, and
        // read-your-writes has nothing to wait for (no replay position on a primary).
        var server = new NpgsqlConnectionStringBuilder(fixture.ConnectionString);
        var hosts = new NpgsqlConnectionStringBuilder(fixture.ConnectionString) { Host = $"{server.Host}:{server.Port},{server.Host}:{server.Port}" };
        await using var dataSource = NpgsqlDataSource.Create(hosts.ConnectionString);
        await using var store = PostgreSqlDialect.CreateStore(dataSource, new PostgreSqlStoreOptions { Schema = $"standby_{Guid.NewGuid():N}", StandbyReads = reads, StandbyWait = TimeSpan.FromSeconds(30) });
        var tracker = new TargetTracker(store, new TargetTrackingOptions());
        var created = (await tracker.CreateAsync(new NewTarget("Acme", Status: "Cold"))).Value!;
        Assert.True((await tracker.ChangeStatusAsync(created.Id, created.Version, "Hot")).IsSuccess);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(2, (await store.GetHistoryAsync(created.Id, new HistoryPageRequest())).Count);
        Assert.Contains(await store.CountAsOfAsync(DateTimeOffset.UtcNow.AddMinutes(1)), c => c is { Status: "Hot", Count: 1 });
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "read-your-writes waited for a replay a primary never makes");
    }

    [Fact]
    public async Task UsePostgreSql_WithEveryHostListed_TakesStandbyReads()
    {
        var server = new NpgsqlConnectionStringBuilder(fixture.ConnectionString);
        var hosts = new NpgsqlConnectionStringBuilder(fixture.ConnectionString) { Host = $"{server.Host}:{server.Port},{server.Host}:{server.Port}" };
        var services = new ServiceCollection();
        services.AddTargetTracking().UsePostgreSql(hosts.ConnectionString, o => (o.Schema, o.StandbyReads) = ($"standby_{Guid.NewGuid():N}", StandbyReads.ReadYourWrites));
        await using var provider = services.BuildServiceProvider();

        var tracker = provider.GetRequiredService<TargetTracker>();
        var created = (await tracker.CreateAsync(new NewTarget("Acme"))).Value!;
        Assert.Single(await provider.GetRequiredService<TargetTracking.Linq2Db.Linq2DbTargetStore>().GetHistoryAsync(created.Id, new HistoryPageRequest()));
    }
}
