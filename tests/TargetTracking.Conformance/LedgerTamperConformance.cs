using System.Security.Cryptography;
using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>
/// Tamper probes on every relational store, as a database owner would do them (docs/ledger.md, the probe table): each
/// tamper with sealed history is found by <see cref="Ledger.VerifyAsync(CancellationToken)"/> at the right position and of the right kind,
/// and the integrity report is unhealthy. An adapter whose saboteur is an <see cref="IHistoryTamperer"/> signs up with an
/// empty subclass.
/// </summary>
/// <typeparam name="TFixture">The store's fixture.</typeparam>
public abstract class LedgerTamperConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, IIntegrityFixture
{
    private FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero));

    private sealed record Sealed(TargetTracker Tracker, Ledger Ledger, IHistoryTamperer Tamperer, IStoreSaboteur Saboteur, IReadOnlyList<FeedEntry> Entries);

    /// <summary>A store with 6 sealed entries (3 targets created in one unit of work, moves, a delete), verified intact.</summary>
    private async Task<Sealed> SealedStoreAsync()
    {
        var (repository, saboteur) = await fixture.CreateCorruptibleAsync();
        var tracker = new TargetTracker(repository, new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero }, Clock);
        await LedgerSamples.WriteSomeAsync(tracker, Clock);
        var ledger = new Ledger(tracker, LedgerSamples.Options(), Clock);
        Assert.Equal(6, await ledger.SealOnceAsync());
        Assert.True((await ledger.VerifyAsync()).IsIntact);
        var entries = (await new ChangeFeed(tracker).ReadAsync(limit: 100)).Entries;
        return new Sealed(tracker, ledger, (IHistoryTamperer)saboteur, saboteur, entries);
    }

    private static async Task<LedgerBreak> BrokenAsync(Sealed store, LedgerBreakKind kind, long position)
    {
        var verification = await store.Ledger.VerifyAsync();
        var broken = verification.FirstBreak;
        Assert.NotNull(broken);
        Assert.Equal((kind, position), (broken.Kind, broken.Position));
        Assert.Equal(kind == LedgerBreakKind.TargetDisagrees ? store.Entries.Count : position - 1, verification.Verified);
        Assert.False((await new TargetHealth(store.Tracker, store.Ledger).CheckIntegrityAsync()).IsHealthy);
        return broken;
    }

    [Theory]
    [InlineData("new_status", "Passed")]
    [InlineData("correlation_id", "forged")]
    [InlineData("actor_name", "Mallory")]
    public async Task EditedField_IsFoundAtItsPosition(string column, string value)
    {
        var store = await SealedStoreAsync();
        var victim = store.Entries[4].Entry;
        await store.Tamperer.SetEntryTextAsync(victim.Id, column, value);
        Assert.Equal(victim.Id, (await BrokenAsync(store, LedgerBreakKind.Changed, 5)).EntryId);
    }

    [Fact]
    public async Task DeletedEntry_IsFoundMissingAtItsPosition()
    {
        var store = await SealedStoreAsync();
        await store.Tamperer.DeleteEntryAsync(store.Entries[1].Entry.Id);
        Assert.Equal(store.Entries[1].Entry.Id, (await BrokenAsync(store, LedgerBreakKind.Missing, 2)).EntryId);
    }

    [Fact]
    public async Task InsertedEntry_AmongTheSealed_IsFoundBeforeTheNextPosition()
    {
        var store = await SealedStoreAsync();

        // A copy of the first creation, 1000 versions on, with its commit sequence: it sorts right after the entries of that
        // sequence (the 3 creations where a unit of work takes one sequence, the first creation alone on MariaDB, whose
        // clock advances per entry).
        var source = store.Entries[0];
        var forged = Guid.CreateVersion7();
        await store.Tamperer.CopyEntryAsync(source.Entry.Id, forged);
        var position = 1 + store.Entries.Count(e => e.Token.Sequence <= source.Token.Sequence);
        Assert.True(position < store.Entries.Count);
        Assert.Equal(forged, (await BrokenAsync(store, LedgerBreakKind.Inserted, position)).EntryId);
    }

    [Fact]
    public async Task SwappedEntries_AreFoundAtTheFirstOfThem()
    {
        var store = await SealedStoreAsync();
        await store.Tamperer.SwapOrderAsync(store.Entries[3].Entry.Id, store.Entries[4].Entry.Id);
        await BrokenAsync(store, LedgerBreakKind.Changed, 4);
    }

    [Fact]
    public async Task NewestEntriesTruncated_AreFoundMissingAtTheFirstOfThem()
    {
        var store = await SealedStoreAsync();
        foreach (var entry in store.Entries.Skip(3))
        {
            await store.Tamperer.DeleteEntryAsync(entry.Entry.Id);
        }

        await BrokenAsync(store, LedgerBreakKind.Missing, 4);
    }

    [Fact]
    public async Task EditedTargetRow_IsFoundAtItsNewestEntry()
    {
        var store = await SealedStoreAsync();
        var moved = store.Entries[4].Entry;
        await store.Saboteur.SetTargetStateAsync(moved.TargetId, "Passed", moved.Version);
        var broken = await BrokenAsync(store, LedgerBreakKind.TargetDisagrees, 5);
        Assert.Equal((moved.TargetId, moved.Id), (broken.TargetId, broken.EntryId));
    }

    [Fact]
    public async Task EditedTargetVersion_IsFoundAtItsNewestEntry()
    {
        var store = await SealedStoreAsync();
        // The one target of the three created at positions 1 to 3 that was neither moved nor deleted: its creation is its newest entry.
        var position = 1 + Enumerable.Range(0, 3).Single(i => store.Entries.Skip(3).All(e => e.Entry.TargetId != store.Entries[i].Entry.TargetId));
        var created = store.Entries[position - 1].Entry;
        await store.Saboteur.SetTargetStateAsync(created.TargetId, created.NewStatus, 7);
        Assert.Equal(created.TargetId, (await BrokenAsync(store, LedgerBreakKind.TargetDisagrees, position)).TargetId);
    }

    [Fact]
    public async Task RewrittenChain_PassesAlone_ButNotAgainstAnOlderDigest()
    {
        var store = await SealedStoreAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var digest = (await store.Ledger.IssueDigestAsync(key)).Verify(key);

        // The owner edits an entry, then reseals the whole history from scratch: a chain that holds.
        await store.Tamperer.SetEntryTextAsync(store.Entries[1].Entry.Id, "correlation_id", "forged");
        await store.Tamperer.RewindLedgerAsync(0, LedgerHead.Start.Hash, null);
        Assert.Equal(6, await store.Ledger.SealOnceAsync());
        Assert.True((await store.Ledger.VerifyAsync()).IsIntact);

        var broken = (await store.Ledger.VerifyAsync(digest)).FirstBreak;
        Assert.NotNull(broken);
        Assert.Equal((LedgerBreakKind.Rewritten, 6L), (broken.Kind, broken.Position));
    }

    [Fact]
    public async Task NewestEntriesTruncatedWithTheirSeals_AreFoundAgainstAnOlderDigest()
    {
        var store = await SealedStoreAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var digest = SignedLedgerDigest.Parse((await store.Ledger.IssueDigestAsync(key)).ToString()).Verify(key);
        var seals = await store.Tracker.Port<ILedgerStore>().ReadSealsAsync(0, 100);

        foreach (var entry in store.Entries.Skip(3))
        {
            await store.Tamperer.DeleteEntryAsync(entry.Entry.Id);
        }

        await store.Tamperer.RewindLedgerAsync(3, seals[2].Seal.Hash, store.Entries[2].Token.ToString());

        var broken = (await store.Ledger.VerifyAsync(digest)).FirstBreak;
        Assert.NotNull(broken);
        Assert.Equal((LedgerBreakKind.Truncated, 4L), (broken.Kind, broken.Position));
    }
}
