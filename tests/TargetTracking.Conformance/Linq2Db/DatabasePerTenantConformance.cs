using TargetTracking.Linq2Db;
using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>
/// A database per tenant: each tenant's rows land in its own database and nowhere else, a database is opened and migrated
/// once however many first calls arrive at once, and the API is the one of shared tables (the accessor, <c>ForTenant</c>).
/// </summary>
public abstract class DatabasePerTenantConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : DatabasePerTenantFixture
{
    private static readonly AuditContext Who = new() { ActorId = "u-1", ActorName = "Alice" };

    private static readonly string[] TenantTables = [Tables.Targets, Tables.History, Tables.Stays, Tables.HierarchyItems, Tables.Links, Tables.HierarchyHistory, Tables.Operations];

    protected TFixture Fixture { get; } = fixture;

    [Fact]
    public async Task EachTenantsRows_LandOnlyInItsOwnDatabase()
    {
        var store = Fixture.Create();
        var accessor = new Accessor();
        var tracker = new TargetTracker(store, new TargetTrackingOptions { Tenancy = { Required = true } }, tenantAccessor: accessor);
        foreach (var (tenant, count) in new[] { ("acme", 2), ("globex", 1) })
        {
            accessor.Tenant = tenant;
            for (var i = 0; i < count; i++)
            {
                var target = (await tracker.CreateAsync(new NewTarget($"{tenant} {i}", null, ["EU"], "Cold"), Who)).Value!;
                Assert.True((await tracker.ChangeStatusAsync(target.Id, 1, "Active", Who)).IsSuccess);
                var goal = (await new HierarchyTracker(tracker).CreateAsync(HierarchyKind.Goal, new HierarchyItemFields { Title = $"{tenant} goal {i}" }, Who)).Value!;
                Assert.Equal(BulkItemState.Applied, (await new HierarchyTracker(tracker).LinkAsync(target.Id, goal.Id, Who)).State);
            }

            Assert.True((await new TargetOperations(tracker).StartAsync(new StartOperationRequest($"op-{tenant}", "Hot", OperationSelection.Where(new TargetQuery())), Who)).IsSuccess);
        }

        foreach (var (tenant, count) in new[] { ("acme", 2), ("globex", 1) })
        {
            foreach (var table in TenantTables)
            {
                var rows = await Fixture.TenantsOfRowsAsync(store, tenant, table);
                Assert.Equal([tenant], rows.Keys);
            }

            Assert.Equal(count, (await Fixture.TenantsOfRowsAsync(store, tenant, Tables.Targets))[tenant]);
            accessor.Tenant = tenant;
            Assert.Equal((await StoreContents.HistoryAsync(tracker)).Count, (await Fixture.TenantsOfRowsAsync(store, tenant, Tables.History))[tenant]);
            Assert.Equal(count, (await tracker.QueryAsync()).TotalCount);
        }

        // The default tenant's database was never opened: no call named it.
        Assert.Equal(0, Fixture.TimesOpened(store, TenantIds.Default));
        Assert.Equal(["acme", "globex"], await store.FindTenantsWithOpenOperationsAsync());
    }

    [Fact]
    public async Task FirstCallsAtOnce_OpenAndMigrateTheDatabaseOnce()
    {
        var store = Fixture.Create();
        var tracker = new TargetTracker(store, new TargetTrackingOptions()).ForTenant("initech");
        var before = Fixture.Log.Events.Count(e => e.EventId.Id == 100);

        var created = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => tracker.CreateAsync(new NewTarget($"first {i}", null, []), Who)));

        Assert.All(created, c => Assert.True(c.IsSuccess));
        Assert.Equal(1, Fixture.TimesOpened(store, "initech"));
        Assert.Equal(8, (await tracker.QueryAsync()).TotalCount);
        var versions = await store.DatabaseOf("initech").Migrations.GetAppliedVersionsAsync();
        Assert.Equal(store.DatabaseOf("initech").Migrations.LatestVersion, versions[^1]);

        // Each migration was applied (and logged) once for the new database.
        var applied = Fixture.Log.Events.Where(e => e.EventId.Id == 100).Skip(before).Select(e => e.Values["Migration"]).ToList();
        Assert.Equal(versions.Count, applied.Count);
        Assert.Equal(applied.Distinct().Count(), applied.Count);
    }

    [Fact]
    public async Task AllTenantsFeed_IsNotOffered_EachTenantReadsItsOwn()
    {
        var store = Fixture.Create();
        var tracker = new TargetTracker(store, new TargetTrackingOptions());
        var created = (await tracker.ForTenant("acme").CreateAsync(new NewTarget("a", null, []), Who)).Value!;

        var refused = await Assert.ThrowsAsync<NotSupportedException>(() => new ChangeFeed(tracker).ReadAllTenantsAsync());
        Assert.Contains("database per tenant", refused.Message, StringComparison.Ordinal);
        Assert.Equal(created.Id, Assert.Single((await new ChangeFeed(tracker.ForTenant("acme")).ReadAsync()).Entries).Entry.TargetId);
    }

    private sealed class Accessor : ITenantAccessor
    {
        public string? Tenant { get; set; }
    }
}
