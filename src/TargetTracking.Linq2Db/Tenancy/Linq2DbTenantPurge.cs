using Ardalis.GuardClauses;
using LinqToDB;
using LinqToDB.Async;

namespace TargetTracking.Linq2Db;

/// <summary>
/// Deleting a tenant (<see cref="ITenantPurgeStore"/>): in a write session's transaction, the dialect's privileged purge
/// path (<see cref="DialectWriter.DeleteTenantAsync"/>) empties every table of the tenant and records the deletion in
/// <c>tenant_deletions</c>, which no purge touches.
/// </summary>
public sealed partial class Linq2DbTargetStore : ITenantPurgeStore
{
    /// <inheritdoc />
    public async Task<TenantDeletion> DeleteTenantAsync(TenantDeletion deletion, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(deletion);
        var session = (Linq2DbWriteSession)await BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var db = session.Connection;
            var recorded = deletion with { Tenant = db.TenantOf() };
            var (targets, historyEntries) = await db.DialectOf().Writer.DeleteTenantAsync(db, recorded, cancellationToken).ConfigureAwait(false);
            await session.CommitAsync(cancellationToken).ConfigureAwait(false);
            return recorded with { Targets = targets, HistoryEntries = historyEntries };
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<TenantDeletion>> GetTenantDeletionsAsync(CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<TenantDeletion>>(
            async db => [.. (await db.GetTable<TenantDeletionRecord>().OrderBy(d => d.DeletedAt).ThenBy(d => d.Id).ToListAsync(cancellationToken).ConfigureAwait(false)).Select(d => d.ToDeletion())],
            cancellationToken);
}
