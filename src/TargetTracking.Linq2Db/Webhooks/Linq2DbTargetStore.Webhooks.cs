using Ardalis.GuardClauses;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;

namespace TargetTracking.Linq2Db;

/// <summary>
/// The webhook state (<see cref="IWebhookStore"/>, migrations PostgreSQL 0013, SQLite and MariaDB 0012): one row per
/// subscription in the call's tenant, each write of it fenced by its lease in the statement's own condition, so of two
/// senders only the lease holder's write lands; and the dead letters.
/// </summary>
public sealed partial class Linq2DbTargetStore : IWebhookStore
{
    /// <inheritdoc />
    public Task<WebhookState?> TryLeaseAsync(WebhookLease lease, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(lease);
        var (id, owner, until) = (lease.SubscriptionId, lease.Owner, lease.Until);
        return RunAsync<WebhookState?>(async db =>
        {
            // A subscription never seen starts at the start of the feed; of several hosts creating it at once, one inserts.
            await db.ExecuteAsync(
                _dialect.Sql.InsertIgnore(_dialect.Sql.Qualify(Tables.WebhookSubscriptions), "tenant_id, subscription_id, attempts", "@tenant, @id, 0"),
                cancellationToken,
                Tenancy.Parameter(db),
                new DataParameter("id", id, DataType.NVarChar)).ConfigureAwait(false);

            // One statement decides who holds the lease: free, ended, or already this sender's.
            var taken = await db.GetTable<WebhookRecord>()
                .Where(w => w.SubscriptionId == id && (w.LeaseOwner == null || w.LeaseUntil <= now || w.LeaseOwner == owner))
                .Set(w => w.LeaseOwner, owner)
                .Set(w => w.LeaseUntil, until)
                .UpdateAsync(cancellationToken).ConfigureAwait(false);
            if (taken == 0)
            {
                return null;
            }

            var row = await db.GetTable<WebhookRecord>().FirstAsync(w => w.SubscriptionId == id, cancellationToken).ConfigureAwait(false);
            return row.ToState();
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> SaveAsync(WebhookState state, WebhookLease lease, DateTimeOffset now, WebhookDeadLetter? deadLetter = null, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(state);
        Guard.Against.Null(lease);
        var session = (Linq2DbWriteSession)await BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var db = session.Connection;
            var (id, owner, until, position) = (state.SubscriptionId, lease.Owner, lease.Until, state.Position?.ToString());
            var saved = await db.GetTable<WebhookRecord>()
                .Where(w => w.SubscriptionId == id && w.LeaseOwner == owner && w.LeaseUntil > now)
                .Set(w => w.Position, position)
                .Set(w => w.Attempts, state.Attempts)
                .Set(w => w.NextAttemptAt, state.NextAttemptAt)
                .Set(w => w.LastError, state.LastError)
                .Set(w => w.LeaseUntil, until)
                .UpdateAsync(cancellationToken).ConfigureAwait(false);
            if (saved == 0)
            {
                // Rolled back on dispose: the lease is another sender's, and nothing is written.
                return false;
            }

            if (deadLetter is not null)
            {
                await db.InsertOrReplaceAsync(DeadLetterRecord.From(deadLetter).In(db), token: cancellationToken).ConfigureAwait(false);
            }

            await session.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<WebhookDeadLetter>> ReadDeadLettersAsync(string subscriptionId, int limit, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(subscriptionId);
        return RunAsync<IReadOnlyList<WebhookDeadLetter>>(async db =>
        {
            var rows = await db.GetTable<DeadLetterRecord>()
                .Where(d => d.SubscriptionId == subscriptionId)
                .OrderBy(d => d.DeadAt).ThenBy(d => d.EventId)
                .Take(limit)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            return [.. rows.Select(r => r.ToDeadLetter())];
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<WebhookDeadLetter?> TakeDeadLetterAsync(string subscriptionId, Guid eventId, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(subscriptionId);
        return RunAsync<WebhookDeadLetter?>(async db =>
        {
            var row = await db.GetTable<DeadLetterRecord>().FirstOrDefaultAsync(d => d.SubscriptionId == subscriptionId && d.EventId == eventId, cancellationToken).ConfigureAwait(false);

            // The delete decides: of several callers that read the row, the one whose delete removed it has it.
            return row is not null && await db.GetTable<DeadLetterRecord>().Where(d => d.SubscriptionId == subscriptionId && d.EventId == eventId).DeleteAsync(cancellationToken).ConfigureAwait(false) == 1
                ? row.ToDeadLetter()
                : null;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task AddDeadLetterAsync(WebhookDeadLetter deadLetter, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(deadLetter);
        return RunAsync(db => db.InsertOrReplaceAsync(DeadLetterRecord.From(deadLetter).In(db), token: cancellationToken), cancellationToken);
    }
}
