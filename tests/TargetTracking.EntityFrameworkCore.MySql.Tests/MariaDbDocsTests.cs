using Microsoft.Extensions.DependencyInjection;
using TargetTracking.Conformance;
using TargetTracking.MySql.Tests;

namespace TargetTracking.EntityFrameworkCore.Tests;

/// <summary>docs/efcore.md shows the MariaDB sample, and a host registered as it shows commits a change with its invoice.</summary>
public sealed class MariaDbDocsTests
{
    [Fact]
    public void EfCorePage_ShowsTheMariaDbSample() => DocSync.AssertShown("MariaDbDocsSamples.cs.txt", "efcore.md", "sample_efcore_mariadb");

    [Fact]
    public async Task TheSamplesRegistration_CommitsAnInvoiceAndAStatusChange_Together()
    {
        var connectionString = await MariaDbServer.CreateDatabaseAsync();
        var services = new ServiceCollection();
        var options = MariaDbDocsSamples.Register(services, connectionString);
        await using var provider = services.BuildServiceProvider();
        var tracker = provider.GetRequiredService<TargetTracker>();
        await provider.GetRequiredService<TargetTracking.Linq2Db.Linq2DbTargetStore>().InitializeAsync();
        ShopContext NewContext() => new(options, schema: null);
        await EfDatabases.CreateHostTablesAsync(NewContext);
        var deal = (await tracker.CreateAsync(new NewTarget("Acme", Status: "Hot"))).Value!;

        var closed = await DocsSamples.CloseWithInvoiceAsync(
            NewContext, provider.GetRequiredService<DbContextTargetTracking>(), deal.Id, deal.Version, new Invoice { DealId = deal.Id.Value, Number = "INV-1", Amount = 12.5m });

        Assert.True(closed.IsSuccess);
        Assert.Equal("Closed", (await tracker.GetAsync(deal.Id)).Value!.Status);
        await using var db = NewContext();
        Assert.Equal(1, db.Invoices.Count(i => i.DealId == deal.Id.Value));
    }
}
