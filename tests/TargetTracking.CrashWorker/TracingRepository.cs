using System.Globalization;

namespace TargetTracking.CrashWorker;

/// <summary>
/// Passes every call to the real store and reports each write session (one per operation batch, one per start)
/// on stdout, so the test can tell whether its kill landed inside a transaction. One session can be made to hang
/// after it has written everything and before it commits: a kill then lands inside that transaction for certain.
/// </summary>
internal sealed class TracingRepository(ITargetRepository inner, int hangAtSession) : ITargetRepository, IOperationStore
{
    private readonly IOperationStore _operations = (IOperationStore)inner;
    private int _sessions;

    public Task<Target?> GetAsync(TargetId id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);

    public Task<TargetPage> QueryAsync(TargetQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);

    public Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(TargetId id, HistoryPageRequest page, CancellationToken cancellationToken = default) =>
        inner.GetHistoryAsync(id, page, cancellationToken);

    public Task<IReadOnlyList<HistoryEntry>> GetHistoryFeedAsync(HistoryFeedRequest request, CancellationToken cancellationToken = default) =>
        inner.GetHistoryFeedAsync(request, cancellationToken);

    public async Task<ITargetWriteSession> BeginWriteAsync(CancellationToken cancellationToken = default)
    {
        var session = await inner.BeginWriteAsync(cancellationToken);
        var number = Interlocked.Increment(ref _sessions);
        Program.Report(string.Create(CultureInfo.InvariantCulture, $"begin {number}"));
        return new TracingSession(session, number, number == hangAtSession);
    }

    public bool IsTransient(Exception exception) => inner.IsTransient(exception);

    public Task<BulkOperation?> GetOperationAsync(string operationId, CancellationToken cancellationToken = default) =>
        _operations.GetOperationAsync(operationId, cancellationToken);

    public Task<IReadOnlyList<BulkOperation>> FindOperationsAsync(IReadOnlyCollection<OperationStatus> statuses, DateTimeOffset? updatedBefore, int limit, CancellationToken cancellationToken = default) =>
        _operations.FindOperationsAsync(statuses, updatedBefore, limit, cancellationToken);

    public Task<IReadOnlyList<OperationItemFailure>> GetOperationFailuresAsync(string operationId, TargetId? after, int limit, CancellationToken cancellationToken = default) =>
        _operations.GetOperationFailuresAsync(operationId, after, limit, cancellationToken);

    public Task<int> DeleteFinishedOperationsAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken = default) =>
        _operations.DeleteFinishedOperationsAsync(completedBefore, cancellationToken);

    private sealed class TracingSession(ITargetWriteSession inner, int number, bool hang) : ITargetWriteSession, IOperationWriteSession
    {
        private readonly IOperationWriteSession _operations = (IOperationWriteSession)inner;

        public Task<IReadOnlyDictionary<TargetId, Target>> LockAsync(IReadOnlyCollection<TargetId> ids, CancellationToken cancellationToken = default) =>
            inner.LockAsync(ids, cancellationToken);

        public Task SaveAsync(ChangeSet changes, CancellationToken cancellationToken = default) => inner.SaveAsync(changes, cancellationToken);

        public async Task CommitAsync(CancellationToken cancellationToken = default)
        {
            if (hang)
            {
                Program.Report(string.Create(CultureInfo.InvariantCulture, $"hang {number}"));
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            await inner.CommitAsync(cancellationToken);
            Program.Report(string.Create(CultureInfo.InvariantCulture, $"committed {number}"));
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();

        public Task<long?> CreateOperationAsync(BulkOperation operation, OperationSelection selection, CancellationToken cancellationToken = default) =>
            _operations.CreateOperationAsync(operation, selection, cancellationToken);

        public Task<BulkOperation?> LockOperationAsync(string operationId, CancellationToken cancellationToken = default) =>
            _operations.LockOperationAsync(operationId, cancellationToken);

        public Task<IReadOnlyList<TargetId>> ReadOperationItemsAsync(string operationId, TargetId? after, int limit, CancellationToken cancellationToken = default) =>
            _operations.ReadOperationItemsAsync(operationId, after, limit, cancellationToken);

        public Task SaveOperationAsync(BulkOperation operation, IReadOnlyList<OperationItemFailure> failures, CancellationToken cancellationToken = default) =>
            _operations.SaveOperationAsync(operation, failures, cancellationToken);
    }
}
