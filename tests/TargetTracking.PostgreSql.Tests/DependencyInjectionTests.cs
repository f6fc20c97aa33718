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
}
