namespace TargetTracking;

/// <summary>A move the stagnation monitor makes when a target has stayed in a status long enough (<see cref="PipelineOptions.TimedMoves"/>).</summary>
/// <param name="From">The status a target stays in.</param>
/// <param name="After">How long its stay lasts before the move.</param>
/// <param name="To">The status it then moves to.</param>
public sealed record TimedMove(string From, TimeSpan After, string To)
{
    /// <summary>Gets the lost reason the move gives, when <see cref="To"/> is closed-lost and lost reasons are configured.</summary>
    public LostReason? Reason { get; init; }
}
