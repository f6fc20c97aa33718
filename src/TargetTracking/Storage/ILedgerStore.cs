namespace TargetTracking.Storage;

/// <summary>The head of a tenant's hash chain (docs/ledger.md): how far it is sealed.</summary>
/// <param name="Position">How many entries are sealed (0 before the first).</param>
/// <param name="Hash">The chain hash at <paramref name="Position"/>, 64 lowercase hex digits (64 zeros at position 0).</param>
/// <param name="SealedThrough">The feed position of the newest sealed entry; <see langword="null"/> before the first.</param>
/// <param name="SealedAt">When the newest seal was written; <see langword="null"/> before the first.</param>
public sealed record LedgerHead(long Position, string Hash, FeedToken? SealedThrough, DateTimeOffset? SealedAt)
{
    /// <summary>Gets the head of a chain with no seal yet: position 0, the hash of 32 zero bytes.</summary>
    public static LedgerHead Start { get; } = new(0, new string('0', 64), null, null);
}

/// <summary>The seal of one history entry.</summary>
/// <param name="Position">The entry's position in its tenant's chain: 1, 2, 3, … in commit order.</param>
/// <param name="EntryId">The entry (<see cref="HistoryEntry.Id"/>).</param>
/// <param name="PersonalHash">The keyed hash of the entry's personal fields, 64 lowercase hex digits.</param>
/// <param name="Hash">The chain hash at this position, 64 lowercase hex digits.</param>
public sealed record LedgerSeal(long Position, Guid EntryId, string PersonalHash, string Hash);

/// <summary>A seal with the entry it names, as stored.</summary>
/// <param name="Seal">The seal.</param>
/// <param name="Entry">The entry with its feed position; <see langword="null"/> when no entry has the seal's id.</param>
/// <param name="Erased">Whether an erasure (<see cref="IErasureStore"/>) lists the entry: its personal fields were replaced, so verification takes the sealed personal hash.</param>
public sealed record SealedEntry(LedgerSeal Seal, FeedEntry? Entry, bool Erased = false);

/// <summary>A sealer's lease on its tenant's chain: one sealer extends a chain at a time, across host instances.</summary>
/// <param name="Owner">The sealer that holds it (<see cref="LedgerOptions.InstanceId"/>).</param>
/// <param name="Until">When it ends unless renewed.</param>
public sealed record LedgerLease(string Owner, DateTimeOffset Until);

/// <summary>
/// The storage port of the ledger (<see cref="Ledger"/>): the head of the call's tenant's chain with its lease, and the
/// seals, which are only ever appended. The hashes are computed by the core; a store keeps and reads them. Every member
/// works in the call's tenant.
/// </summary>
public interface ILedgerStore
{
    /// <summary>
    /// Takes or renews the lease on the tenant's chain, atomically: it succeeds when nobody holds it, the lease ended at
    /// or before <paramref name="now"/>, or <see cref="LedgerLease.Owner"/> holds it already. A chain never seen is created
    /// at position 0.
    /// </summary>
    /// <param name="lease">The lease asked for.</param>
    /// <param name="now">The time the lease is compared with.</param>
    /// <param name="cancellationToken">Cancels the claim.</param>
    /// <returns>The head when the lease is taken; <see langword="null"/> when another sealer holds it.</returns>
    Task<LedgerHead?> TryLeaseLedgerAsync(LedgerLease lease, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends seals and moves the head from <paramref name="from"/> to <paramref name="to"/> in one transaction, only while
    /// the lease is still this sealer's (held by <see cref="LedgerLease.Owner"/>, not ended at <paramref name="now"/>) and the
    /// head is still at <paramref name="from"/>'s position: two sealers never append one position.
    /// </summary>
    /// <param name="from">The head the seals were computed from.</param>
    /// <param name="seals">The seals, at the positions after <paramref name="from"/>, in order.</param>
    /// <param name="to">The new head.</param>
    /// <param name="lease">The lease, with its (renewed) end.</param>
    /// <param name="now">The time the lease is compared with.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns><see langword="true"/> when written; <see langword="false"/> when the lease or the head moved, and nothing was written.</returns>
    Task<bool> AppendSealsAsync(LedgerHead from, IReadOnlyList<LedgerSeal> seals, LedgerHead to, LedgerLease lease, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Reads the head of the tenant's chain.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The head, or <see langword="null"/> when nothing was ever sealed in the tenant.</returns>
    Task<LedgerHead?> ReadLedgerHeadAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads the seals after a position, in position order, each with the entry it names (its feed position included), or
    /// none where the entry is gone, and whether an erasure lists the entry. Positions are as stored: a deleted seal leaves a gap.
    /// </summary>
    /// <param name="afterPosition">The position to read after (0 for the first).</param>
    /// <param name="limit">How many seals at most.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The seals with their entries.</returns>
    Task<IReadOnlyList<SealedEntry>> ReadSealsAsync(long afterPosition, int limit, CancellationToken cancellationToken = default);

    /// <summary>Finds the first entry, in feed order, at or before <paramref name="through"/> that no seal names: one put among the sealed entries.</summary>
    /// <param name="through">The feed position of the newest sealed entry (<see cref="LedgerHead.SealedThrough"/>).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entry with its feed position, or <see langword="null"/>.</returns>
    Task<FeedEntry?> FindUnsealedAsync(FeedToken through, CancellationToken cancellationToken = default);

    /// <summary>Finds the position of an entry's seal.</summary>
    /// <param name="entryId">The entry.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The position, or <see langword="null"/> when the entry is not sealed.</returns>
    Task<long?> FindSealPositionAsync(Guid entryId, CancellationToken cancellationToken = default);
}
