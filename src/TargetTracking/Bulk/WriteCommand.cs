namespace TargetTracking;

/// <summary>One change in a unit of work. Single writes and bulk writes are both lists of these.</summary>
internal abstract record WriteCommand(TargetId Id);

internal sealed record CreateCommand(TargetId Id, NewTarget Target) : WriteCommand(Id);

internal sealed record UpdateCommand(TargetId Id, long ExpectedVersion, TargetUpdate Update) : WriteCommand(Id);

/// <summary>
/// A status change; <see langword="null"/> <paramref name="ExpectedVersion"/> (tracked operations only) moves whatever version is
/// current. <paramref name="Reason"/> is the lost reason of a move into a closed-lost status. <paramref name="Guarded"/> is what
/// the host's guards decided before the write (<see cref="TargetWriter.GuardAsync"/>): the version they saw and their refusal.
/// <paramref name="EffectiveAt"/>: when it took effect, if not now (a backdated change).
/// </summary>
internal sealed record ChangeStatusCommand(TargetId Id, long? ExpectedVersion, string? Status, LostReason? Reason = null, GuardOutcome? Guarded = null, DateTimeOffset? EffectiveAt = null) : WriteCommand(Id);

/// <summary>The guards' decision about a status change: the version of the target they saw, and their refusal if any.</summary>
internal sealed record GuardOutcome(long Version, GuardRefusedError? Refused);

internal sealed record DeleteCommand(TargetId Id, long ExpectedVersion) : WriteCommand(Id);
