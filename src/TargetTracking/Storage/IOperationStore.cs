namespace TargetTracking.Storage;

/// <summary>
/// The storage port for tracked operations, implemented by stores that support them (the store's
/// <see cref="ITargetRepository"/> implements this too, and its write sessions implement
/// <see cref="IOperationWriteSession"/>, so a batch and its progress commit in one transaction).
/// </summary>
public interface IOperationStore
{
    /// <summary>Reads an operation.</summary>
    /// <param name="operationId">The operation.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The operation, or <see langword="null"/>.</returns>
    Task<BulkOperation?> GetOperationAsync(string operationId, CancellationToken cancellationToken = default);

    /// <summary>Finds operations in the given statuses, oldest update first.</summary>
    /// <param name="statuses">The statuses to match.</param>
    /// <param name="updatedBefore">Only operations last updated before this time; <see langword="null"/> for any.</param>
    /// <param name="limit">How many at most.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The operations.</returns>
    Task<IReadOnlyList<BulkOperation>> FindOperationsAsync(IReadOnlyCollection<OperationStatus> statuses, DateTimeOffset? updatedBefore, int limit, CancellationToken cancellationToken = default);

    /// <summary>Reads the failed items of an operation, in target id order.</summary>
    /// <param name="operationId">The operation.</param>
    /// <param name="after">Only failures of targets after this one (keyset).</param>
    /// <param name="limit">How many at most.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The failures.</returns>
    Task<IReadOnlyList<OperationItemFailure>> GetOperationFailuresAsync(string operationId, TargetId? after, int limit, CancellationToken cancellationToken = default);

    /// <summary>Removes finished operations (completed, failed, cancelled) that ended before a time, with their items and failures. History stays.</summary>
    /// <param name="completedBefore">The cut-off.</param>
    /// <param name="cancellationToken">Cancels the removal.</param>
    /// <returns>How many operations were removed.</returns>
    Task<int> DeleteFinishedOperationsAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken = default);
}

/// <summary>The operation part of a write session; every call joins the session's transaction.</summary>
public interface IOperationWriteSession
{
    /// <summary>
    /// Inserts a new operation and fixes its selection: the matching target ids are stored with it
    /// (set-based, in the store), so batches stream them by keyset and memory does not grow with the selection.
    /// </summary>
    /// <param name="operation">The operation, <see cref="OperationStatus.Pending"/>.</param>
    /// <param name="selection">The ids, or a normalized filter.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>How many targets were selected; <see langword="null"/> when an operation with this id exists already (nothing was written).</returns>
    Task<long?> CreateOperationAsync(BulkOperation operation, OperationSelection selection, CancellationToken cancellationToken = default);

    /// <summary>Reads an operation and locks it until the session ends, so two runners never process the same batch.</summary>
    /// <param name="operationId">The operation.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The operation, or <see langword="null"/>.</returns>
    Task<BulkOperation?> LockOperationAsync(string operationId, CancellationToken cancellationToken = default);

    /// <summary>Reads the next selected target ids, in id order, after a cursor.</summary>
    /// <param name="operationId">The operation.</param>
    /// <param name="after">The last processed id; <see langword="null"/> from the start.</param>
    /// <param name="limit">How many at most.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The ids.</returns>
    Task<IReadOnlyList<TargetId>> ReadOperationItemsAsync(string operationId, TargetId? after, int limit, CancellationToken cancellationToken = default);

    /// <summary>Updates the operation's row and appends item failures.</summary>
    /// <param name="operation">The operation as it is after this unit of work.</param>
    /// <param name="failures">Failures to append.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when written (not yet committed).</returns>
    Task SaveOperationAsync(BulkOperation operation, IReadOnlyList<OperationItemFailure> failures, CancellationToken cancellationToken = default);
}
