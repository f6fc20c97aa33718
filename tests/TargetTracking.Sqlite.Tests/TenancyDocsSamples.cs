using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TargetTracking.Conformance;
using TargetTracking.Linq2Db;

namespace TargetTracking.Sqlite.Tests;

/// <summary>The database-per-tenant code shown in docs/tenancy.md, compiled and run; the page must show it verbatim.</summary>
public sealed class TenancyDocsSamples : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "tt-tenancy-docs-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task DatabasePerTenant_OneSqliteFilePerTenant()
    {
        var services = new ServiceCollection();
        Directory.CreateDirectory(_dataDirectory);

        #region sample_tenancy_database_per_tenant
        var folder = Path.Combine(_dataDirectory, "tenants");   // one SQLite file per tenant, created on its first call
        Directory.CreateDirectory(folder);
        services.AddTargetTracking(options => options.Tenancy.Required = true)
            .UseDatabasePerTenant(SqliteDialect.Create(), (sp, tenant) => SqliteDialect.CreateStore(
                new SqliteStoreOptions { ConnectionString = $"Data Source={Path.Combine(folder, tenant + ".db")}" }));
        // PostgreSQL, a schema per tenant: (sp, tenant) => PostgreSqlDialect.CreateStore(dataSource, new() { Schema = "t_" + tenant })
        #endregion

        await using var provider = services.BuildServiceProvider();
        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None); // opens no database: each opens (and migrates) on its tenant's first call
        }

        Assert.Empty(Directory.GetFiles(folder));
        var tracker = provider.GetRequiredService<TargetTracker>();
        var deal = (await tracker.ForTenant("acme").CreateAsync(new NewTarget("Valves deal", null, ["EU"], "Cold"))).Value!;
        Assert.True(File.Exists(Path.Combine(folder, "acme.db")));
        Assert.False(File.Exists(Path.Combine(folder, "globex.db")));
        Assert.IsType<NotFoundError>((await tracker.ForTenant("globex").GetAsync(deal.Id)).Error);
        Assert.True(File.Exists(Path.Combine(folder, "globex.db")));
        await Assert.ThrowsAsync<TenantRequiredException>(() => tracker.GetAsync(deal.Id));
    }

    [Theory]
    [InlineData("sample_tenancy_database_per_tenant")]
    public void TheDocsShowTheSamplesVerbatim(string region) => DocSync.AssertShown("TenancyDocsSamples.cs.txt", "tenancy.md", region);

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}
