using TargetTracking.InMemory;

namespace TargetTracking.Tests;

/// <summary>The in-memory store, with faults injected after chosen saves (the way a dropped connection fails a write).</summary>
internal sealed class FaultyRepository : ITargetRepository, IOperationStore, IHierarchyStore
{
    private readonly InMemoryTargetStore _inner = new();
    private int _saves;

    /// <summary>Gets or sets what to throw after the n-th save (1-based) of target changes; <see langword="null"/> for nothing.</summary>
    public Func<int, Exception?> Fault { get; set; } = _ => null;

    /// <summary>Gets or sets what to throw after the n-th commit (1-based) went through: an answer lost on the way back.</summary>
    public Func<int, Exception?> CommitFault { get; set; } = _ => null;

    /// <summary>Gets or sets what every read throws (the store is down for reads); <see langword="null"/> for nothing.</summary>
    public Func<Exception?> ReadFault { get; set; } = () => null;

    /// <summary>Gets or sets what beginning a write session throws (the store is down); <see langword="null"/> for nothing.</summary>
    public Func<Exception?> BeginFault { get; set; } = () => null;

    /// <summary>Gets how many reads were attempted.</summary>
    public int Reads => Volatile.Read(ref _reads);

    private int _reads;

    public int Saves => Volatile.Read(ref _saves);

    private T Read<T>(Func<T> read)
    {
        Interlocked.Increment(ref _reads);
        return ReadFault() is { } fault ? throw fault : read();
    }

    private int _commits;

    public int Commits => Volatile.Read(ref _commits);

    public Task<Target?> GetAsync(TargetId id, CancellationToken cancellationToken = default) => Read(() => _inner.GetAsync(id, cancellationToken));

    public Task<TargetPage> QueryAsync(TargetQuery query, CancellationToken cancellationToken = default) => Read(() => _inner.QueryAsync(query, cancellationToken));

    public Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(TargetId id, HistoryPageRequest page, CancellationToken cancellationToken = default) => Read(() => _inner.GetHistoryAsync(id, page, cancellationToken));

    public Task<IReadOnlyList<HistoryEntry>> GetHistoryFeedAsync(HistoryFeedRequest request, CancellationToken cancellationToken = default) => Read(() => _inner.GetHistoryFeedAsync(request, cancellationToken));

    public Task<IReadOnlyList<StatusCount>> CountByStatusAsync(CancellationToken cancellationToken = default) => Read(() => _inner.CountByStatusAsync(cancellationToken));

    public async Task<ITargetWriteSession> BeginWriteAsync(CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _sessions);
        return BeginFault() is { } fault ? throw fault : new Session(this, await _inner.BeginWriteAsync(cancellationToken));
    }

    /// <summary>Gets how many write sessions were begun (a guarded change runs in one of its own here).</summary>
    public int Sessions => Volatile.Read(ref _sessions);

    private int _sessions;

    /// <summary>Gets how many guarded status changes were asked for.</summary>
    public int GuardedChanges => Volatile.Read(ref _guarded);

    private int _guarded;

    /// <summary>Applies a guarded change in a write session of this store, so the session's faults apply to it too.</summary>
    public async Task<Target?> TryChangeStatusAsync(GuardedStatusChange change, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _guarded);
        var session = await BeginWriteAsync(cancellationToken);
        await using (session)
        {
            return await change.ApplyAsync(session, cancellationToken);
        }
    }

    public bool IsTransient(Exception exception) => exception is TimeoutException or IOException;

    public Task<BulkOperation?> GetOperationAsync(string operationId, CancellationToken cancellationToken = default) => Read(() => _inner.GetOperationAsync(operationId, cancellationToken));

    public Task<IReadOnlyList<BulkOperation>> FindOperationsAsync(IReadOnlyCollection<OperationStatus> statuses, DateTimeOffset? updatedBefore, int limit, CancellationToken cancellationToken = default) =>
        Read(() => _inner.FindOperationsAsync(statuses, updatedBefore, limit, cancellationToken));

    public Task<IReadOnlyList<OperationItemFailure>> GetOperationFailuresAsync(string operationId, TargetId? after, int limit, CancellationToken cancellationToken = default) =>
        Read(() => _inner.GetOperationFailuresAsync(operationId, after, limit, cancellationToken));

    public Task<int> DeleteFinishedOperationsAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken = default) => _inner.DeleteFinishedOperationsAsync(completedBefore, cancellationToken);

    public Task<HierarchyItem?> GetItemAsync(Guid id, CancellationToken cancellationToken = default) => Read(() => _inner.GetItemAsync(id, cancellationToken));

    public Task<HierarchyItemPage> QueryItemsAsync(HierarchyQuery query, CancellationToken cancellationToken = default) => Read(() => _inner.QueryItemsAsync(query, cancellationToken));

    public Task<IReadOnlyList<HierarchyHistoryEntry>> GetItemHistoryAsync(Guid id, HistoryPageRequest page, CancellationToken cancellationToken = default) =>
        Read(() => _inner.GetItemHistoryAsync(id, page, cancellationToken));

    public Task<TargetPage> GetOutcomesAsync(Guid itemId, int skip, int take, CancellationToken cancellationToken = default) => Read(() => _inner.GetOutcomesAsync(itemId, skip, take, cancellationToken));

    public Task<OutcomeTreePage> GetOutcomeTreeAsync(Guid itemId, int skip, int take, CancellationToken cancellationToken = default) =>
        Read(() => _inner.GetOutcomeTreeAsync(itemId, skip, take, cancellationToken));

    public Task<HierarchyItemPage> GetRelatedItemsAsync(Guid itemId, HierarchyKind kind, int skip, int take, CancellationToken cancellationToken = default) =>
        Read(() => _inner.GetRelatedItemsAsync(itemId, kind, skip, take, cancellationToken));

    public Task<IReadOnlyList<LinkedItem>> GetItemsOfOutcomesAsync(IReadOnlyCollection<TargetId> targetIds, CancellationToken cancellationToken = default) =>
        Read(() => _inner.GetItemsOfOutcomesAsync(targetIds, cancellationToken));

    public Task<HierarchyItemPage> GetOrphansAsync(HierarchyKind kind, int skip, int take, CancellationToken cancellationToken = default) => Read(() => _inner.GetOrphansAsync(kind, skip, take, cancellationToken));

    public Task<IReadOnlyList<StatusTally>> TallyAsync(HierarchyKind kind, IReadOnlyCollection<Guid> itemIds, CancellationToken cancellationToken = default) =>
        Read(() => _inner.TallyAsync(kind, itemIds, cancellationToken));

    private sealed class Session(FaultyRepository owner, ITargetWriteSession inner) : IHierarchyWriteSession, IOperationWriteSession
    {
        private IOperationWriteSession Operations => (IOperationWriteSession)inner;

        private IHierarchyWriteSession Hierarchy => (IHierarchyWriteSession)inner;

        public Task<IReadOnlyDictionary<Guid, HierarchyItem>> LockItemsAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken = default) => Hierarchy.LockItemsAsync(ids, cancellationToken);

        public Task<IReadOnlyList<OutcomeLink>> ReadLinksAsync(IReadOnlyCollection<TargetId> targetIds, IReadOnlyCollection<Guid> itemIds, CancellationToken cancellationToken = default) =>
            Hierarchy.ReadLinksAsync(targetIds, itemIds, cancellationToken);

        public Task SaveHierarchyAsync(HierarchyChangeSet changes, CancellationToken cancellationToken = default) => Hierarchy.SaveHierarchyAsync(changes, cancellationToken);

        public Task<IReadOnlyDictionary<TargetId, Target>> LockAsync(IReadOnlyCollection<TargetId> ids, CancellationToken cancellationToken = default) => inner.LockAsync(ids, cancellationToken);

        public async Task SaveAsync(ChangeSet changes, CancellationToken cancellationToken = default)
        {
            await inner.SaveAsync(changes, cancellationToken);
            if (owner.Fault(Interlocked.Increment(ref owner._saves)) is { } fault)
            {
                throw fault;
            }
        }

        public async Task CommitAsync(CancellationToken cancellationToken = default)
        {
            await inner.CommitAsync(cancellationToken);
            if (owner.CommitFault(Interlocked.Increment(ref owner._commits)) is { } fault)
            {
                throw fault;
            }
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();

        public Task<long?> CreateOperationAsync(BulkOperation operation, OperationSelection selection, CancellationToken cancellationToken = default) => Operations.CreateOperationAsync(operation, selection, cancellationToken);

        public Task<BulkOperation?> LockOperationAsync(string operationId, CancellationToken cancellationToken = default) => Operations.LockOperationAsync(operationId, cancellationToken);

        public Task<IReadOnlyList<TargetId>> ReadOperationItemsAsync(string operationId, TargetId? after, int limit, CancellationToken cancellationToken = default) =>
            Operations.ReadOperationItemsAsync(operationId, after, limit, cancellationToken);

        public Task SaveOperationAsync(BulkOperation operation, IReadOnlyList<OperationItemFailure> failures, CancellationToken cancellationToken = default) =>
            Operations.SaveOperationAsync(operation, failures, cancellationToken);
    }
}
