namespace TargetTracking;

/// <summary>The goal, sprint or commitment does not exist (it never did, it was deleted, or it is of another kind).</summary>
/// <param name="Id">The id asked for.</param>
/// <param name="Kind">The kind asked for, when the call named one.</param>
public sealed record ItemNotFoundError(Guid Id, HierarchyKind? Kind = null) : TargetError
{
    /// <inheritdoc />
    public override string Code => "not_found";

    /// <inheritdoc />
    public override string Message => $"{(Kind is { } k ? k.ToString() : "Item")} {Id:D} was not found.";
}

/// <summary>The write named a version of the item that is no longer current.</summary>
/// <param name="ExpectedVersion">The version the caller read.</param>
/// <param name="Current">The item as it is now.</param>
public sealed record ItemVersionConflictError(long ExpectedVersion, HierarchyItem Current) : TargetError
{
    /// <inheritdoc />
    public override string Code => "version_conflict";

    /// <inheritdoc />
    public override string Message =>
        $"{Current.Kind} {Current.Id:D} is at version {Current.Version}, not {ExpectedVersion}: it was changed since it was read.";
}

/// <summary>The item's status cannot move as asked (the kind's pipeline does not allow it, or the stored status is no longer configured).</summary>
/// <param name="Id">The item.</param>
/// <param name="Kind">What it is.</param>
/// <param name="From">The current status.</param>
/// <param name="To">The status asked for.</param>
/// <param name="AllowedNext">The statuses it can move to.</param>
public sealed record ItemTransitionNotAllowedError(Guid Id, HierarchyKind Kind, string? From, string? To, IReadOnlyList<string?> AllowedNext) : TargetError
{
    /// <inheritdoc />
    public override string Code => "transition_not_allowed";

    /// <inheritdoc />
    public override string Message =>
        $"{Kind} {Id:D} cannot move from {StatusStateMachine.Display(From)} to {StatusStateMachine.Display(To)}. " +
        (AllowedNext.Count == 0 ? "There is no move out of it." : $"Allowed next: {string.Join(", ", AllowedNext.Select(StatusStateMachine.Display))}.");
}

/// <summary>The delete was refused under <see cref="LinkDeletePolicy.Restrict"/>: links to the row still exist.</summary>
/// <param name="Links">The links that hold the row (at most <see cref="MaxListed"/>).</param>
/// <param name="TotalLinks">How many links there are.</param>
public sealed record LinksExistError(IReadOnlyList<OutcomeLink> Links, int TotalLinks) : TargetError
{
    /// <summary>The most links an error lists.</summary>
    public const int MaxListed = 20;

    /// <inheritdoc />
    public override string Code => "links_exist";

    /// <inheritdoc />
    public override string Message =>
        $"The delete is refused while {TotalLinks} link(s) exist: {string.Join(", ", Links.Select(l => $"target {l.TargetId} ↔ {l.Kind} {l.ItemId:D}"))}{(TotalLinks > Links.Count ? ", …" : string.Empty)}. Unlink them first or delete with the Cascade policy.";
}
