namespace TargetTracking.Linq2Db;

/// <summary>A row of <c>webhook_subscriptions</c>: a subscription's position, retry state and lease.</summary>
internal sealed class WebhookRecord : ITenantRow
{
    /// <summary>The tenant the row belongs to: the first column of every key.</summary>
    public string TenantId { get; set; } = string.Empty;

    public string SubscriptionId { get; set; } = string.Empty;

    /// <summary>The feed token's text; <see langword="null"/> before the first event.</summary>
    public string? Position { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset? NextAttemptAt { get; set; }

    public string? LastError { get; set; }

    public string? LeaseOwner { get; set; }

    public DateTimeOffset? LeaseUntil { get; set; }

    public WebhookState ToState() =>
        new(SubscriptionId, Position is null ? null : FeedToken.Parse(Position), Attempts, NextAttemptAt, LastError);
}

/// <summary>A row of <c>webhook_dead_letters</c>.</summary>
internal sealed class DeadLetterRecord : ITenantRow
{
    /// <summary>The tenant the row belongs to: the first column of every key.</summary>
    public string TenantId { get; set; } = string.Empty;

    public string SubscriptionId { get; set; } = string.Empty;

    public Guid EventId { get; set; }

    public Guid TargetId { get; set; }

    public string Position { get; set; } = string.Empty;

    public string Body { get; set; } = string.Empty;

    public int Attempts { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset DeadAt { get; set; }

    public static DeadLetterRecord From(WebhookDeadLetter d) => new()
    {
        SubscriptionId = d.SubscriptionId,
        EventId = d.EventId,
        TargetId = d.TargetId.Value,
        Position = d.Position.ToString(),
        Body = d.Body,
        Attempts = d.Attempts,
        LastError = d.LastError,
        DeadAt = d.DeadAt,
    };

    public WebhookDeadLetter ToDeadLetter() =>
        new(SubscriptionId, EventId, new TargetId(TargetId), FeedToken.Parse(Position), Body, Attempts, LastError, DeadAt);
}
