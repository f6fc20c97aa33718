using LinqToDB.Data;

namespace TargetTracking.Linq2Db;

/// <summary>
/// The hierarchy seen from inside a host's open transaction: a <see cref="HierarchyTracker"/> over a tracker made with
/// <see cref="TargetTracker.WithRepository"/> reads through the host's connection and writes items, links and their
/// history in the host's transaction (the write sessions are the target ones, which keep the hierarchy too), so a host
/// rollback takes a link and its history entry away together.
/// </summary>
internal sealed partial class HostTransactionStore : IHierarchyStore
{
    public Task<HierarchyItem?> GetItemAsync(Guid id, CancellationToken cancellationToken = default) =>
        OnHostAsync(db => store.GetItemAsync(db, id, cancellationToken));

    public Task<HierarchyItemPage> QueryItemsAsync(HierarchyQuery query, CancellationToken cancellationToken = default) =>
        OnHostAsync(db => store.QueryItemsAsync(db, query, cancellationToken));

    public Task<IReadOnlyList<HierarchyHistoryEntry>> GetItemHistoryAsync(Guid id, HistoryPageRequest page, CancellationToken cancellationToken = default) =>
        OnHostAsync(db => store.GetItemHistoryAsync(db, id, page, cancellationToken));

    public Task<TargetPage> GetOutcomesAsync(Guid itemId, int skip, int take, CancellationToken cancellationToken = default) =>
        OnHostAsync(db => store.GetOutcomesAsync(db, itemId, skip, take, cancellationToken));

    public Task<OutcomeTreePage> GetOutcomeTreeAsync(Guid itemId, int skip, int take, CancellationToken cancellationToken = default) =>
        OnHostAsync(db => store.GetOutcomeTreeAsync(db, itemId, skip, take, cancellationToken));

    public Task<HierarchyItemPage> GetRelatedItemsAsync(Guid itemId, HierarchyKind kind, int skip, int take, CancellationToken cancellationToken = default) =>
        OnHostAsync(db => store.GetRelatedItemsAsync(db, itemId, kind, skip, take, cancellationToken));

    public Task<IReadOnlyList<LinkedItem>> GetItemsOfOutcomesAsync(IReadOnlyCollection<TargetId> targetIds, CancellationToken cancellationToken = default) =>
        OnHostAsync(db => store.GetItemsOfOutcomesAsync(db, targetIds, cancellationToken));

    public Task<HierarchyItemPage> GetOrphansAsync(HierarchyKind kind, int skip, int take, CancellationToken cancellationToken = default) =>
        OnHostAsync(db => store.GetOrphansAsync(db, kind, skip, take, cancellationToken));

    public Task<IReadOnlyList<StatusTally>> TallyAsync(HierarchyKind kind, IReadOnlyCollection<Guid> itemIds, CancellationToken cancellationToken = default) =>
        OnHostAsync(db => store.TallyAsync(db, kind, itemIds, cancellationToken));

    /// <summary>Runs a read on a connection over the host's transaction (linq2db does not own it: disposing leaves it open).</summary>
    private async Task<T> OnHostAsync<T>(Func<DataConnection, Task<T>> read)
    {
        using var db = new DataConnection(hostTransaction);
        return await read(db).ConfigureAwait(false);
    }
}
