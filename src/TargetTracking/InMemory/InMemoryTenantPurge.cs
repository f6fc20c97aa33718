namespace TargetTracking.InMemory;

/// <summary>Deleting a tenant (<see cref="ITenantPurgeStore"/>): the model drops the tenant's partition under the write lock.</summary>
public sealed partial class InMemoryTargetStore : ITenantPurgeStore
{
    /// <inheritdoc />
    public async Task<TenantDeletion> DeleteTenantAsync(TenantDeletion deletion, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(deletion);
        var tenant = _tenant();
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var state = _tenants.Partitions.TryRemove(tenant, out var gone) ? Volatile.Read(ref gone.State) : State.Empty;
            var recorded = deletion with { Tenant = tenant, Targets = state.Targets.Count, HistoryEntries = state.History.Values.Sum(h => (long)h.Count) };
            _tenants.Deletions = _tenants.Deletions.Add(recorded);
            return recorded;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<TenantDeletion>> GetTenantDeletionsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var tenant = _tenant();
        IReadOnlyList<TenantDeletion> deletions = [.. Volatile.Read(ref _tenants.Deletions).Where(d => d.Tenant == tenant)];
        return Task.FromResult(deletions);
    }
}
