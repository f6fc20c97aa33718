namespace TargetTracking.AspNetCore;

/// <summary>
/// Finds the position after the newest entry of the feed in O(log n) reads of one entry each, instead of reading the whole
/// feed. A feed position is a commit sequence, then a version and an id; the largest committed sequence is found by
/// doubling and then halving a probe, and the end is the last possible position of that sequence. It is safe against
/// units of work still committing: each commits with a sequence above every visible one (see <c>IChangeFeedStore</c>),
/// so it comes after the end found here.
/// </summary>
internal static class FeedEnd
{
    private static readonly Guid LastId = new("ffffffff-ffff-ffff-ffff-ffffffffffff");

    public static async Task<FeedToken> FindAsync(ChangeFeed feed, CancellationToken cancellationToken)
    {
        // The largest sequence known to hold an entry (-1: none yet), and a sequence known to hold none above it.
        if (await NextSequenceAsync(feed, FeedToken.Start, cancellationToken).ConfigureAwait(false) is not { } low)
        {
            return FeedToken.Start;
        }

        long? high = null;
        while (high is null || high - low > 1)
        {
            var probe = high is { } h ? low + ((h - low) / 2) : Math.Max(1, low * 2);
            if (await NextSequenceAsync(feed, LastOf(probe - 1), cancellationToken).ConfigureAwait(false) is { } found)
            {
                low = Math.Max(low, found);
            }
            else
            {
                high = probe;
            }

            if (high is { } top && top <= low)
            {
                high = low + 1;
            }
        }

        return LastOf(low);
    }

    /// <summary>The last possible position of a sequence: after every entry it holds.</summary>
    private static FeedToken LastOf(long sequence) => FeedToken.Of(sequence, long.MaxValue, LastId);

    private static async Task<long?> NextSequenceAsync(ChangeFeed feed, FeedToken after, CancellationToken cancellationToken)
    {
        var page = await feed.ReadAsync(after, 1, cancellationToken).ConfigureAwait(false);
        return page.Entries.Count == 0 ? null : page.Entries[0].Token.Sequence;
    }
}
