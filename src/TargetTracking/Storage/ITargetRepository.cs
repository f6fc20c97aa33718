namespace TargetTracking.Storage;

/// <summary>
/// The storage port every adapter implements: reads, and write sessions in which the core locks the
/// rows it touches, decides every change, and saves targets and their history together.
/// Adapters store and load; they hold no business rule. The conformance suite
/// (<c>TargetTracking.Conformance</c>) states the contract in full.
/// </summary>
public interface ITargetRepository
{
    /// <summary>Reads one target.</summary>
    /// <param name="id">The target.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The target, or <see langword="null"/> when it does not exist.</returns>
    Task<Target?> GetAsync(TargetId id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs a query. Statuses arrive in their configured spelling (or, for a status the pipeline no longer has, as stored);
    /// a stored status matches when it equals one of them ignoring case (<see cref="StatusStateMachine.SameStatus"/>), so
    /// targets stored before a status was renamed only in case are found too. <see cref="TargetQuery.Market"/> and
    /// <see cref="TargetQuery.NameContains"/> arrive normalized with <see cref="TextSearch.Normalize"/> and
    /// are compared ordinally with the normalized stored values.
    /// </summary>
    /// <param name="query">The validated, normalized query.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The page and the total count.</returns>
    Task<TargetPage> QueryAsync(TargetQuery query, CancellationToken cancellationToken = default);

    /// <summary>Reads a target's history, newest first (highest version first).</summary>
    /// <param name="id">The target; history outlives a deleted target.</param>
    /// <param name="page">The keyset page.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries.</returns>
    Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(TargetId id, HistoryPageRequest page, CancellationToken cancellationToken = default);

    /// <summary>Reads the history of every target, ordered by <see cref="HistoryEntry.OccurredAt"/> then <see cref="HistoryEntry.Id"/>.</summary>
    /// <param name="request">Where to start and how many.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries.</returns>
    Task<IReadOnlyList<HistoryEntry>> GetHistoryFeedAsync(HistoryFeedRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Counts the targets in each status as stored: spellings that differ only in case are counted apart, and a status the
    /// pipeline no longer has is counted like any other. Not Set is <see langword="null"/>. Relational stores answer with one
    /// <c>GROUP BY</c>; the default implementation pages through <see cref="QueryAsync"/>, for stores that do not answer it themselves.
    /// </summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>One count per stored status, in no particular order.</returns>
    async Task<IReadOnlyList<StatusCount>> CountByStatusAsync(CancellationToken cancellationToken = default)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        long notSet = 0;
        for (var skip = 0; ; skip += TargetQuery.MaxTake)
        {
            var page = await QueryAsync(new TargetQuery { SortBy = TargetSort.CreatedAt, Skip = skip, Take = TargetQuery.MaxTake }, cancellationToken).ConfigureAwait(false);
            foreach (var target in page.Items)
            {
                if (target.Status is { } status)
                {
                    counts[status] = counts.GetValueOrDefault(status) + 1;
                }
                else
                {
                    notSet++;
                }
            }

            if (page.Items.Count < TargetQuery.MaxTake)
            {
                return [.. counts.Select(c => new StatusCount(c.Key, c.Value)), .. notSet > 0 ? [new StatusCount(null, notSet)] : Array.Empty<StatusCount>()];
            }
        }
    }

    /// <summary>Begins a write session: one transaction, rolled back unless committed.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The session; dispose it.</returns>
    Task<ITargetWriteSession> BeginWriteAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Tells whether a failure is transient (connection lost, serialization failure, deadlock, database busy).
    /// The core then re-runs the whole unit of work; adapters classify, the core decides how to retry.
    /// </summary>
    /// <param name="exception">The failure.</param>
    /// <returns><see langword="true"/> when re-running the unit of work may succeed.</returns>
    bool IsTransient(Exception exception);
}

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

    /// <summary>Gets a value indicating whether there is nothing to write.</summary>
    public bool IsEmpty => Inserts.Count == 0 && Updates.Count == 0 && Deletes.Count == 0 && PurgeHistory.Count == 0 && History.Count == 0;
}
