namespace TargetTracking;

/// <summary>
/// An event a subscriber did not take after every attempt (<see cref="WebhookOptions.MaxAttempts"/>): the sender moved
/// past it and keeps it here until the host replays it (<see cref="WebhookSender.ReplayAsync"/>) or drops it.
/// </summary>
/// <param name="SubscriptionId">The subscription.</param>
/// <param name="EventId">The event's id: the history entry's id, and the <c>webhook-id</c> of every attempt.</param>
/// <param name="TargetId">The target the event is about.</param>
/// <param name="Position">The event's position in the feed.</param>
/// <param name="Body">The event as it was posted (CloudEvents JSON), posted again as is on replay.</param>
/// <param name="Attempts">How many attempts failed.</param>
/// <param name="LastError">What the last attempt answered.</param>
/// <param name="DeadAt">When the sender gave up.</param>
public sealed record WebhookDeadLetter(string SubscriptionId, Guid EventId, TargetId TargetId, FeedToken Position, string Body, int Attempts, string? LastError, DateTimeOffset DeadAt);
