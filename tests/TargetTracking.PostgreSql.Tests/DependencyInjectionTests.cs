using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace TargetTracking.PostgreSql.Tests;

public sealed class DependencyInjectionTests(PostgreSqlFixture fixture) : IClassFixture<PostgreSqlFixture>
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
    public async Task UseLinq2Db_WithTheHostsDataOptions_MigratesAtStart_AndServesTheTracker()
    {
        var schema = PostgreSqlFixture.NewSchema();
        var services = new ServiceCollection();
        services.AddTargetTracking().UseLinq2Db(PostgreSqlDialect.Options(fixture.DataSource), PostgreSqlDialect.Create(schema));
        await using var provider = services.BuildServiceProvider();

        await StartAsync(provider);

        Assert.Equal(PostgreSqlSchema.EmbeddedMigrations.Count, await Db.ScalarAsync<int>(fixture.DataSource, $"SELECT max(version) FROM \"{schema}\".target_tracking_migrations"));
        var store = Assert.IsType<Linq2DbTargetStore>(provider.GetRequiredService<ITargetRepository>());
        Assert.Equal("PostgreSQL", store.Dialect.Name);
        Assert.True((await provider.GetRequiredService<TargetTracker>().CreateAsync(new NewTarget("Through linq2db"))).IsSuccess);
        Assert.Equal("Through linq2db", await Db.ScalarAsync<string>(fixture.DataSource, $"SELECT name FROM \"{schema}\".targets"));
    }

    [Fact]
    public async Task UsePostgreSql_WithConnectionString_MigratesAtStart_AndServesTheTracker()
    {
        var schema = PostgreSqlFixture.NewSchema();
        var services = new ServiceCollection();
        services.AddTargetTracking().UsePostgreSql(fixture.ConnectionString, o => o.Schema = schema);
        await using var provider = services.BuildServiceProvider();

        await StartAsync(provider);
        var version = await Db.ScalarAsync<int>(fixture.DataSource, $"SELECT max(version) FROM \"{schema}\".target_tracking_migrations");
        Assert.Equal(PostgreSqlSchema.EmbeddedMigrations.Count, version);

        var tracker = provider.GetRequiredService<TargetTracker>();
        var created = await tracker.CreateAsync(new NewTarget("Via DI"));
        Assert.True(created.IsSuccess);
        Assert.IsType<Linq2DbTargetStore>(provider.GetRequiredService<ITargetRepository>());
        Assert.Equal(schema, provider.GetRequiredService<Linq2DbTargetStore>().Schema);
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
            await StartAsync(provider);
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
}
