namespace TargetTracking.Storage;

/// <summary>
/// The storage port of deleting a tenant: every row of the view's tenant removed in one transaction through the store's
/// privileged purge path (the only way its append-only history can go), and the deletion recorded outside the tenant's data,
/// in a log no purge removes.
/// </summary>
public interface ITenantPurgeStore
{
    /// <summary>
    /// Deletes every row of the current call's tenant (asked once) and records <paramref name="deletion"/>, with the counts of
    /// targets and history entries removed, in the same transaction: all of it or nothing.
    /// </summary>
    /// <param name="deletion">The record of the deletion; its tenant and counts are the store's to fill in.</param>
    /// <param name="cancellationToken">Cancels the deletion before it commits.</param>
    /// <returns>The deletion as recorded.</returns>
    Task<TenantDeletion> DeleteTenantAsync(TenantDeletion deletion, CancellationToken cancellationToken = default);

    /// <summary>Reads the recorded deletions of the current call's tenant, oldest first (a tenant id deleted and used again has several).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The deletions.</returns>
    Task<IReadOnlyList<TenantDeletion>> GetTenantDeletionsAsync(CancellationToken cancellationToken = default);
}
