namespace TargetTracking.Conformance;

/// <summary>
/// Tampers with a relational store's history as its database owner would (docs/ledger.md, the probe table): raw SQL with
/// the append-only guards out of the way — PostgreSQL's triggers off for the transaction (<c>session_replication_role</c>),
/// MariaDB's and SQLite's triggers dropped. The saboteurs of <see cref="IIntegrityFixture"/> implement it where they can.
/// </summary>
public interface IHistoryTamperer
{
    /// <summary>Sets a text column of one entry (<c>new_status</c>, <c>actor_name</c>, <c>note</c>, …).</summary>
    Task SetEntryTextAsync(Guid entryId, string column, string? value);

    /// <summary>Deletes one entry.</summary>
    Task DeleteEntryAsync(Guid entryId);

    /// <summary>Inserts a copy of an entry under a new id, 1000 versions later, with the same commit sequence: it lands among the sealed entries.</summary>
    Task CopyEntryAsync(Guid entryId, Guid newId);

    /// <summary>Swaps two entries' commit sequences and times: their order.</summary>
    Task SwapOrderAsync(Guid first, Guid second);

    /// <summary>Deletes the seals after a position and moves the head of the default tenant's chain (the ledger tables have no guard: a digest is what catches this).</summary>
    Task RewindLedgerAsync(long position, string hash, string? sealedThrough);
}
