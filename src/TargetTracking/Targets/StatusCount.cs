namespace TargetTracking;

/// <summary>How many targets are stored in one status.</summary>
/// <param name="Status">The status as stored (<see langword="null"/>: Not Set).</param>
/// <param name="Count">How many targets are in it.</param>
public sealed record StatusCount(string? Status, long Count);
