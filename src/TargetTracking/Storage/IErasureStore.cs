namespace TargetTracking.Storage;

/// <summary>
/// The storage port of <see cref="PersonalDataErasure"/>: replaces personal values and records the erasure with the entries
/// it changed, in one transaction, through the store's privileged path (the only one that may update history). Every member
/// works in the call's tenant.
/// </summary>
public interface IErasureStore
{
    /// <summary>
    /// Erases, in one transaction. For <see cref="ErasureSubject.Actor"/>: in every target history entry whose actor is
    /// <paramref name="actorId"/>, the actor id and name, client address, user agent and note become null, and in every entry
    /// whose owner before or after is the actor, that owner becomes null; every target the actor owns loses its owner. For
    /// <see cref="ErasureSubject.Target"/>: the target's name becomes <see cref="Erasure.ErasedName"/> and its description
    /// null, its version unchanged. Each changed entry is listed with the erasure; the erasure is recorded with the counts.
    /// </summary>
    /// <param name="erasure">The erasure to record (its tenant is the call's).</param>
    /// <param name="actorId">The actor erased (<see cref="ErasureSubject.Actor"/> only); never stored.</param>
    /// <param name="cancellationToken">Cancels the erasure before it commits.</param>
    /// <returns>The erasure as recorded, with its tenant and counts.</returns>
    Task<Erasure> EraseAsync(Erasure erasure, string? actorId, CancellationToken cancellationToken = default);

    /// <summary>Reads the tenant's erasures, oldest first.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The erasures.</returns>
    Task<IReadOnlyList<Erasure>> GetErasuresAsync(CancellationToken cancellationToken = default);
}
