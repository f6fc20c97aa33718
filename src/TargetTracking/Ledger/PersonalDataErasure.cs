using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TargetTracking;

/// <summary>Whose personal data an erasure removed.</summary>
public enum ErasureSubject
{
    /// <summary>A person who acted (wrote entries) or was named in them (as a target's owner).</summary>
    Actor = 0,

    /// <summary>A target's own personal fields: its name and description.</summary>
    Target = 1,
}

/// <summary>The record of one erasure of personal data (<see cref="PersonalDataErasure"/>): who erased what, when and why. Append-only.</summary>
public sealed record Erasure
{
    /// <summary>The name an erased target is given: a name is required, and this one names nobody.</summary>
    public const string ErasedName = "(erased)";

    /// <summary>Gets the id of the erasure.</summary>
    public required Guid Id { get; init; }

    /// <summary>Gets the tenant whose data was erased.</summary>
    public required string Tenant { get; init; }

    /// <summary>Gets when it was erased.</summary>
    public required DateTimeOffset ErasedAt { get; init; }

    /// <summary>Gets why, as the caller gave it (a data subject's request, a ticket).</summary>
    public required string Reason { get; init; }

    /// <summary>Gets who erased it, from where.</summary>
    public required AuditContext Audit { get; init; }

    /// <summary>Gets whose data was erased. The erased actor's id is not kept: keeping it would undo the erasure.</summary>
    public required ErasureSubject Subject { get; init; }

    /// <summary>Gets the target whose name and description were erased (<see cref="ErasureSubject.Target"/>); <see langword="null"/> for an actor.</summary>
    public TargetId? TargetId { get; init; }

    /// <summary>Gets how many target history entries had personal fields replaced; each is listed with the erasure, and verification takes its sealed personal hash.</summary>
    public long Entries { get; init; }

    /// <summary>Gets how many target rows had personal fields replaced (the owner, or the name and description).</summary>
    public long Targets { get; init; }
}

/// <summary>
/// Erases personal data and keeps the proof (docs/ledger.md, "Erasure"): for an actor, every target history entry the actor
/// wrote (actor id and name, client address, user agent, note) or is named in (owner before or after) and every target the
/// actor owns; for a target, its name and description (history records neither). The values are replaced (a null; a
/// target's name becomes <see cref="Erasure.ErasedName"/>), so reports, exports, the feed and the API no longer have them,
/// and the erasure is recorded with the entries it changed, in one transaction, through the store's privileged path
/// (PostgreSQL: a <c>SECURITY DEFINER</c> function the application role runs only when granted; MariaDB and MySQL: a definer
/// procedure; SQLite: the library's own connection-local permit): the run-time role cannot update history otherwise.
/// The chain covers a keyed hash of the personal fields, not the fields, so <see cref="Ledger.VerifyAsync(CancellationToken)"/>
/// still passes: for an erased entry it takes the sealed personal hash instead of recomputing it.
/// </summary>
public sealed partial class PersonalDataErasure
{
    /// <summary>The longest reason kept, in UTF-16 code units (as every audit field, <see cref="AuditContext.MaxFieldLength"/>).</summary>
    public const int MaxReasonLength = AuditContext.MaxFieldLength;

    private readonly TargetTracker _tracker;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="tracker">The tracker whose tenant's data is erased.</param>
    /// <param name="logger">Logs each erasure (tenant, id, subject and counts; never the erased values, the reason or the actor).</param>
    public PersonalDataErasure(TargetTracker tracker, ILogger<PersonalDataErasure>? logger = null)
    {
        Guard.Against.Null(tracker);
        _tracker = tracker;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Erases an actor's personal data from the tenant's history and targets, and records the erasure; all of it or nothing.</summary>
    /// <param name="actorId">The actor, as history records it (<see cref="AuditContext.ActorId"/>, <see cref="Target.OwnerId"/>).</param>
    /// <param name="reason">Why (required; at most <see cref="MaxReasonLength"/> characters are kept).</param>
    /// <param name="audit">Who erases; when <see langword="null"/>, the <see cref="IAuditContextAccessor"/> is asked.</param>
    /// <param name="cancellationToken">Cancels the erasure before it commits.</param>
    /// <returns>The erasure as recorded, with how many entries and targets changed.</returns>
    /// <exception cref="ArgumentException"><paramref name="actorId"/> or <paramref name="reason"/> is empty or white space.</exception>
    /// <exception cref="NotSupportedException">The store cannot erase (<see cref="TargetTracker.Supports{TPort}"/>).</exception>
    public Task<Erasure> EraseActorAsync(string actorId, string reason, AuditContext? audit = null, CancellationToken cancellationToken = default)
    {
        Guard.Against.NullOrWhiteSpace(actorId);
        return EraseAsync(ErasureSubject.Actor, null, actorId, reason, audit, cancellationToken);
    }

    /// <summary>Erases a target's name and description, and records the erasure; its version and history are unchanged.</summary>
    /// <param name="id">The target.</param>
    /// <param name="reason">Why (required; at most <see cref="MaxReasonLength"/> characters are kept).</param>
    /// <param name="audit">Who erases; when <see langword="null"/>, the <see cref="IAuditContextAccessor"/> is asked.</param>
    /// <param name="cancellationToken">Cancels the erasure before it commits.</param>
    /// <returns>The erasure as recorded; <see cref="Erasure.Targets"/> is 0 when the target does not exist.</returns>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is empty or white space.</exception>
    /// <exception cref="NotSupportedException">The store cannot erase.</exception>
    public Task<Erasure> EraseTargetAsync(TargetId id, string reason, AuditContext? audit = null, CancellationToken cancellationToken = default) =>
        EraseAsync(ErasureSubject.Target, id, null, reason, audit, cancellationToken);

    /// <summary>Reads the tenant's erasures, oldest first.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The erasures.</returns>
    /// <exception cref="NotSupportedException">The store cannot erase.</exception>
    public Task<IReadOnlyList<Erasure>> GetErasuresAsync(CancellationToken cancellationToken = default) =>
        _tracker.Port<IErasureStore>().GetErasuresAsync(cancellationToken);

    private async Task<Erasure> EraseAsync(ErasureSubject subject, TargetId? targetId, string? actorId, string reason, AuditContext? audit, CancellationToken cancellationToken)
    {
        Guard.Against.NullOrWhiteSpace(reason);
        var store = _tracker.Port<IErasureStore>();
        var who = _tracker.ResolveAudit(audit).Sanitized();
        var now = _tracker.Time.GetUtcNow();
        var erasure = new Erasure
        {
            Id = Guid.CreateVersion7(now),
            Tenant = string.Empty,
            ErasedAt = now,
            Reason = TargetRules.ToStorable(reason.Trim(), MaxReasonLength),
            Audit = who.CorrelationId is null ? who with { CorrelationId = Guid.CreateVersion7(now).ToString("N") } : who,
            Subject = subject,
            TargetId = targetId,
        };
        var erased = await store.EraseAsync(erasure, actorId, cancellationToken).ConfigureAwait(false);
        LogErased(_logger, erased.Tenant, erased.Id, erased.Subject, erased.Entries, erased.Targets);
        return erased;
    }

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "Personal data was erased in tenant {Tenant} (erasure {ErasureId}, {Subject}): {Entries} history entries and {Targets} targets changed.")]
    private static partial void LogErased(ILogger logger, string tenant, Guid erasureId, ErasureSubject subject, long entries, long targets);
}
