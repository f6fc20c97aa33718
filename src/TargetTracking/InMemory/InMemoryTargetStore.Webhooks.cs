namespace TargetTracking.InMemory;

/// <summary>The webhook state of the model: one lock per tenant makes each member atomic, as one statement or transaction is in a database.</summary>
public sealed partial class InMemoryTargetStore
{
    /// <inheritdoc />
    public Task<WebhookState?> TryLeaseAsync(WebhookLease lease, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(lease);
        cancellationToken.ThrowIfCancellationRequested();
        var hooks = Here.Webhooks;
        lock (hooks)
        {
            var row = hooks.Rows.GetValueOrDefault(lease.SubscriptionId) ?? new WebhookRow(new WebhookState(lease.SubscriptionId, null, 0, null, null), null, null);
            if (row.Owner is not null && row.Until > now && row.Owner != lease.Owner)
            {
                hooks.Rows[lease.SubscriptionId] = row;
                return Task.FromResult<WebhookState?>(null);
            }

            hooks.Rows[lease.SubscriptionId] = row with { Owner = lease.Owner, Until = lease.Until };
            return Task.FromResult<WebhookState?>(row.State);
        }
    }

    /// <inheritdoc />
    public Task<bool> SaveAsync(WebhookState state, WebhookLease lease, DateTimeOffset now, WebhookDeadLetter? deadLetter = null, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(state);
        Guard.Against.Null(lease);
        cancellationToken.ThrowIfCancellationRequested();
        var hooks = Here.Webhooks;
        lock (hooks)
        {
            if (!hooks.Rows.TryGetValue(state.SubscriptionId, out var row) || row.Owner != lease.Owner || !(row.Until > now))
            {
                return Task.FromResult(false);
            }

            hooks.Rows[state.SubscriptionId] = new WebhookRow(state, lease.Owner, lease.Until);
            if (deadLetter is not null)
            {
                hooks.DeadLetters[(deadLetter.SubscriptionId, deadLetter.EventId)] = deadLetter;
            }

            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<WebhookDeadLetter>> ReadDeadLettersAsync(string subscriptionId, int limit, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(subscriptionId);
        cancellationToken.ThrowIfCancellationRequested();
        var hooks = Here.Webhooks;
        lock (hooks)
        {
            IReadOnlyList<WebhookDeadLetter> letters = [.. hooks.DeadLetters.Values.Where(d => d.SubscriptionId == subscriptionId).OrderBy(d => d.DeadAt).ThenBy(d => d.EventId).Take(limit)];
            return Task.FromResult(letters);
        }
    }

    /// <inheritdoc />
    public Task<WebhookDeadLetter?> TakeDeadLetterAsync(string subscriptionId, Guid eventId, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(subscriptionId);
        cancellationToken.ThrowIfCancellationRequested();
        var hooks = Here.Webhooks;
        lock (hooks)
        {
            return Task.FromResult(hooks.DeadLetters.Remove((subscriptionId, eventId), out var letter) ? letter : null);
        }
    }

    /// <inheritdoc />
    public Task AddDeadLetterAsync(WebhookDeadLetter deadLetter, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(deadLetter);
        cancellationToken.ThrowIfCancellationRequested();
        var hooks = Here.Webhooks;
        lock (hooks)
        {
            hooks.DeadLetters[(deadLetter.SubscriptionId, deadLetter.EventId)] = deadLetter;
        }

        return Task.CompletedTask;
    }

    private sealed record WebhookRow(WebhookState State, string? Owner, DateTimeOffset? Until);

    /// <summary>One tenant's webhook subscriptions and dead letters.</summary>
    private sealed class Webhooks
    {
        public readonly Dictionary<string, WebhookRow> Rows = new(StringComparer.Ordinal);
        public readonly Dictionary<(string, Guid), WebhookDeadLetter> DeadLetters = [];
    }
}
