using TargetTracking.Storage;

namespace TargetTracking.Conformance;

/// <summary>
/// Two tenants in every conformance test: a store that keys rows by tenant (<see cref="ITenantStore"/>) is handed to a test
/// as its view in a tenant of its own, after a neighbouring tenant wrote targets (one moved, one deleted), their history,
/// a goal linked to one of them and a pending tracked operation, with ids from the same clock, so the two tenants' rows lie
/// side by side in every table the test reads. Any row of the neighbour a read lets through, or a write touches, breaks
/// the test's own assertions (counts, pages, reports, the feed, integrity).
/// </summary>
public static class Neighbour
{
    /// <summary>The tenant every conformance test runs in.</summary>
    public const string TestTenant = "tenant_under_test";

    /// <summary>The neighbouring tenant.</summary>
    public const string Tenant = "neighbour";

    /// <summary>Creates a store, lets the neighbour write into it, and returns the store seen through the test's tenant.</summary>
    /// <param name="fixture">The store's fixture.</param>
    /// <returns>The view; a store that holds one tenant only is returned as it is.</returns>
    public static async Task<ITargetRepository> CreateRepositoryBesideANeighbourAsync(this IStoreFixture fixture)
    {
        var store = await fixture.CreateRepositoryAsync();
        if (store is not ITenantStore tenants)
        {
            return store;
        }

        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        var neighbour = new TargetTracker(store, new TargetTrackingOptions(), clock).ForTenant(Tenant);
        var who = new AuditContext { ActorId = "neighbour-1", ActorName = "Neighbour" };
        var kept = (await neighbour.CreateAsync(new NewTarget("Neighbour deal", "next door", ["EU", "US"], "Cold"), who)).Value!;
        var gone = (await neighbour.CreateAsync(new NewTarget("Neighbour gone", null, [], "Hot"), who)).Value!;
        clock.Advance(TimeSpan.FromMinutes(5));
        kept = (await neighbour.ChangeStatusAsync(kept.Id, 1, "Hot", who)).Value!;
        await neighbour.DeleteAsync(gone.Id, 1, who);
        var goal = (await new HierarchyTracker(neighbour).CreateAsync(HierarchyKind.Goal, new HierarchyItemFields { Title = "Neighbour goal" }, who)).Value!;
        await new HierarchyTracker(neighbour).LinkAsync(kept.Id, goal.Id, who);
        await new TargetOperations(neighbour).StartAsync(new StartOperationRequest("neighbour-op", "Active", OperationSelection.ForIds([kept.Id])), who);
        return tenants.ForTenant(static () => TestTenant);
    }
}
