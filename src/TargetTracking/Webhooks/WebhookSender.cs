using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TargetTracking;

/// <summary>What a replay of a dead letter did (<see cref="WebhookSender.ReplayAsync"/>).</summary>
public enum WebhookReplayOutcome
{
    /// <summary>The subscriber took the event; it left the dead letters.</summary>
    Delivered = 0,

    /// <summary>The subscriber failed again; the event stays in the dead letters with one more attempt counted.</summary>
    Failed = 1,

    /// <summary>The event is not in the subscription's dead letters (never, or replayed or dropped meanwhile).</summary>
    NotFound = 2,
}

/// <summary>
/// The hosted webhook sender (<c>AddWebhooks</c>): delivers history entries from the change feed to each subscriber as
/// CloudEvents JSON signed by the Standard Webhooks scheme (<see cref="WebhookSignature"/>). At least once and in feed
/// order per subscription (so in version order per target): a subscription's position in the store moves past an event
/// only after the subscriber answered 2xx, or after the event went to the dead letters. A failed attempt (an error status,
/// no answer within <see cref="WebhookOptions.RequestTimeout"/>, no connection) is retried after a back-off that doubles,
/// kept in the store, so a restart keeps it; after <see cref="WebhookOptions.MaxAttempts"/> the event goes to the dead
/// letters and the subscription moves on. One sender at a time works a subscription, across host instances: it holds the
/// subscription's lease in the store and renews it before every request; a sender whose lease was taken stops.
/// Each attempt counts in <c>targettracking.webhook.attempts</c> and <c>targettracking.webhook.duration</c> (tags
/// <c>subscription</c>, <c>outcome</c>).
/// </summary>
public sealed partial class WebhookSender : BackgroundService
{
    private readonly TargetTracker _tracker;
    private readonly HttpClient _http;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    // One pass at a time per sender: the lease excludes other senders, not a second pass of this one (same owner).
    private readonly SemaphoreSlim _passGate = new(1, 1);

    /// <summary>Initializes a new instance.</summary>
    /// <param name="tracker">The tracker whose store holds the feed and the subscriptions' state; it must implement <see cref="IWebhookStore"/>.</param>
    /// <param name="httpClient">Posts the events; <see cref="WebhookOptions.RequestTimeout"/> bounds each request, whatever the client's own timeout.</param>
    /// <param name="options">The subscriptions and the delivery settings.</param>
    /// <param name="timeProvider">The clock of leases, back-off and timeouts; <see langword="null"/> for the tracker's.</param>
    /// <param name="logger">Logs failed attempts, dead letters and lost leases.</param>
    /// <exception cref="ArgumentException">The options are not valid; the message names each setting.</exception>
    /// <exception cref="NotSupportedException">The store keeps no webhook state.</exception>
    public WebhookSender(TargetTracker tracker, HttpClient httpClient, WebhookOptions options, TimeProvider? timeProvider = null, ILogger<WebhookSender>? logger = null)
    {
        Guard.Against.Null(tracker);
        Guard.Against.Null(httpClient);
        Guard.Against.Null(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        _ = tracker.Port<IWebhookStore>();
        _tracker = tracker;
        _http = httpClient;
        _options = options;
        _time = timeProvider ?? tracker.Time;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Runs one pass: for each subscription whose lease this sender gets and whose back-off has passed, reads up to
    /// <see cref="WebhookOptions.BatchSize"/> entries after its position and delivers the wanted ones in order, until one
    /// fails (it is retried in a later pass) or goes to the dead letters. The hosted service runs passes in a loop; tests
    /// and hosts with a scheduler of their own call it.
    /// </summary>
    /// <param name="cancellationToken">Stops the pass; what was delivered stays delivered.</param>
    /// <returns>How many events subscribers took in this pass.</returns>
    public async Task<int> DeliverOnceAsync(CancellationToken cancellationToken = default) =>
        (await PassAsync(cancellationToken).ConfigureAwait(false)).Delivered;

    /// <summary>Reads a subscription's dead letters, oldest first.</summary>
    /// <param name="subscriptionId">The subscription.</param>
    /// <param name="limit">How many at most, 1 to 1000.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The dead letters.</returns>
    /// <exception cref="ArgumentException">No subscription has that id.</exception>
    public Task<IReadOnlyList<WebhookDeadLetter>> GetDeadLettersAsync(string subscriptionId, int limit = 100, CancellationToken cancellationToken = default)
    {
        Guard.Against.OutOfRange(limit, nameof(limit), 1, 1000);
        return StoreOf(Find(subscriptionId)).ReadDeadLettersAsync(subscriptionId, limit, cancellationToken);
    }

    /// <summary>
    /// Posts a dead letter again, now, as it was first posted (same id and body, a fresh timestamp and signature). Taken out
    /// of the list first, so two replays of one event never post it twice at once; put back with one more attempt when the
    /// subscriber fails again. A replay comes after the subscription's later events: it is out of order by nature.
    /// </summary>
    /// <param name="subscriptionId">The subscription.</param>
    /// <param name="eventId">The event (<see cref="WebhookDeadLetter.EventId"/>).</param>
    /// <param name="cancellationToken">Cancels the replay.</param>
    /// <returns>What happened.</returns>
    /// <exception cref="ArgumentException">No subscription has that id.</exception>
    public async Task<WebhookReplayOutcome> ReplayAsync(string subscriptionId, Guid eventId, CancellationToken cancellationToken = default)
    {
        var subscription = Find(subscriptionId);
        var store = StoreOf(subscription);
        var letter = await store.TakeDeadLetterAsync(subscriptionId, eventId, cancellationToken).ConfigureAwait(false);
        if (letter is null)
        {
            return WebhookReplayOutcome.NotFound;
        }

        var error = await PostAsync(subscription, eventId, letter.Body, cancellationToken).ConfigureAwait(false);
        if (error is null)
        {
            LogReplayed(_logger, eventId, subscriptionId);
            return WebhookReplayOutcome.Delivered;
        }

        await store.AddDeadLetterAsync(letter with { Attempts = letter.Attempts + 1, LastError = error }, CancellationToken.None).ConfigureAwait(false);
        return WebhookReplayOutcome.Failed;
    }

    /// <summary>Removes a dead letter without posting it.</summary>
    /// <param name="subscriptionId">The subscription.</param>
    /// <param name="eventId">The event.</param>
    /// <param name="cancellationToken">Cancels the removal.</param>
    /// <returns><see langword="true"/> when it was in the list.</returns>
    /// <exception cref="ArgumentException">No subscription has that id.</exception>
    public async Task<bool> DropDeadLetterAsync(string subscriptionId, Guid eventId, CancellationToken cancellationToken = default) =>
        await StoreOf(Find(subscriptionId)).TakeDeadLetterAsync(subscriptionId, eventId, cancellationToken).ConfigureAwait(false) is not null;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var handled = 0;
            try
            {
                handled = (await PassAsync(stoppingToken).ConfigureAwait(false)).Handled;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogPassFailed(_logger, ex);
            }

            if (handled > 0)
            {
                // More may be waiting: read on at once.
                continue;
            }

            try
            {
                await Task.Delay(_options.PollInterval, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<(int Delivered, int Handled)> PassAsync(CancellationToken cancellationToken)
    {
        await _passGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (delivered, handled) = (0, 0);
            foreach (var subscription in _options.Subscriptions)
            {
                try
                {
                    var (d, h) = await PassAsync(subscription, cancellationToken).ConfigureAwait(false);
                    (delivered, handled) = (delivered + d, handled + h);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // The store failed (or the feed): this subscription waits for the next pass; the others go on.
                    LogSubscriptionFailed(_logger, ex, subscription.Id);
                }
            }

            return (delivered, handled);
        }
        finally
        {
            _passGate.Release();
        }
    }

    private async Task<(int Delivered, int Handled)> PassAsync(WebhookSubscription subscription, CancellationToken cancellationToken)
    {
        var store = StoreOf(subscription);
        var now = _time.GetUtcNow();
        var lease = new WebhookLease(subscription.Id, _options.InstanceId, now + _options.LeaseDuration);
        var state = await store.TryLeaseAsync(lease, now, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            // Another instance works it.
            return (0, 0);
        }

        var (delivered, handled, held) = (0, 0, true);
        try
        {
            if (state.NextAttemptAt > now)
            {
                return (0, 0);
            }

            foreach (var (tenant, item) in await ReadAsync(subscription, state.Position, cancellationToken).ConfigureAwait(false))
            {
                if (!subscription.Wants(item.Entry))
                {
                    state = state with { Position = item.Token };
                    handled++;
                    continue;
                }

                // Saves the position so far and renews the lease before each request: a sender that lost its lease
                // stops here, so two never post one subscription's events at once.
                now = _time.GetUtcNow();
                lease = lease with { Until = now + _options.LeaseDuration };
                if (!await store.SaveAsync(state, lease, now, cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    held = false;
                    LogLeaseLost(_logger, subscription.Id);
                    break;
                }

                var body = WebhookEvent.Write(item.Entry, tenant, _options.Source);
                var error = await PostAsync(subscription, item.Entry.Id, body, cancellationToken).ConfigureAwait(false);
                if (error is null)
                {
                    state = new WebhookState(subscription.Id, item.Token, 0, null, null);
                    (delivered, handled) = (delivered + 1, handled + 1);
                    continue;
                }

                var attempts = state.Attempts + 1;
                now = _time.GetUtcNow();
                if (attempts < _options.MaxAttempts)
                {
                    var wait = _options.RetryDelay(attempts);
                    state = state with { Attempts = attempts, NextAttemptAt = now + wait, LastError = error };
                    LogAttemptFailed(_logger, item.Entry.Id, subscription.Id, attempts, error, wait);
                    break;
                }

                var letter = new WebhookDeadLetter(subscription.Id, item.Entry.Id, item.Entry.TargetId, item.Token, body, attempts, error, now);
                state = new WebhookState(subscription.Id, item.Token, 0, null, null);
                if (!await store.SaveAsync(state, lease, now, letter, cancellationToken).ConfigureAwait(false))
                {
                    held = false;
                    LogLeaseLost(_logger, subscription.Id);
                    break;
                }

                handled++;
                TargetTrackingTelemetry.WebhookDeadLettered(subscription.Id);
                LogDeadLettered(_logger, item.Entry.Id, subscription.Id, attempts, error);
            }
        }
        finally
        {
            if (held)
            {
                // Gives the lease up with the position reached; a failed save only means the next pass redelivers.
                now = _time.GetUtcNow();
                await store.SaveAsync(state, lease with { Until = now }, now, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
        }

        return (delivered, handled);
    }

    private async Task<IEnumerable<(string Tenant, FeedEntry Item)>> ReadAsync(WebhookSubscription subscription, FeedToken? position, CancellationToken cancellationToken)
    {
        var feed = new ChangeFeed(TrackerOf(subscription));
        if (subscription.AllTenants)
        {
            var every = await feed.ReadAllTenantsAsync(position, _options.BatchSize, cancellationToken).ConfigureAwait(false);
            return every.Select(e => (e.Tenant, e.Entry));
        }

        var page = await feed.ReadAsync(position, _options.BatchSize, cancellationToken).ConfigureAwait(false);
        return page.Entries.Select(e => (subscription.Tenant, e));
    }

    /// <summary>Posts one event, signed; returns <see langword="null"/> when the subscriber took it (2xx), else what went wrong.</summary>
    private async Task<string?> PostAsync(WebhookSubscription subscription, Guid eventId, string body, CancellationToken cancellationToken)
    {
        var id = eventId.ToString();
        var stamp = _time.GetUtcNow();
        using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url) { Content = new StringContent(body, Encoding.UTF8, WebhookEvent.MediaType) };
        request.Headers.TryAddWithoutValidation(WebhookSignature.IdHeader, id);
        request.Headers.TryAddWithoutValidation(WebhookSignature.TimestampHeader, stamp.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(WebhookSignature.SignatureHeader, WebhookSignature.Sign(subscription.Secret, id, stamp, body));

        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var started = Stopwatch.GetTimestamp();
        string? error;
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            error = response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            error = $"No answer within {_options.RequestTimeout}.";
        }
        catch (HttpRequestException ex)
        {
            error = ex.Message;
        }

        TargetTrackingTelemetry.WebhookAttempt(subscription.Id, error is null ? "delivered" : "failed", Stopwatch.GetElapsedTime(started));
        return error;
    }

    private WebhookSubscription Find(string subscriptionId) =>
        _options.Subscriptions.FirstOrDefault(s => s.Id == subscriptionId)
            ?? throw new ArgumentException($"No webhook subscription has the id '{subscriptionId}'.", nameof(subscriptionId));

    /// <summary>The tracker of a subscription's tenant; an all-tenants subscription keeps its state in the default tenant.</summary>
    private TargetTracker TrackerOf(WebhookSubscription subscription) =>
        _tracker.ForTenant(subscription.AllTenants ? TenantIds.Default : subscription.Tenant);

    private IWebhookStore StoreOf(WebhookSubscription subscription) => TrackerOf(subscription).Port<IWebhookStore>();

    [LoggerMessage(EventId = 4201, EventName = "WebhookAttemptFailed", Level = LogLevel.Warning,
        Message = "Webhook event {EventId} to subscription {Subscription} failed (attempt {Attempt}): {Error}; retried in {Delay}.")]
    private static partial void LogAttemptFailed(ILogger logger, Guid eventId, string subscription, int attempt, string error, TimeSpan delay);

    [LoggerMessage(EventId = 4202, EventName = "WebhookDeadLettered", Level = LogLevel.Error,
        Message = "Webhook event {EventId} to subscription {Subscription} failed {Attempts} times ({Error}); it went to the dead letters.")]
    private static partial void LogDeadLettered(ILogger logger, Guid eventId, string subscription, int attempts, string error);

    [LoggerMessage(EventId = 4203, EventName = "WebhookLeaseLost", Level = LogLevel.Warning,
        Message = "Another sender took the lease on webhook subscription {Subscription}; this one stopped working it.")]
    private static partial void LogLeaseLost(ILogger logger, string subscription);

    [LoggerMessage(EventId = 4204, EventName = "WebhookSubscriptionFailed", Level = LogLevel.Warning,
        Message = "A pass over webhook subscription {Subscription} failed; the next pass retries it.")]
    private static partial void LogSubscriptionFailed(ILogger logger, Exception exception, string subscription);

    [LoggerMessage(EventId = 4205, EventName = "WebhookPassFailed", Level = LogLevel.Warning, Message = "A webhook pass failed; the next runs after the poll interval.")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4206, EventName = "WebhookReplayed", Level = LogLevel.Information,
        Message = "Dead letter {EventId} of webhook subscription {Subscription} was replayed and delivered.")]
    private static partial void LogReplayed(ILogger logger, Guid eventId, string subscription);
}
