using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TargetTracking;

/// <summary>
/// The change feed: every history entry of every target, in commit order, from a resumable position. Reads
/// (<see cref="ReadAsync"/>) page through it; a subscription (<see cref="SubscribeAsync"/>) follows it live. Delivery is
/// at least once: an entry delivered before a restart may come again after resuming from an earlier token, so use
/// <see cref="HistoryEntry.Id"/> as the idempotency key. No committed entry is ever skipped, whatever order concurrent
/// units of work commit in, and a target's entries come in version order. Thread-safe.
/// </summary>
public sealed partial class ChangeFeed
{
    private readonly TargetTracker _tracker;
    private readonly ChangeFeedOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _lagTicks;
    private long _lastReadTicks = long.MinValue;

    /// <summary>Initializes a new instance. Hosts normally resolve it from DI (<c>AddTargetTracking</c>).</summary>
    /// <param name="tracker">The tracker whose store is read.</param>
    /// <param name="logger">Logs reads a subscription retries.</param>
    public ChangeFeed(TargetTracker tracker, ILogger<ChangeFeed>? logger = null)
    {
        Guard.Against.Null(tracker);
        _tracker = tracker;
        _options = tracker.Options.Feed;
        _time = tracker.Time;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Gets the lag the last read of this feed saw (see <see cref="FeedPage.Lag"/>), and when that read ran; <see langword="null"/>
    /// before the first read. The feed-lag health check reads it.
    /// </summary>
    public (TimeSpan Lag, DateTimeOffset At)? LastLag
    {
        get
        {
            var at = Interlocked.Read(ref _lastReadTicks);
            return at == long.MinValue ? null : (TimeSpan.FromTicks(Interlocked.Read(ref _lagTicks)), new DateTimeOffset(at, TimeSpan.Zero));
        }
    }

    /// <summary>Reads one page of the feed after a position.</summary>
    /// <param name="after">The position to read after; <see langword="null"/> for the start of the feed.</param>
    /// <param name="limit">How many entries at most; <see langword="null"/> for <see cref="ChangeFeedOptions.BatchSize"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries, the position to read from next, and the lag.</returns>
    /// <exception cref="NotSupportedException">The store has no change feed (<see cref="TargetTracker.Supports{TPort}"/>).</exception>
    /// <exception cref="TargetStoreUnavailableException">The store kept failing with transient errors.</exception>
    public async Task<FeedPage> ReadAsync(FeedToken? after = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var take = limit ?? _options.BatchSize;
        Guard.Against.OutOfRange(take, nameof(limit), 1, ChangeFeedOptions.MaxBatchSize);
        var store = Store();
        var from = after ?? FeedToken.Start;
        var entries = await _tracker.Writer.ReadAsync(ct => store.ReadFeedAsync(from, take, ct), cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var lag = entries.Count == 0 ? TimeSpan.Zero : Max(now - entries[0].Entry.OccurredAt, TimeSpan.Zero);
        Interlocked.Exchange(ref _lagTicks, lag.Ticks);
        Interlocked.Exchange(ref _lastReadTicks, now.UtcTicks);
        TargetTrackingTelemetry.FeedRead(entries.Count, lag, _tracker.MetricsTenant);
        return new FeedPage(entries, entries.Count == 0 ? from : entries[^1].Token, lag);
    }

    /// <summary>
    /// Reads one page of the feed of every tenant, for the host's own back office (never a tenant's user): each entry with
    /// its tenant. Only this member reads across tenants; <see cref="ReadAsync"/> reads the tracker's tenant.
    /// </summary>
    /// <param name="after">The position to read after; <see langword="null"/> for the start of the feed.</param>
    /// <param name="limit">How many entries at most; <see langword="null"/> for <see cref="ChangeFeedOptions.BatchSize"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries with their tenants, in feed order; resume after the last one's token.</returns>
    /// <exception cref="NotSupportedException">The store holds one tenant (<see cref="ITenantStore"/>): read <see cref="ReadAsync"/>.</exception>
    /// <exception cref="TargetStoreUnavailableException">The store kept failing with transient errors.</exception>
    public Task<IReadOnlyList<TenantFeedEntry>> ReadAllTenantsAsync(FeedToken? after = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var take = limit ?? _options.BatchSize;
        Guard.Against.OutOfRange(take, nameof(limit), 1, ChangeFeedOptions.MaxBatchSize);
        var store = _tracker.Store as ITenantStore
            ?? throw new NotSupportedException($"The store {_tracker.Store.GetType().Name} holds one tenant only (it does not implement {nameof(ITenantStore)}): read its feed with ReadAsync.");
        var from = after ?? FeedToken.Start;
        return _tracker.Writer.ReadAsync(ct => store.ReadAllTenantsFeedAsync(from, take, ct), cancellationToken);
    }

    /// <summary>
    /// Follows the feed from a position, forever: yields every entry after it in commit order, then waits for more. A
    /// caught-up subscription waits efficiently: where the store notifies (PostgreSQL <c>LISTEN</c>/<c>NOTIFY</c>) it reads
    /// when told, and at least every <see cref="ChangeFeedOptions.MaxPollInterval"/>; elsewhere it polls, backing off from
    /// <see cref="ChangeFeedOptions.MinPollInterval"/> to <see cref="ChangeFeedOptions.MaxPollInterval"/>. Transient store
    /// failures (a database restart) are logged and retried from the last delivered position with the same back-off; other
    /// failures end the enumeration with the exception.
    /// </summary>
    /// <param name="from">The position to start after; <see langword="null"/> for the start of the feed.</param>
    /// <param name="cancellationToken">Ends the subscription.</param>
    /// <returns>The entries, each with its token.</returns>
    /// <exception cref="NotSupportedException">The store has no change feed (<see cref="TargetTracker.Supports{TPort}"/>).</exception>
    public async IAsyncEnumerable<FeedEntry> SubscribeAsync(FeedToken? from = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var store = Store();
        var position = from ?? FeedToken.Start;
        var wait = _options.MinPollInterval;
        var listener = store.Listen();
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();

                // Armed before the read: a commit between the read and the wait still wakes this subscription.
                var notified = listener?.NextNotification();
                FeedPage? page = null;
                try
                {
                    page = await ReadAsync(position, _options.BatchSize, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && (e is TargetStoreUnavailableException || _tracker.Repository.IsTransient(e)))
                {
                    LogReadFailed(_logger, wait, e);
                }

                if (page is not null)
                {
                    foreach (var entry in page.Entries)
                    {
                        yield return entry;
                        position = entry.Token;
                    }

                    if (page.Entries.Count == _options.BatchSize)
                    {
                        // More is waiting: read on at once.
                        wait = _options.MinPollInterval;
                        continue;
                    }

                    if (page.Entries.Count > 0)
                    {
                        wait = _options.MinPollInterval;
                    }
                }

                if (notified is not null && page is not null)
                {
                    // A hint only: the timer still wakes the subscription when a notification is lost.
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    await Task.WhenAny(notified, Task.Delay(_options.MaxPollInterval, _time, timeout.Token)).ConfigureAwait(false);
                    await timeout.CancelAsync().ConfigureAwait(false);
                    cancellationToken.ThrowIfCancellationRequested();
                }
                else
                {
                    await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                    wait = Min(wait * 2, _options.MaxPollInterval);
                }
            }
        }
        finally
        {
            if (listener is not null)
            {
                await listener.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private IChangeFeedStore Store() => _tracker.Port<IChangeFeedStore>();

    [LoggerMessage(EventId = 30, EventName = "FeedReadFailed", Level = LogLevel.Warning, Message = "A change feed read failed with a transient error; the subscription resumes from its last position in {Delay}.")]
    private static partial void LogReadFailed(ILogger logger, TimeSpan delay, Exception exception);
}
