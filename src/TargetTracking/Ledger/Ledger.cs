namespace TargetTracking;

/// <summary>
/// The ledger of one tenant's history (docs/ledger.md): seals committed entries in commit order into a hash chain, and
/// verifies the chain. <see cref="LedgerSealer"/> runs <see cref="SealOnceAsync"/> for every tenant as a hosted service;
/// a host with a scheduler of its own calls it. Works in the tracker's tenant (pinned, or the accessor's).
/// </summary>
public sealed class Ledger
{
    private const int MostTargetsPlaced = 100;

    private readonly TargetTracker _tracker;
    private readonly LedgerOptions _options;
    private readonly byte[] _key;
    private readonly TimeProvider _time;
    private LedgerVerification? _last;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="tracker">The tracker whose store keeps the history and the seals; it must implement <see cref="ILedgerStore"/>.</param>
    /// <param name="options">The key and the sealing settings.</param>
    /// <param name="timeProvider">The clock of leases and seals; <see langword="null"/> for the tracker's.</param>
    /// <exception cref="ArgumentException">The options are not valid; the message names each setting.</exception>
    /// <exception cref="NotSupportedException">The store keeps no seals.</exception>
    public Ledger(TargetTracker tracker, LedgerOptions options, TimeProvider? timeProvider = null)
    {
        Guard.Against.Null(tracker);
        Guard.Against.Null(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        _ = tracker.Port<ILedgerStore>();
        _tracker = tracker;
        _options = options;
        _key = [.. options.PersonalDataKey!];
        _time = timeProvider ?? tracker.Time;
    }

    /// <summary>Gets the result of the last verification this instance ran, or <see langword="null"/> before the first; the ledger health check reports it.</summary>
    public LedgerVerification? LastVerification => Volatile.Read(ref _last);

    /// <summary>
    /// Seals every committed entry not sealed yet, in commit order, in batches of <see cref="LedgerOptions.BatchSize"/> (one
    /// transaction each), while this sealer holds the lease on the tenant's chain.
    /// </summary>
    /// <param name="cancellationToken">Stops between batches; what was sealed stays sealed.</param>
    /// <returns>How many entries were sealed; 0 when none waited or another sealer holds the chain.</returns>
    public async Task<long> SealOnceAsync(CancellationToken cancellationToken = default)
    {
        var store = _tracker.Port<ILedgerStore>();
        var feed = _tracker.Port<IChangeFeedStore>();
        var tenant = _tracker.CurrentTenant;
        long sealedCount = 0;
        while (true)
        {
            var now = _time.GetUtcNow();
            var lease = new LedgerLease(_options.InstanceId, now + _options.LeaseDuration);
            if (await store.TryLeaseLedgerAsync(lease, now, cancellationToken).ConfigureAwait(false) is not { } head)
            {
                return sealedCount;
            }

            var page = await feed.ReadFeedAsync(head.SealedThrough ?? FeedToken.Start, _options.BatchSize, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                return sealedCount;
            }

            var seals = new List<LedgerSeal>(page.Count);
            var hash = head.Hash;
            foreach (var entry in page)
            {
                var position = head.Position + seals.Count + 1;
                var personal = LedgerEncoding.PersonalHash(_key, entry.Entry);
                hash = LedgerEncoding.Chain(hash, tenant, position, entry, personal);
                seals.Add(new LedgerSeal(position, entry.Entry.Id, personal, hash));
            }

            var to = new LedgerHead(head.Position + seals.Count, hash, page[^1].Token, now);
            if (!await store.AppendSealsAsync(head, seals, to, lease, now, cancellationToken).ConfigureAwait(false))
            {
                return sealedCount;
            }

            sealedCount += seals.Count;
            if (page.Count < _options.BatchSize)
            {
                return sealedCount;
            }
        }
    }

    /// <summary>
    /// Verifies the tenant's chain: streams the seals with their entries (memory flat in the size of the history),
    /// recomputes each entry's personal hash with the key and each chain hash, looks for an entry put among the sealed
    /// ones, and checks every target row against its newest entry (the integrity check's rule). Reports the first broken
    /// position. Entries not sealed yet are not judged.
    /// </summary>
    /// <param name="cancellationToken">Cancels the verification.</param>
    /// <returns>What was found.</returns>
    public Task<LedgerVerification> VerifyAsync(CancellationToken cancellationToken = default) => VerifyAsync(null, cancellationToken);

    /// <summary>
    /// Verifies the tenant's chain as <see cref="VerifyAsync(CancellationToken)"/> does, and against a digest issued before
    /// (<see cref="IssueDigestAsync"/>, checked with <see cref="SignedLedgerDigest.Verify"/>): the chain must reach the
    /// digest's position (else <see cref="LedgerBreakKind.Truncated"/>) with the digest's hash there (else
    /// <see cref="LedgerBreakKind.Rewritten"/>), which proves that nothing up to it changed since, even a chain recomputed
    /// after an edit.
    /// </summary>
    /// <param name="since">The digest; <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the verification.</param>
    /// <returns>What was found.</returns>
    /// <exception cref="ArgumentException">The digest is of another tenant.</exception>
    public async Task<LedgerVerification> VerifyAsync(LedgerDigest? since, CancellationToken cancellationToken = default)
    {
        var store = _tracker.Port<ILedgerStore>();
        var tenant = _tracker.CurrentTenant;
        if (since is not null && since.Tenant != tenant)
        {
            throw new ArgumentException($"The digest is of tenant '{since.Tenant}'; this ledger verifies tenant '{tenant}'.", nameof(since));
        }

        var head = await store.ReadLedgerHeadAsync(cancellationToken).ConfigureAwait(false) ?? LedgerHead.Start;

        // An entry among the sealed ones is found first, and placed while the seals stream past its feed position. The
        // chain is read up to the head read here: a sealer running meanwhile appends after it.
        var inserted = head.SealedThrough is { } through ? await store.FindUnsealedAsync(through, cancellationToken).ConfigureAwait(false) : null;
        var (found, verified, previous) = await VerifyChainAsync(store, tenant, head.Position, inserted, since, cancellationToken).ConfigureAwait(false);
        if (found is null && verified < head.Position)
        {
            found = new LedgerBreak(LedgerBreakKind.Missing, verified + 1, null, null, $"The head says {head.Position} entries are sealed; the seals end at {verified}.");
        }
        else if (found is null && previous != head.Hash)
        {
            found = new LedgerBreak(LedgerBreakKind.Changed, head.Position, null, null, "The head's hash is not the chain's hash at its position.");
        }
        else if (found is null && inserted is not null)
        {
            found = Inserted(head.Position + 1, inserted);
        }
        else if (found is null && since is not null && verified < since.Position)
        {
            found = new LedgerBreak(LedgerBreakKind.Truncated, verified + 1, null, null, $"The chain ends at position {verified}; the digest of {since.IssuedAt:O} saw it at {since.Position}.");
        }

        // The rows are judged against a chain that holds: once history is broken, a row that disagrees with what is left
        // of it says nothing new (truncated entries leave their targets' rows ahead of their history).
        found ??= await FirstDisagreeingTargetAsync(store, head, cancellationToken).ConfigureAwait(false);

        var result = new LedgerVerification
        {
            Tenant = tenant,
            Position = head.Position,
            Hash = head.Hash,
            Verified = verified,
            FirstBreak = found,
            VerifiedAt = _time.GetUtcNow(),
        };
        Volatile.Write(ref _last, result);
        return result;
    }

    /// <summary>Issues a signed digest of the tenant's chain as sealed now, for the host to keep outside the database.</summary>
    /// <param name="signingKey">The host's ECDSA P-256 private key.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The signed digest; <see cref="SignedLedgerDigest.ToString"/> writes it.</returns>
    public async Task<SignedLedgerDigest> IssueDigestAsync(System.Security.Cryptography.ECDsa signingKey, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(signingKey);
        var head = await _tracker.Port<ILedgerStore>().ReadLedgerHeadAsync(cancellationToken).ConfigureAwait(false) ?? LedgerHead.Start;
        var digest = new LedgerDigest { Tenant = _tracker.CurrentTenant, Position = head.Position, Hash = head.Hash, IssuedAt = _time.GetUtcNow() };
        return SignedLedgerDigest.Sign(digest, signingKey);
    }

    /// <summary>
    /// Lists every sealed position that no longer holds, not only the first: after a restore, or against the last digest, it
    /// says exactly which sealed entries are missing or changed since. Each seal is checked against the stored hash of the
    /// one before it, so a change at one position does not hide the next; with a digest whose hash the stored chain still
    /// reaches (no <see cref="LedgerBreakKind.Rewritten"/>), the stored hashes are the ones the digest proves, and the list is
    /// complete. Positions the digest saw and the chain lacks come as one <see cref="LedgerBreakKind.Truncated"/> break
    /// naming the range; a run of positions without seals as one <see cref="LedgerBreakKind.Missing"/> break naming it.
    /// Memory is flat in the size of the history (pages of <see cref="LedgerOptions.BatchSize"/>) and in <paramref name="limit"/>.
    /// </summary>
    /// <param name="since">The last digest kept outside the database (checked with <see cref="SignedLedgerDigest.Verify"/>); <see langword="null"/> for none.</param>
    /// <param name="limit">The most breaks listed; the list stops there.</param>
    /// <param name="cancellationToken">Cancels the verification.</param>
    /// <returns>The broken positions, in position order; empty when every sealed entry is as sealed.</returns>
    /// <exception cref="ArgumentException">The digest is of another tenant.</exception>
    public async Task<IReadOnlyList<LedgerBreak>> FindBreaksAsync(LedgerDigest? since = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        Guard.Against.NegativeOrZero(limit);
        var store = _tracker.Port<ILedgerStore>();
        var tenant = _tracker.CurrentTenant;
        if (since is not null && since.Tenant != tenant)
        {
            throw new ArgumentException($"The digest is of tenant '{since.Tenant}'; this ledger verifies tenant '{tenant}'.", nameof(since));
        }

        var head = await store.ReadLedgerHeadAsync(cancellationToken).ConfigureAwait(false) ?? LedgerHead.Start;
        var breaks = new List<LedgerBreak>();
        var previous = LedgerEncoding.Genesis;
        long next = 1;
        while (breaks.Count < limit)
        {
            var page = await store.ReadSealsAsync(next - 1, _options.BatchSize, cancellationToken).ConfigureAwait(false);
            foreach (var (seal, entry, erased) in page.TakeWhile(s => s.Seal.Position <= head.Position))
            {
                if (seal.Position > next)
                {
                    // The seal before this one is gone with its hash: this one cannot be checked, the ones after it can.
                    breaks.Add(new LedgerBreak(LedgerBreakKind.Missing, next, null, null, $"No seals at positions {next} to {seal.Position - 1}."));
                }
                else if (Check(previous, tenant, seal, entry, erased) is { } broken)
                {
                    breaks.Add(broken);
                }

                if (Rewritten(since, seal, entry) is { } rewritten)
                {
                    breaks.Add(rewritten);
                }

                (previous, next) = (seal.Hash, seal.Position + 1);
            }

            if (page.Count < _options.BatchSize || page[^1].Seal.Position >= head.Position)
            {
                break;
            }
        }

        if (since is not null && next <= since.Position && breaks.Count < limit)
        {
            breaks.Add(new LedgerBreak(LedgerBreakKind.Truncated, next, null, null, $"Positions {next} to {since.Position} are missing: the digest of {since.IssuedAt:O} saw them sealed."));
        }

        return [.. breaks.Take(limit)];
    }

    private static LedgerBreak? Rewritten(LedgerDigest? since, LedgerSeal seal, FeedEntry? entry) =>
        since is not null && seal.Position == since.Position && seal.Hash != since.Hash
            ? new LedgerBreak(LedgerBreakKind.Rewritten, seal.Position, seal.EntryId, entry?.Entry.TargetId, $"The chain hash at position {seal.Position} is not the one the digest of {since.IssuedAt:O} signed: the chain was recomputed after a change at or before it.")
            : null;

    private static LedgerBreak Inserted(long position, FeedEntry entry) =>
        new(LedgerBreakKind.Inserted, position, entry.Entry.Id, entry.Entry.TargetId, $"Entry {entry.Entry.Id} (version {entry.Entry.Version}) has no seal but sits among the sealed entries, before position {position}.");

    private async Task<(LedgerBreak? Found, long Verified, string Previous)> VerifyChainAsync(ILedgerStore store, string tenant, long headPosition, FeedEntry? inserted, LedgerDigest? since, CancellationToken cancellationToken)
    {
        var previous = LedgerEncoding.Genesis;
        long verified = 0;
        long after = 0;
        while (true)
        {
            var page = await store.ReadSealsAsync(after, _options.BatchSize, cancellationToken).ConfigureAwait(false);
            foreach (var (seal, entry, erased) in page)
            {
                if (seal.Position > headPosition)
                {
                    return (null, verified, previous);
                }

                var position = verified + 1;
                if (seal.Position != position)
                {
                    return (new LedgerBreak(LedgerBreakKind.Missing, position, null, null, $"No seal at position {position} (the next is at {seal.Position})."), verified, previous);
                }

                if (entry is not null && inserted is not null && inserted.Token.CompareTo(entry.Token) < 0)
                {
                    return (Inserted(position, inserted), verified, previous);
                }

                if ((Check(previous, tenant, seal, entry, erased) ?? Rewritten(since, seal, entry)) is { } broken)
                {
                    return (broken, verified, previous);
                }

                previous = seal.Hash;
                verified = position;
            }

            if (page.Count < _options.BatchSize)
            {
                return (null, verified, previous);
            }

            after = page[^1].Seal.Position;
        }
    }

    /// <summary>Checks one seal against its entry and the chain hash before it: the entry is there, its personal hash and its leaf are as sealed.</summary>
    private LedgerBreak? Check(string previous, string tenant, LedgerSeal seal, FeedEntry? entry, bool erased)
    {
        var position = seal.Position;
        if (entry is null)
        {
            return new LedgerBreak(LedgerBreakKind.Missing, position, seal.EntryId, null, $"Entry {seal.EntryId}, sealed at position {position}, is gone.");
        }

        var e = entry.Entry;

        // An erased entry's personal fields were replaced on purpose (recorded with its erasure): the chain still covers the
        // personal hash sealed over the values it had, which is all that can be checked.
        if (!erased && LedgerEncoding.PersonalHash(_key, e) != seal.PersonalHash)
        {
            return new LedgerBreak(LedgerBreakKind.Changed, position, e.Id, e.TargetId, $"A personal field of entry {e.Id} (actor, client address, user agent or note) is not what was sealed at position {position}.");
        }

        return LedgerEncoding.Chain(previous, tenant, position, entry, seal.PersonalHash) != seal.Hash
            ? new LedgerBreak(LedgerBreakKind.Changed, position, e.Id, e.TargetId, $"Entry {e.Id} is not what was sealed at position {position}.")
            : null;
    }

    /// <summary>The target row that disagrees with its newest entry at the lowest position, by the integrity check's rule.</summary>
    private async Task<LedgerBreak?> FirstDisagreeingTargetAsync(ILedgerStore store, LedgerHead head, CancellationToken cancellationToken)
    {
        if (!_tracker.Supports<IIntegrityStore>())
        {
            return null;
        }

        var findings = new List<IntegrityFinding>();
        await _tracker.Port<IIntegrityStore>().ScanIntegrityAsync(new IntegrityScan { KnownStatuses = _tracker.Pipeline.Statuses }, finding =>
        {
            if (finding.Kind == IntegrityProblemKind.StatusDisagreesWithHistory && finding.TargetId is not null && findings.Count < MostTargetsPlaced)
            {
                findings.Add(finding);
            }
        }, cancellationToken).ConfigureAwait(false);

        LedgerBreak? first = null;
        foreach (var finding in findings)
        {
            var entryId = finding.Entry?.Id;
            var position = (entryId is { } id ? await store.FindSealPositionAsync(id, cancellationToken).ConfigureAwait(false) : null) ?? head.Position + 1;
            if (first is null || position < first.Position)
            {
                first = new LedgerBreak(
                    LedgerBreakKind.TargetDisagrees,
                    position,
                    entryId,
                    finding.TargetId,
                    $"Target {finding.TargetId} is at status '{finding.Row?.Status}' version {finding.Row?.Version}; its newest entry says otherwise.");
            }
        }

        return first;
    }
}
