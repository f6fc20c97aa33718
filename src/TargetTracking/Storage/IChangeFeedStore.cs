namespace TargetTracking.Storage;

/// <summary>
/// The storage port of the change feed: the history of every target read after a position that is safe against units
/// of work committing out of order. Every store advances a commit sequence once per committing unit of work, under a
/// lock held until the commit, and stamps the unit's entries with it: an entry that becomes visible later always has a
/// later position than every entry visible now, so a reader that moves past a position never skips one. The in-memory
/// store does it by brute force, as the model. <see cref="ChangeFeed"/> reads and follows it.
/// </summary>
public interface IChangeFeedStore
{
    /// <summary>
    /// Reads the committed entries after a position, in feed order: commit sequence, then version, then id. A target's
    /// entries come in version order.
    /// </summary>
    /// <param name="after">The position to read after (<see cref="FeedToken.Start"/> for everything).</param>
    /// <param name="limit">How many entries at most.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries with their positions: an immutable list.</returns>
    Task<IReadOnlyList<FeedEntry>> ReadFeedAsync(FeedToken after, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts listening for commits, where the database can say (PostgreSQL <c>LISTEN</c>); <see langword="null"/> where
    /// it cannot, and the feed polls with back-off. A notification is only a hint to read now: a missed one costs
    /// latency, never an entry.
    /// </summary>
    /// <returns>The listener, owned by the caller; or <see langword="null"/>.</returns>
    IFeedListener? Listen() => null;
}

/// <summary>Wakes a change feed subscription when a unit of work commits (a hint only; see <see cref="IChangeFeedStore.Listen"/>).</summary>
public interface IFeedListener : IAsyncDisposable
{
    /// <summary>
    /// Returns a task that completes at the first notification after this call, or when listening fails (the caller then
    /// reads, and polls until the listener is back). Call it before reading, so a commit between the read and the wait still wakes.
    /// </summary>
    /// <returns>The task; it never faults.</returns>
    Task NextNotification();
}
