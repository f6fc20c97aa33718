namespace TargetTracking;

/// <summary>What a history entry records.</summary>
public enum HistoryAction
{
    /// <summary>The target was created.</summary>
    Created = 0,

    /// <summary>The status changed.</summary>
    StatusChanged = 1,

    /// <summary>Name, description, markets, amount or owner changed.</summary>
    Updated = 2,

    /// <summary>The target was deleted.</summary>
    Deleted = 3,

    /// <summary>
    /// The integrity repair set the target's stored state right (<see cref="TargetHealth.ApplyRepairAsync"/>): a
    /// checkpoint. It takes the next version after every stored entry and the target's row, records in
    /// <see cref="HistoryEntry.Note"/> what was wrong, and its <see cref="HistoryEntry.NewStatus"/> and
    /// <see cref="HistoryEntry.Version"/> are where replay restarts: the entries before it are kept as they are and
    /// not checked again.
    /// </summary>
    Repaired = 4,

    /// <summary>
    /// The target (an outcome) was linked to a goal, sprint or commitment. A link is a change of the outcome: it takes the
    /// target's next version, and its <see cref="HistoryEntry.OldStatus"/> and <see cref="HistoryEntry.NewStatus"/> are both the
    /// target's current status (a link never moves the status). <see cref="HistoryEntry.Note"/> names the item
    /// (<see cref="OutcomeLink.Note"/>, read back with <see cref="OutcomeLink.TryRead"/>).
    /// </summary>
    Linked = 5,

    /// <summary>
    /// The target's link to a goal, sprint or commitment was removed (by an unlink, or by a delete of either side under
    /// <see cref="LinkDeletePolicy.Cascade"/>). Versioned like <see cref="Linked"/>.
    /// </summary>
    Unlinked = 6,
}

/// <summary>
/// One append-only audit entry, written in the same transaction as the change it records.
/// Entries of a target, ordered by <see cref="Version"/>, replay to its current status and version: versions run
/// 1, 2, 3 … without a gap, and each entry starts from the status the one before left. A
/// <see cref="HistoryAction.Repaired"/> entry is a checkpoint: replay restarts at its status and version.
/// </summary>
public sealed record HistoryEntry
{
    /// <summary>Gets the entry id: a version-7 GUID created by the core.</summary>
    public required Guid Id { get; init; }

    /// <summary>Gets the target the entry belongs to.</summary>
    public required TargetId TargetId { get; init; }

    /// <summary>Gets what happened.</summary>
    public required HistoryAction Action { get; init; }

    /// <summary>Gets the status before the change (<see langword="null"/>: Not Set, or nothing before a create).</summary>
    public string? OldStatus { get; init; }

    /// <summary>Gets the status after the change (<see langword="null"/>: Not Set, and always after a delete).</summary>
    public string? NewStatus { get; init; }

    /// <summary>
    /// Gets the amount before the change, on <see cref="HistoryAction.Updated"/> entries (<see langword="null"/>: none then);
    /// <see langword="null"/> on every other entry.
    /// </summary>
    public Money? OldAmount { get; init; }

    /// <summary>
    /// Gets the amount after the change, on <see cref="HistoryAction.Created"/> and <see cref="HistoryAction.Updated"/> entries
    /// (<see langword="null"/>: none); <see langword="null"/> on every other entry.
    /// </summary>
    public Money? NewAmount { get; init; }

    /// <summary>Gets the owner before the change, on <see cref="HistoryAction.Updated"/> entries; <see langword="null"/> otherwise.</summary>
    public string? OldOwnerId { get; init; }

    /// <summary>Gets the owner after the change, on <see cref="HistoryAction.Created"/> and <see cref="HistoryAction.Updated"/> entries; <see langword="null"/> otherwise.</summary>
    public string? NewOwnerId { get; init; }

    /// <summary>Gets the version of the target after the change; for <see cref="HistoryAction.Deleted"/>, one past the last version.</summary>
    public required long Version { get; init; }

    /// <summary>Gets when the change was made: the recorded time, from the store's clock.</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>
    /// Gets when the change took effect: the time a backdated status change was given (a deal that really moved last Tuesday,
    /// recorded today), otherwise <see cref="OccurredAt"/>. Never after <see cref="OccurredAt"/>, never before the target's previous
    /// effective change (docs/pipeline.md, "When it really happened").
    /// </summary>
    public DateTimeOffset EffectiveAt
    {
        get => _effectiveAt ?? OccurredAt;

        // Kept only when it differs from OccurredAt (set that first): entries that mean the same compare equal, however made.
        init => _effectiveAt = value == OccurredAt ? null : value;
    }

    private readonly DateTimeOffset? _effectiveAt;

    /// <summary>Gets the id of the actor, as given at that time.</summary>
    public string? ActorId { get; init; }

    /// <summary>Gets the name of the actor, as given at that time.</summary>
    public string? ActorName { get; init; }

    /// <summary>Gets the correlation id shared by every entry of one unit of work.</summary>
    public required string CorrelationId { get; init; }

    /// <summary>Gets the tracked bulk operation that made the change, if any.</summary>
    public string? OperationId { get; init; }

    /// <summary>Gets the client address, where the host gave it.</summary>
    public string? ClientAddress { get; init; }

    /// <summary>Gets the client user agent, where the host gave it.</summary>
    public string? UserAgent { get; init; }

    /// <summary>
    /// Gets a note the library wrote with the entry: on entries the integrity repair appends, what was wrong and what
    /// the repair did; on <see cref="HistoryAction.Linked"/> and <see cref="HistoryAction.Unlinked"/> entries, the item
    /// (<see cref="OutcomeLink.Note"/>); on a move into a closed-lost status, the free text of its <see cref="LostReason"/>.
    /// <see langword="null"/> on every other entry.
    /// </summary>
    public string? Note { get; init; }

    /// <summary>
    /// Gets the reason code of a move into a closed-lost status (<see cref="LostReason.Code"/>, as configured in
    /// <see cref="PipelineOptions.LostReasons"/>); <see langword="null"/> on every other entry.
    /// </summary>
    public string? Reason { get; init; }
}

/// <summary>A page of one target's history, newest first, by keyset on version.</summary>
/// <param name="BeforeVersion">Only entries with a lower version; <see langword="null"/> starts at the newest.</param>
/// <param name="Limit">How many entries at most, 1 to 1000.</param>
public sealed record HistoryPageRequest(long? BeforeVersion = null, int Limit = 50);

/// <summary>
/// A slice of the history of every target, oldest first, for feeds and reports. Page by passing the
/// <see cref="HistoryEntry.OccurredAt"/> and <see cref="HistoryEntry.Id"/> of the last entry read.
/// </summary>
/// <param name="Since">Only entries at or after this time.</param>
/// <param name="AfterId">With <paramref name="Since"/> set to the last entry's time: only entries after this one.</param>
/// <param name="Limit">How many entries at most, 1 to 1000.</param>
public sealed record HistoryFeedRequest(DateTimeOffset Since, Guid? AfterId = null, int Limit = 100);
