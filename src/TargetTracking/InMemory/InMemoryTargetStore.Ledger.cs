namespace TargetTracking.InMemory;

/// <summary>The ledger of the model: one lock per tenant's chain makes each member atomic, as one statement or transaction is in a database.</summary>
public sealed partial class InMemoryTargetStore
{
    /// <inheritdoc />
    public Task<LedgerHead?> TryLeaseLedgerAsync(LedgerLease lease, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(lease);
        cancellationToken.ThrowIfCancellationRequested();
        var chain = Here.Ledger;
        lock (chain)
        {
            if (chain.Owner is not null && chain.Until > now && chain.Owner != lease.Owner)
            {
                return Task.FromResult<LedgerHead?>(null);
            }

            (chain.Owner, chain.Until) = (lease.Owner, lease.Until);
            return Task.FromResult<LedgerHead?>(chain.Head);
        }
    }

    /// <inheritdoc />
    public Task<bool> AppendSealsAsync(LedgerHead from, IReadOnlyList<LedgerSeal> seals, LedgerHead to, LedgerLease lease, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(from);
        Guard.Against.Null(seals);
        Guard.Against.Null(to);
        Guard.Against.Null(lease);
        cancellationToken.ThrowIfCancellationRequested();
        var chain = Here.Ledger;
        lock (chain)
        {
            if (chain.Owner != lease.Owner || !(chain.Until > now) || chain.Head.Position != from.Position)
            {
                return Task.FromResult(false);
            }

            chain.Seals.AddRange(seals);
            (chain.Head, chain.Until) = (to, lease.Until);
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task<LedgerHead?> ReadLedgerHeadAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var chain = Here.Ledger;
        lock (chain)
        {
            return Task.FromResult(chain.Seals.Count == 0 && chain.Owner is null ? null : chain.Head);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SealedEntry>> ReadSealsAsync(long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var partition = Here;
        List<LedgerSeal> seals;
        lock (partition.Ledger)
        {
            seals = [.. partition.Ledger.Seals.Where(s => s.Position > afterPosition).OrderBy(s => s.Position).Take(limit)];
        }

        // Brute force, as the model: every entry of the tenant by id.
        var state = Volatile.Read(ref partition.State);
        var entries = state.Feed.ToDictionary(r => r.Entry.Id, r => new FeedEntry(r.Entry, FeedToken.Of(r.Sequence, r.Entry.Version, r.Entry.Id)));
        IReadOnlyList<SealedEntry> page = [.. seals.Select(s => new SealedEntry(s, entries.GetValueOrDefault(s.EntryId), state.ErasedEntries.Contains(s.EntryId)))];
        return Task.FromResult(page);
    }

    /// <inheritdoc />
    public Task<FeedEntry?> FindUnsealedAsync(FeedToken through, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(through);
        cancellationToken.ThrowIfCancellationRequested();
        var partition = Here;
        HashSet<Guid> sealedIds;
        lock (partition.Ledger)
        {
            sealedIds = [.. partition.Ledger.Seals.Select(s => s.EntryId)];
        }

        var first = Volatile.Read(ref partition.State).Feed
            .Select(r => new FeedEntry(r.Entry, FeedToken.Of(r.Sequence, r.Entry.Version, r.Entry.Id)))
            .Where(e => e.Token.CompareTo(through) <= 0 && !sealedIds.Contains(e.Entry.Id))
            .OrderBy(e => e.Token)
            .FirstOrDefault();
        return Task.FromResult(first);
    }

    /// <inheritdoc />
    public Task<long?> FindSealPositionAsync(Guid entryId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var chain = Here.Ledger;
        lock (chain)
        {
            return Task.FromResult(chain.Seals.Find(s => s.EntryId == entryId)?.Position);
        }
    }

    /// <summary>One tenant's chain: its head, its lease and its seals in position order.</summary>
    private sealed class LedgerChain
    {
        public readonly List<LedgerSeal> Seals = [];
#pragma warning disable SA1401 // Fields, read and written under the chain's lock.
        public LedgerHead Head = new(0, LedgerEncoding.Genesis, null, null);
        public string? Owner;
        public DateTimeOffset? Until;
#pragma warning restore SA1401
    }
}
