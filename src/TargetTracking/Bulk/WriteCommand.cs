namespace TargetTracking;

/// <summary>One change in a unit of work. Single writes and bulk writes are both lists of these.</summary>
internal abstract record WriteCommand(TargetId Id);

internal sealed record CreateCommand(TargetId Id, NewTarget Target) : WriteCommand(Id);

internal sealed record UpdateCommand(TargetId Id, long ExpectedVersion, TargetUpdate Update) : WriteCommand(Id);

/// <summary>
/// A status change; <see langword="null"/> <paramref name="ExpectedVersion"/> (tracked operations only) moves whatever version is current.
/// <paramref name="EffectiveAt"/>: when it took effect, if not now (a backdated change).
/// </summary>
internal sealed record ChangeStatusCommand(TargetId Id, long? ExpectedVersion, string? Status, DateTimeOffset? EffectiveAt = null) : WriteCommand(Id);

internal sealed record DeleteCommand(TargetId Id, long ExpectedVersion) : WriteCommand(Id);
