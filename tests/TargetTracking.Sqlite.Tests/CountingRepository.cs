namespace TargetTracking.Sqlite.Tests;

/// <summary>Passes everything to a store and records what the core learned about its failures.</summary>
internal sealed class CountingRepository(ITargetRepository inner) : ITargetRepository
{
    private int _transient;

    public TaskCompletionSource FirstTransient { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int TransientFailures => Volatile.Read(ref _transient);

    public Task<Target?> GetAsync(TargetId id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);

    public Task<TargetPage> QueryAsync(TargetQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);

    public Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(TargetId id, HistoryPageRequest page, CancellationToken cancellationToken = default) =>
        inner.GetHistoryAsync(id, page, cancellationToken);

    public Task<IReadOnlyList<HistoryEntry>> GetHistoryFeedAsync(HistoryFeedRequest request, CancellationToken cancellationToken = default) =>
        inner.GetHistoryFeedAsync(request, cancellationToken);

    public Task<ITargetWriteSession> BeginWriteAsync(CancellationToken cancellationToken = default) => inner.BeginWriteAsync(cancellationToken);

    public bool IsTransient(Exception exception)
    {
        var transient = inner.IsTransient(exception);
        if (transient)
        {
            Interlocked.Increment(ref _transient);
            FirstTransient.TrySetResult();
        }

        return transient;
    }
}
