namespace TargetTracking;

/// <summary>
/// A host's rule about a move that the pipeline cannot state itself: a credit check, an approval, a look-up in another
/// system. The core asks every guard about every status change (single, per bulk item, per tracked operation item) once,
/// <b>before</b> the write and outside any transaction, so a guard may do I/O; the write then rechecks the version it
/// decided on. A refusal comes back as <see cref="GuardRefusedError"/> and nothing is written for that item. Register guards
/// in <see cref="PipelineOptions.Guards"/> or as <see cref="ITransitionGuard"/> services; all the guards of one call share
/// <see cref="PipelineOptions.GuardBudget"/>.
/// </summary>
public interface ITransitionGuard
{
    /// <summary>Decides whether a move may happen.</summary>
    /// <param name="move">The target as stored when the call began, the status asked for, and who asks.</param>
    /// <param name="cancellationToken">Cancelled when the caller gives up or the budget runs out.</param>
    /// <returns><see cref="GuardVerdict.Allow"/>, or <see cref="GuardVerdict.Refuse"/> with the reason shown to the caller.</returns>
    ValueTask<GuardVerdict> CheckAsync(GuardedMove move, CancellationToken cancellationToken);
}

/// <summary>A move a guard is asked about.</summary>
/// <param name="Target">The target as stored when the call began (a bulk unit's earlier items are not applied yet).</param>
/// <param name="To">The status asked for, as configured (<see langword="null"/>: Not Set).</param>
/// <param name="Reason">The lost reason given with it, if any.</param>
/// <param name="Audit">Who asks.</param>
/// <param name="OperationId">The tracked operation making the move, if any.</param>
public sealed record GuardedMove(Target Target, string? To, LostReason? Reason, AuditContext Audit, string? OperationId);

/// <summary>What a guard decided.</summary>
public sealed record GuardVerdict
{
    private GuardVerdict(string? refusal) => Refusal = refusal;

    /// <summary>Gets the verdict that lets the move happen.</summary>
    public static GuardVerdict Allow { get; } = new((string?)null);

    /// <summary>Gets why the move is refused; <see langword="null"/> when it is allowed.</summary>
    public string? Refusal { get; }

    /// <summary>Refuses the move.</summary>
    /// <param name="reason">Why, as the caller will read it in <see cref="GuardRefusedError.Reason"/>.</param>
    /// <returns>The verdict.</returns>
    public static GuardVerdict Refuse(string reason)
    {
        Guard.Against.NullOrWhiteSpace(reason);
        return new GuardVerdict(reason);
    }
}
