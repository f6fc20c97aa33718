using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TargetTracking;

/// <summary>The record of a deleted tenant, kept outside every tenant's data (<see cref="TenantPurge"/>).</summary>
public sealed record TenantDeletion
{
    /// <summary>Gets the id of the deletion.</summary>
    public required Guid Id { get; init; }

    /// <summary>Gets the tenant that was deleted.</summary>
    public required string Tenant { get; init; }

    /// <summary>Gets when it was deleted.</summary>
    public required DateTimeOffset DeletedAt { get; init; }

    /// <summary>Gets why, as the caller gave it (a ticket, a contract's end, an erasure request).</summary>
    public required string Reason { get; init; }

    /// <summary>Gets who deleted it, from where: the caller's audit context, kept as history keeps it.</summary>
    public required AuditContext Audit { get; init; }

    /// <summary>Gets how many targets were deleted.</summary>
    public long Targets { get; init; }

    /// <summary>Gets how many target history entries were deleted.</summary>
    public long HistoryEntries { get; init; }
}

/// <summary>
/// Deletes a tenant entirely: its targets, their history and stays, goals, sprints, commitments, links and their history,
/// tracked operations with their items and failures, stagnation claims and webhook state, in one transaction, through the
/// store's privileged purge path (PostgreSQL: a <c>SECURITY DEFINER</c> function the application role runs only when
/// granted; MariaDB and MySQL: a definer procedure; SQLite: the library's own connection-local permit). The deletion is
/// recorded outside the tenant, with who asked, when and why, in a log that is append-only and that no purge removes.
/// The tenant is the tracker's (pinned with <see cref="TargetTracker.ForTenant"/>, or the accessor's, asked once).
/// </summary>
/// <remarks>
/// Delete a tenant at rest: stop its users, operations and webhook senders first (a write that commits while the deletion
/// runs may outlive it). Export it first (<see cref="TenantExport"/>) when the data must be handed over. With a database per
/// tenant the tenant's database is emptied and keeps the record; dropping the database is the host's step.
/// </remarks>
public sealed partial class TenantPurge
{
    /// <summary>The longest reason kept, in UTF-16 code units (as every audit field, <see cref="AuditContext.MaxFieldLength"/>).</summary>
    public const int MaxReasonLength = AuditContext.MaxFieldLength;

    private readonly TargetTracker _tracker;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="tracker">The tracker whose tenant is deleted.</param>
    /// <param name="logger">Logs each deletion (tenant, id and counts; never the reason or the actor).</param>
    public TenantPurge(TargetTracker tracker, ILogger<TenantPurge>? logger = null)
    {
        Guard.Against.Null(tracker);
        _tracker = tracker;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Deletes every row of the tenant and records the deletion; all of it or nothing.</summary>
    /// <param name="reason">Why (required; at most <see cref="MaxReasonLength"/> characters are kept).</param>
    /// <param name="audit">Who deletes it; when <see langword="null"/>, the <see cref="IAuditContextAccessor"/> is asked.</param>
    /// <param name="cancellationToken">Cancels the deletion before it commits.</param>
    /// <returns>The deletion as recorded.</returns>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is empty or white space.</exception>
    /// <exception cref="NotSupportedException">The store cannot delete a tenant (<see cref="TargetTracker.Supports{TPort}"/>).</exception>
    public async Task<TenantDeletion> DeleteAsync(string reason, AuditContext? audit = null, CancellationToken cancellationToken = default)
    {
        Guard.Against.NullOrWhiteSpace(reason);
        var store = _tracker.Port<ITenantPurgeStore>();
        var who = _tracker.ResolveAudit(audit).Sanitized();
        var now = _tracker.Time.GetUtcNow();
        var deletion = new TenantDeletion
        {
            Id = Guid.CreateVersion7(now),
            Tenant = string.Empty,
            DeletedAt = now,
            Reason = TargetRules.ToStorable(reason.Trim(), MaxReasonLength),
            Audit = who.CorrelationId is null ? who with { CorrelationId = Guid.CreateVersion7(now).ToString("N") } : who,
        };
        var deleted = await store.DeleteTenantAsync(deletion, cancellationToken).ConfigureAwait(false);
        LogDeleted(_logger, deleted.Tenant, deleted.Id, deleted.Targets, deleted.HistoryEntries);
        return deleted;
    }

    /// <summary>Reads the recorded deletions of the tenant, oldest first; they outlive its data.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The deletions.</returns>
    /// <exception cref="NotSupportedException">The store cannot delete a tenant.</exception>
    public Task<IReadOnlyList<TenantDeletion>> GetDeletionsAsync(CancellationToken cancellationToken = default) =>
        _tracker.Port<ITenantPurgeStore>().GetTenantDeletionsAsync(cancellationToken);

    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "Tenant {Tenant} was deleted (deletion {DeletionId}): {Targets} targets and {HistoryEntries} history entries removed.")]
    private static partial void LogDeleted(ILogger logger, string tenant, Guid deletionId, long targets, long historyEntries);
}
