namespace TargetTracking;

/// <summary>One history entry in the change feed, with the position to resume after it.</summary>
/// <param name="Entry">The entry; its <see cref="HistoryEntry.Id"/> is the idempotency key (the feed delivers at least once).</param>
/// <param name="Token">The position after this entry.</param>
public sealed record FeedEntry(HistoryEntry Entry, FeedToken Token);

/// <summary>One read of the change feed.</summary>
/// <param name="Entries">The entries after the position read from, in commit order.</param>
/// <param name="Next">The position to read from next: the last entry's token, or the position read from when nothing was new.</param>
/// <param name="Lag">
/// How far behind the reader was: now minus when the oldest entry of this page was written (its
/// <see cref="HistoryEntry.OccurredAt"/>, taken just before its commit), or zero when nothing was new.
/// </param>
public sealed record FeedPage(IReadOnlyList<FeedEntry> Entries, FeedToken Next, TimeSpan Lag);
