namespace TargetTracking;

/// <summary>Whether a link request adds or removes the link.</summary>
public enum LinkAction
{
    /// <summary>Adds the link; a link that exists already is a no-op (<see cref="BulkItemState.Unchanged"/>).</summary>
    Link = 0,

    /// <summary>Removes the link; a link that does not exist is a no-op (<see cref="BulkItemState.Unchanged"/>).</summary>
    Unlink = 1,
}

/// <summary>One link change of a unit of work: an outcome and a goal, sprint or commitment.</summary>
/// <param name="Action">Link or unlink.</param>
/// <param name="TargetId">The outcome.</param>
/// <param name="ItemId">The goal, sprint or commitment.</param>
public sealed record LinkRequest(LinkAction Action, TargetId TargetId, Guid ItemId);

/// <summary>The outcome of one link request.</summary>
/// <param name="Index">Its position in the unit of work.</param>
/// <param name="Request">The request.</param>
/// <param name="State">What happened.</param>
/// <param name="Link">The link (with the item's kind), unless the request failed.</param>
/// <param name="Error">Why it failed: <see cref="NotFoundError"/> (the outcome) or <see cref="ItemNotFoundError"/>.</param>
public sealed record LinkOutcome(int Index, LinkRequest Request, BulkItemState State, OutcomeLink? Link, TargetError? Error);

/// <summary>The outcome of a unit of link changes: one outcome per request, in order.</summary>
/// <param name="Mode">How it committed.</param>
/// <param name="Items">One outcome per request.</param>
public sealed record LinkBulkResult(BulkMode Mode, IReadOnlyList<LinkOutcome> Items)
{
    /// <summary>Gets a value indicating whether no request failed.</summary>
    public bool Succeeded => Items.All(i => i.State is BulkItemState.Applied or BulkItemState.Unchanged);

    /// <summary>Gets how many requests changed a link.</summary>
    public int AppliedCount => Items.Count(i => i.State == BulkItemState.Applied);

    /// <summary>Gets how many requests failed.</summary>
    public int FailedCount => Items.Count(i => i.State == BulkItemState.Failed);
}
