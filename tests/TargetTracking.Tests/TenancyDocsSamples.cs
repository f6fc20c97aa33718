using Microsoft.Extensions.DependencyInjection;
using TargetTracking.Conformance;

namespace TargetTracking.Tests;

/// <summary>The code shown in docs/tenancy.md, compiled and run, and checked verbatim against the page.</summary>
public sealed class TenancyDocsSamples
{
    #region sample_tenancy_accessor_type
    // The host's own accessor: here the tenant of the current request, set by its middleware.
    public sealed class RequestTenant : ITenantAccessor
    {
        private static readonly AsyncLocal<string?> Current = new();

        public string? Tenant => Current.Value;

        public static void Set(string? tenant) => Current.Value = tenant;
    }
    #endregion

    [Fact]
    public async Task TenantPerCall_FromTheHostsAccessor()
    {
        #region sample_tenancy_accessor
        var services = new ServiceCollection();
        services.AddSingleton<ITenantAccessor, RequestTenant>();
        services.AddTargetTracking(options => options.Tenancy.Required = true).UseInMemory();
        await using var provider = services.BuildServiceProvider();
        var tracker = provider.GetRequiredService<TargetTracker>();

        RequestTenant.Set("acme");                       // a request of Acme's
        var deal = (await tracker.CreateAsync(new NewTarget("Valves deal", null, ["EU"], "Cold"))).Value!;

        RequestTenant.Set("globex");                     // a request of Globex's: Acme's id is not found
        var probe = await tracker.GetAsync(deal.Id);     // NotFoundError, exactly as for a missing id

        RequestTenant.Set(null);                         // no tenant: TenantRequiredException, never "all tenants"
        #endregion

        Assert.IsType<NotFoundError>(probe.Error);
        await Assert.ThrowsAsync<TenantRequiredException>(() => tracker.GetAsync(deal.Id));
        RequestTenant.Set("acme");
        Assert.Equal(deal.Id, (await tracker.GetAsync(deal.Id)).Value!.Id);

        // The façades DI builds resolve the tenant per call too.
        Assert.Single((await provider.GetRequiredService<ChangeFeed>().ReadAsync()).Entries);
        RequestTenant.Set("globex");
        Assert.Empty((await provider.GetRequiredService<ChangeFeed>().ReadAsync()).Entries);
        RequestTenant.Set(null);
    }

    [Fact]
    public async Task PinnedTracker_AndTheBackOfficeFeed()
    {
        var services = new ServiceCollection();
        services.AddTargetTracking().UseInMemory();
        await using var provider = services.BuildServiceProvider();

        #region sample_tenancy_pinned
        var tracker = provider.GetRequiredService<TargetTracker>();
        var acme = tracker.ForTenant("acme");            // every call of acme, and of what is built on it, is Acme's
        var created = await acme.CreateAsync(new NewTarget("Valves deal", null, ["EU"], "Cold"));
        var reports = new TargetReports(acme);           // Acme's reports, Acme's hierarchy, Acme's operations…
        var hierarchy = new HierarchyTracker(acme);
        var operations = provider.GetRequiredService<TargetOperations>().ForTenant("acme");
        #endregion

        #region sample_tenancy_back_office
        // The host's own back office, never a tenant's user: every tenant's entries, each with its tenant.
        var everyTenant = await provider.GetRequiredService<ChangeFeed>().ReadAllTenantsAsync(limit: 100);
        foreach (var item in everyTenant)
        {
            Console.WriteLine($"{item.Tenant} {item.Entry.Entry.TargetId} {item.Entry.Entry.Action}");
        }
        #endregion

        Assert.True(created.IsSuccess);
        Assert.Empty((await tracker.QueryAsync()).Items);   // the default tenant holds none of Acme's rows
        Assert.Single(await reports.CountAsOfAsync(created.Value!.CreatedAt.AddSeconds(1)));
        Assert.Empty((await hierarchy.GetItemsOfOutcomeAsync(created.Value!.Id)));
        Assert.Empty(await operations.FindRunnableAsync());
        Assert.Equal("acme", Assert.Single(everyTenant).Tenant);
    }

    [Fact]
    public async Task ExportOfATenant_AsJsonLines()
    {
        var services = new ServiceCollection();
        services.AddTargetTracking().UseInMemory();
        await using var provider = services.BuildServiceProvider();
        var tracker = provider.GetRequiredService<TargetTracker>();
        await tracker.ForTenant("acme").CreateAsync(new NewTarget("Valves deal", null, ["EU"], "Cold"));
        var path = Path.Combine(Path.GetTempPath(), $"tt-export-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        try
        {
            #region sample_tenancy_export
            await using (var file = File.Create(Path.Combine(path, "acme.jsonl")))
            {
                // One JSON object per line: {"kind":"target","data":{…}}, then history, goals…, operations; one page in memory at a time.
                var rows = await new TenantExport(tracker.ForTenant("acme")).WriteJsonLinesAsync(file);
                Console.WriteLine($"Exported {rows} rows of acme");
            }
            #endregion

            var lines = await File.ReadAllLinesAsync(Path.Combine(path, "acme.jsonl"));
            Assert.Equal([TenantRecordKinds.Target, TenantRecordKinds.History], lines.Select(l => TenantExport.ParseLine(l).Kind));

            #region sample_tenancy_delete
            // After the export: every row of acme goes, in one transaction, through the privileged purge path.
            var back = new AuditContext { ActorId = "ops-7", ActorName = "Back office", CorrelationId = "ticket-4711" };
            var deletion = await new TenantPurge(tracker.ForTenant("acme")).DeleteAsync("Contract ended 2026-11-30", back);
            Console.WriteLine($"Deleted {deletion.Targets} targets and {deletion.HistoryEntries} history entries of {deletion.Tenant}");

            // The record outlives the tenant's data, outside it; a later tenant with the same id sees it.
            var records = await new TenantPurge(tracker.ForTenant("acme")).GetDeletionsAsync();
            #endregion

            Assert.Equal((1L, 1L), (deletion.Targets, deletion.HistoryEntries));
            Assert.Equal("ticket-4711", Assert.Single(records).Audit.CorrelationId);
            Assert.Empty((await tracker.ForTenant("acme").QueryAsync()).Items);
        }
        finally
        {
            Directory.Delete(path, recursive: true);
        }
    }

    [Theory]
    [InlineData("sample_tenancy_accessor_type")]
    [InlineData("sample_tenancy_accessor")]
    [InlineData("sample_tenancy_pinned")]
    [InlineData("sample_tenancy_back_office")]
    [InlineData("sample_tenancy_export")]
    [InlineData("sample_tenancy_delete")]
    public void TheDocsShowTheSamplesVerbatim(string region) => DocSync.AssertShown("TenancyDocsSamples.cs.txt", "tenancy.md", region);
}
