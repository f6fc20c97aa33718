namespace TargetTracking.Storage;

/// <summary>
/// Where a webhook subscription stands: the feed position after the last event it handled, the retry state of the event
/// it is stuck on, and the lease of the sender that works it.
/// </summary>
/// <param name="SubscriptionId">The subscription (<see cref="WebhookSubscription.Id"/>).</param>
/// <param name="Position">The feed position after the last event delivered or dead-lettered; <see langword="null"/> before the first.</param>
/// <param name="Attempts">Failed attempts at the next event since the last success (0 when none failed).</param>
/// <param name="NextAttemptAt">When the next attempt may run after a failure; <see langword="null"/> when no failure waits.</param>
/// <param name="LastError">What the last failed attempt answered; <see langword="null"/> when none failed.</param>
public sealed record WebhookState(string SubscriptionId, FeedToken? Position, int Attempts, DateTimeOffset? NextAttemptAt, string? LastError);

/// <summary>A lease on a subscription: one sender works it at a time, across host instances, until the lease ends.</summary>
/// <param name="SubscriptionId">The subscription.</param>
/// <param name="Owner">The sender that holds it (<see cref="WebhookOptions.InstanceId"/>).</param>
/// <param name="Until">When it ends unless renewed.</param>
public sealed record WebhookLease(string SubscriptionId, string Owner, DateTimeOffset Until);

/// <summary>
/// The storage port of webhooks (<see cref="WebhookSender"/>): one row per subscription in the call's tenant, with its
/// position, retry state and lease; and the dead letters, the events a subscriber did not take after every attempt.
/// Every write of a subscription's row is fenced by its lease: a sender whose lease another took writes nothing, so two
/// host instances never deliver one subscription's events at once.
/// </summary>
public interface IWebhookStore
{
    /// <summary>
    /// Takes or renews the lease on a subscription, atomically: it succeeds when nobody holds it, the lease ended at or
    /// before <paramref name="now"/>, or <see cref="WebhookLease.Owner"/> holds it already. A subscription never seen is
    /// created at the start of the feed.
    /// </summary>
    /// <param name="lease">The lease asked for.</param>
    /// <param name="now">The time the lease is compared with.</param>
    /// <param name="cancellationToken">Cancels the claim.</param>
    /// <returns>The subscription's state when the lease is taken; <see langword="null"/> when another sender holds it.</returns>
    Task<WebhookState?> TryLeaseAsync(WebhookLease lease, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Saves a subscription's state and moves its lease's end to <see cref="WebhookLease.Until"/>, only while the lease is
    /// still this sender's: held by <see cref="WebhookLease.Owner"/> and not ended at <paramref name="now"/>. A lease moved
    /// to end at <paramref name="now"/> is given up: another sender may take it at once. A dead letter, when given, is
    /// added in the same transaction.
    /// </summary>
    /// <param name="state">The new state.</param>
    /// <param name="lease">The lease, with its new end.</param>
    /// <param name="now">The time the lease is compared with.</param>
    /// <param name="deadLetter">An event to add to the dead letters with the state; <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the save.</param>
    /// <returns><see langword="true"/> when saved; <see langword="false"/> when the lease was lost, and nothing was written.</returns>
    Task<bool> SaveAsync(WebhookState state, WebhookLease lease, DateTimeOffset now, WebhookDeadLetter? deadLetter = null, CancellationToken cancellationToken = default);

    /// <summary>Reads a subscription's dead letters, oldest first.</summary>
    /// <param name="subscriptionId">The subscription.</param>
    /// <param name="limit">How many at most.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The dead letters.</returns>
    Task<IReadOnlyList<WebhookDeadLetter>> ReadDeadLettersAsync(string subscriptionId, int limit, CancellationToken cancellationToken = default);

    /// <summary>Takes a dead letter out of the list, atomically: of several callers, one gets it.</summary>
    /// <param name="subscriptionId">The subscription.</param>
    /// <param name="eventId">The event (<see cref="WebhookDeadLetter.EventId"/>).</param>
    /// <param name="cancellationToken">Cancels the removal.</param>
    /// <returns>The dead letter, or <see langword="null"/> when it is not (or no longer) in the list.</returns>
    Task<WebhookDeadLetter?> TakeDeadLetterAsync(string subscriptionId, Guid eventId, CancellationToken cancellationToken = default);

    /// <summary>Puts a dead letter (back) in the list; one that is there already is replaced.</summary>
    /// <param name="deadLetter">The dead letter.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when it is stored.</returns>
    Task AddDeadLetterAsync(WebhookDeadLetter deadLetter, CancellationToken cancellationToken = default);
}
