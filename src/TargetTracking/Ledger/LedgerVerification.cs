namespace TargetTracking;

/// <summary>What is wrong at the first broken position of a chain (docs/ledger.md has the table of tampers and what they give).</summary>
public enum LedgerBreakKind
{
    /// <summary>The entry at the position is not the one sealed there: a field, its time or its commit sequence changed (two swapped entries give this at the first of them).</summary>
    Changed = 0,

    /// <summary>The position has no seal, or its seal names an entry that is gone (deleted, or the newest ones truncated).</summary>
    Missing = 1,

    /// <summary>An entry no seal names sits among the sealed ones, before the position.</summary>
    Inserted = 2,

    /// <summary>A target row's status or version disagrees with its newest history entry, at that entry's position.</summary>
    TargetDisagrees = 3,

    /// <summary>The chain ends before a digest's position: the newest entries and their seals were removed (or an older backup was restored).</summary>
    Truncated = 4,

    /// <summary>The chain hash at a digest's position is not the digest's: the chain was recomputed after a change at or before that position.</summary>
    Rewritten = 5,
}

/// <summary>The first broken position of a chain.</summary>
/// <param name="Kind">What is wrong.</param>
/// <param name="Position">The position in the tenant's chain (for a target whose newest entry is not sealed yet, the position after the head).</param>
/// <param name="EntryId">The entry at (or, for <see cref="LedgerBreakKind.Inserted"/>, put before) the position, where known.</param>
/// <param name="TargetId">The target, where known.</param>
/// <param name="Detail">What was found, for a person.</param>
public sealed record LedgerBreak(LedgerBreakKind Kind, long Position, Guid? EntryId, TargetId? TargetId, string Detail);

/// <summary>What <see cref="Ledger.VerifyAsync(CancellationToken)"/> found in one tenant's chain.</summary>
public sealed record LedgerVerification
{
    /// <summary>Gets the tenant whose chain was verified.</summary>
    public required string Tenant { get; init; }

    /// <summary>Gets the head as stored: how far the chain is sealed.</summary>
    public required long Position { get; init; }

    /// <summary>Gets the chain hash at <see cref="Position"/> as stored.</summary>
    public required string Hash { get; init; }

    /// <summary>Gets how many seals were recomputed before the first break of the chain (all of them when the chain holds, even if a target row disagrees).</summary>
    public required long Verified { get; init; }

    /// <summary>Gets the first broken position, or <see langword="null"/> when the chain holds.</summary>
    public LedgerBreak? FirstBreak { get; init; }

    /// <summary>Gets a value indicating whether the chain holds: every sealed entry is as sealed, none is missing or inserted, and every target row agrees with its history.</summary>
    public bool IsIntact => FirstBreak is null;

    /// <summary>Gets when the verification finished.</summary>
    public required DateTimeOffset VerifiedAt { get; init; }
}
