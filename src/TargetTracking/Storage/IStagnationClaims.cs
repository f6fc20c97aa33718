namespace TargetTracking.Storage;

/// <summary>A claim on one stay of one target: the proof that one monitor, and only one, notifies it.</summary>
/// <param name="TargetId">The target.</param>
/// <param name="StayStartedAt">When the stay began: with the target, the claim's key.</param>
/// <param name="Status">The stay's status (<see langword="null"/>: Not Set).</param>
/// <param name="ClaimedAt">When the claim was made.</param>
public sealed record StagnationClaim(TargetId TargetId, DateTimeOffset StayStartedAt, string? Status, DateTimeOffset ClaimedAt);

/// <summary>
/// The storage port of the stagnation monitor: claims stays atomically, so a stay is notified once across restarts
/// and across several host instances sharing a store (a unique key on target and stay start in the relational stores).
/// </summary>
public interface IStagnationClaims
{
    /// <summary>Claims a stay, atomically.</summary>
    /// <param name="claim">The stay.</param>
    /// <param name="cancellationToken">Cancels the claim.</param>
    /// <returns><see langword="true"/> when this call claimed it; <see langword="false"/> when it was claimed before.</returns>
    Task<bool> TryClaimAsync(StagnationClaim claim, CancellationToken cancellationToken = default);

    /// <summary>Gives a claim back (the notifier failed), so the stay is offered again.</summary>
    /// <param name="claim">The stay.</param>
    /// <param name="cancellationToken">Cancels the release.</param>
    /// <returns>A task that completes when the claim is gone.</returns>
    Task ReleaseAsync(StagnationClaim claim, CancellationToken cancellationToken = default);
}
