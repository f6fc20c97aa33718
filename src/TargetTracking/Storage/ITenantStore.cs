namespace TargetTracking.Storage;

/// <summary>
/// The storage port of tenancy: a store whose every row belongs to a tenant, the tenant leading every key. A store that
/// implements it is seen through one tenant at a time (<see cref="ForTenant"/>): every read, write session, report, feed,
/// integrity check, operation and claim of the view sees and writes that tenant's rows only, and an id of another tenant's
/// row is not found. A store that does not implement it holds one tenant, <see cref="TenantIds.Default"/>.
/// </summary>
public interface ITenantStore
{
    /// <summary>
    /// Returns a view of this store in the tenant <paramref name="tenant"/> gives. The view asks it once at the start of
    /// every member (a write session at its begin, and keeps it to its end); the function may throw
    /// (<see cref="TenantRequiredException"/>), and then nothing is read or written.
    /// </summary>
    /// <param name="tenant">Gives the tenant of the current call; it returns a valid id (<see cref="TenantIds.IsValid"/>).</param>
    /// <returns>The view; it implements every port this store does.</returns>
    ITargetRepository ForTenant(Func<string> tenant);

    /// <summary>
    /// Reads the change feed of every tenant, for the host's own back office: the committed entries after a position, in
    /// feed order, each with its tenant. Positions are shared by all tenants (a tenant's own feed skips the others').
    /// </summary>
    /// <param name="after">The position to read after.</param>
    /// <param name="limit">How many entries at most.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries with their tenants and positions.</returns>
    Task<IReadOnlyList<TenantFeedEntry>> ReadAllTenantsFeedAsync(FeedToken after, int limit, CancellationToken cancellationToken = default);

    /// <summary>Lists the tenants that have targets, for the host's own background work over every tenant (the stagnation monitor).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The tenants, ordered ordinally.</returns>
    Task<IReadOnlyList<string>> FindTenantsWithTargetsAsync(CancellationToken cancellationToken = default);

    /// <summary>Lists the tenants that have tracked operations which are not finished, for a host's operation runner.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The tenants, ordered ordinally.</returns>
    Task<IReadOnlyList<string>> FindTenantsWithOpenOperationsAsync(CancellationToken cancellationToken = default);
}

/// <summary>One entry of the all-tenants change feed.</summary>
/// <param name="Tenant">The tenant whose entry it is.</param>
/// <param name="Entry">The entry and its position.</param>
public sealed record TenantFeedEntry(string Tenant, FeedEntry Entry);
