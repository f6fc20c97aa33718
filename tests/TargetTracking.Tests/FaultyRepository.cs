using TargetTracking.InMemory;

namespace TargetTracking.Tests;

/// <summary>The in-memory store, with faults injected after chosen saves (the way a dropped connection fails a write).</summary>
internal sealed class FaultyRepository : ITargetRepository, IOperationRepository
{
    private readonly InMemoryTargetRepository _inner = new();
    private int _saves;

    /// <summary>Gets or sets what to throw after the n-th save (1-based) of target changes; <see langword="null"/> for nothing.</summary>
    public Func<int, Exception?> Fault { get; set; } = _ => null;

    /// <summary>Gets or sets what to throw after the n-th commit (1-based) went through: an answer lost on the way back.</summary>
    public Func<int, Exception?> CommitFault { get; set; } = _ => null;

    public int Saves => Volatile.Read(ref _saves);

    private int _commits;

    public Task<Target?> GetAsync(TargetId id, CancellationToken cancellationToken = default) => _inner.GetAsync(id, cancellationToken);

    public Task<TargetPage> QueryAsync(TargetQuery query, CancellationToken cancellationToken = default) => _inner.QueryAsync(query, cancellationToken);

    public Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(TargetId id, HistoryPageRequest page, CancellationToken cancellationToken = default) => _inner.GetHistoryAsync(id, page, cancellationToken);

    public Task<IReadOnlyList<HistoryEntry>> GetHistoryFeedAsync(HistoryFeedRequest request, CancellationToken cancellationToken = default) => _inner.GetHistoryFeedAsync(request, cancellationToken);

    public async Task<ITargetWriteSession> BeginWriteAsync(CancellationToken cancellationToken = default) => new Session(this, await _inner.BeginWriteAsync(cancellationToken));

    public bool IsTransient(Exception exception) => exception is TimeoutException;

    public Task<BulkOperation?> GetOperationAsync(string operationId, CancellationToken cancellationToken = default) => _inner.GetOperationAsync(operationId, cancellationToken);

    public Task<IReadOnlyList<BulkOperation>> FindOperationsAsync(IReadOnlyCollection<OperationStatus> statuses, DateTimeOffset? updatedBefore, int limit, CancellationToken cancellationToken = default) =>
        _inner.FindOperationsAsync(statuses, updatedBefore, limit, cancellationToken);

    public Task<IReadOnlyList<OperationItemFailure>> GetOperationFailuresAsync(string operationId, TargetId? after, int limit, CancellationToken cancellationToken = default) =>
        _inner.GetOperationFailuresAsync(operationId, after, limit, cancellationToken);

    public Task<int> DeleteFinishedOperationsAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken = default) => _inner.DeleteFinishedOperationsAsync(completedBefore, cancellationToken);

    private sealed class Session(FaultyRepository owner, ITargetWriteSession inner) : ITargetWriteSession, IOperationWriteSession
    {
        private IOperationWriteSession Operations => (IOperationWriteSession)inner;

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
