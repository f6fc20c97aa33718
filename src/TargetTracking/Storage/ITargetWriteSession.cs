namespace TargetTracking.Storage;

/// <summary>
/// One unit of work against a store: lock the rows to change, then save the decided changes and their
/// history in one transaction. Disposing without <see cref="CommitAsync"/> rolls everything back.
/// </summary>
public interface ITargetWriteSession : IAsyncDisposable
{
    /// <summary>
    /// Reads the current state of the given targets and locks them until the session ends, so no other
    /// writer can change them in between (<c>SELECT … FOR UPDATE</c> or a write lock).
    /// </summary>
    /// <param name="ids">The targets, without duplicates.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The targets that exist, by id.</returns>
    Task<IReadOnlyDictionary<TargetId, Target>> LockAsync(IReadOnlyCollection<TargetId> ids, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the decided changes, set-based: inserts, updates (each checked against its expected version),
    /// deletes, history purges and the history entries (the audit writer). Throws
    /// <see cref="ConcurrentWriteException"/> when a row is not in the expected state.
    /// </summary>
    /// <param name="changes">What the core decided; each target appears at most once.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the changes are written (not yet committed).</returns>
    Task SaveAsync(ChangeSet changes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies guarded status changes in this session, not committed: each one's row, entry and stays where its checks pass
    /// (<see cref="GuardedStatusChange"/>), nothing for it otherwise. A store with a statement for it applies them all in one
    /// round trip; the default locks the rows and saves those that pass (<see cref="GuardedStatusChange.ApplyInSessionAsync"/>).
    /// </summary>
    /// <param name="changes">The changes, each target at most once.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>For each change in order, the target after it, or <see langword="null"/> where a check failed.</returns>
    Task<IReadOnlyList<Target?>> TryChangeStatusesAsync(IReadOnlyList<GuardedStatusChange> changes, CancellationToken cancellationToken = default) =>
        GuardedStatusChange.ApplyInSessionAsync(this, changes, cancellationToken);

    /// <summary>Commits the transaction.</summary>
    /// <param name="cancellationToken">Cancels the commit.</param>
    /// <returns>A task that completes when the changes are durable.</returns>
    Task CommitAsync(CancellationToken cancellationToken = default);
}

/// <summary>A target to update, with the version the row must have now.</summary>
/// <param name="Target">The target after the change.</param>
/// <param name="ExpectedVersion">The version the row has before the change.</param>
public sealed record TargetWrite(Target Target, long ExpectedVersion);

/// <summary>A target to delete, with the version the row must have now.</summary>
/// <param name="Id">The target.</param>
/// <param name="ExpectedVersion">The version the row has.</param>
public sealed record TargetDelete(TargetId Id, long ExpectedVersion);

/// <summary>
/// What one unit of work writes, decided by the core. Each target appears in at most one of
/// <see cref="Inserts"/>, <see cref="Updates"/>, <see cref="Deletes"/>.
/// </summary>
public sealed record ChangeSet
{
    /// <summary>Gets the targets to insert.</summary>
    public IReadOnlyList<Target> Inserts { get; init; } = [];

    /// <summary>Gets the targets to update.</summary>
    public IReadOnlyList<TargetWrite> Updates { get; init; } = [];

    /// <summary>Gets the targets to delete.</summary>
    public IReadOnlyList<TargetDelete> Deletes { get; init; } = [];

    /// <summary>
    /// Gets the targets whose stored history is removed with them (the <see cref="DeletePolicy.PurgeHistory"/> policy); written before
    /// <see cref="History"/>. Each is also in <see cref="Deletes"/>: history is only ever erased together with its target's delete.
    /// </summary>
    public IReadOnlyList<TargetId> PurgeHistory { get; init; } = [];

    /// <summary>Gets the history entries to append.</summary>
    public IReadOnlyList<HistoryEntry> History { get; init; } = [];

    /// <summary>
    /// Gets the targets whose derived stays a store rebuilds from their history after this unit's entries (an integrity
    /// repair, <see cref="IntegrityProblemKind.StaysDisagreeWithHistory"/>); stores that derive stays on read ignore it.
    /// </summary>
    public IReadOnlyList<TargetId> RebuildStays { get; init; } = [];

    /// <summary>Gets a value indicating whether there is nothing to write.</summary>
    public bool IsEmpty => Inserts.Count == 0 && Updates.Count == 0 && Deletes.Count == 0 && PurgeHistory.Count == 0 && History.Count == 0 && RebuildStays.Count == 0;
}
