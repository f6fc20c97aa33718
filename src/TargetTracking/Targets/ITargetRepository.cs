namespace TargetTracking;

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

    /// <summary>
    /// Applies a single status change in one round trip where its checks pass (<see cref="GuardedStatusChange"/>): the row at
    /// its expected version and in one of the statuses the move may come from. The row, its history entry, the derived stays
    /// and the commit go together; inside a host's transaction, without the commit. When a check fails, writes nothing and
    /// returns <see langword="null"/>: the core then decides the change under a row lock (<see cref="BeginWriteAsync"/>), which
    /// says why. The default returns <see langword="null"/> without touching the store, for a store that only has sessions.
    /// </summary>
    /// <param name="change">The change and its checks.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The target after the change, or <see langword="null"/> when nothing was written.</returns>
    Task<Target?> TryChangeStatusAsync(GuardedStatusChange change, CancellationToken cancellationToken = default) => Task.FromResult<Target?>(null);

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
