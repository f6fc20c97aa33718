namespace TargetTracking;

/// <summary>How a bulk unit of work commits.</summary>
public enum BulkMode
{
    /// <summary>Every item is applied, or none is: one failure rolls back the whole unit of work.</summary>
    AllOrNothing = 0,

    /// <summary>The valid items are applied; each failed item reports its error.</summary>
    Partial = 1,
}

/// <summary>What happened to one item of a unit of work.</summary>
public enum BulkItemState
{
    /// <summary>The change was applied.</summary>
    Applied = 0,

    /// <summary>The change was valid but changed nothing (e.g. a move to the current status): no version, no entry.</summary>
    Unchanged = 1,

    /// <summary>The change was refused; see <see cref="BulkItemOutcome.Error"/>.</summary>
    Failed = 2,

    /// <summary>The change was valid, but another item failed and the all-or-nothing unit of work was rolled back.</summary>
    RolledBack = 3,
}

/// <summary>The outcome of one item.</summary>
/// <param name="Index">The position of the item in the unit of work.</param>
/// <param name="TargetId">The target (for creates, the id it has or would have had).</param>
/// <param name="State">What happened.</param>
/// <param name="Target">The target after the item (before it, for deletes); <see langword="null"/> when it failed.</param>
/// <param name="Error">Why the item failed, for <see cref="BulkItemState.Failed"/>.</param>
public sealed record BulkItemOutcome(int Index, TargetId TargetId, BulkItemState State, Target? Target, TargetError? Error);

/// <summary>The outcome of a unit of work: one item outcome per item, in order.</summary>
/// <param name="Mode">How it committed.</param>
/// <param name="Items">One outcome per item.</param>
public sealed record BulkResult(BulkMode Mode, IReadOnlyList<BulkItemOutcome> Items)
{
    /// <summary>Gets a value indicating whether no item failed.</summary>
    public bool Succeeded => Items.All(i => i.State is BulkItemState.Applied or BulkItemState.Unchanged);

    /// <summary>Gets how many items were applied.</summary>
    public int AppliedCount => Items.Count(i => i.State == BulkItemState.Applied);

    /// <summary>Gets how many items failed.</summary>
    public int FailedCount => Items.Count(i => i.State == BulkItemState.Failed);
}
