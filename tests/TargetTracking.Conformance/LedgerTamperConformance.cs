using System.Security.Cryptography;
using FsCheck.Xunit;
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

        // As after restoring an older backup: exactly the positions the digest saw and the store lacks, and nothing else.
        var all = Assert.Single(await store.Ledger.FindBreaksAsync(digest));
        Assert.Equal((LedgerBreakKind.Truncated, 4L), (all.Kind, all.Position));
        Assert.Contains("Positions 4 to 6", all.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EditedAndDeletedAfterADigest_AreEachNamed_NotOnlyTheFirst()
    {
        var store = await SealedStoreAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var digest = SignedLedgerDigest.Parse((await store.Ledger.IssueDigestAsync(key)).ToString()).Verify(key);
        Assert.Empty(await store.Ledger.FindBreaksAsync(digest));

        await store.Tamperer.SetEntryTextAsync(store.Entries[1].Entry.Id, "new_status", "Passed");
        await store.Tamperer.DeleteEntryAsync(store.Entries[3].Entry.Id);
        await store.Tamperer.SetEntryTextAsync(store.Entries[4].Entry.Id, "actor_name", "Mallory");

        var breaks = await store.Ledger.FindBreaksAsync(digest);
        Assert.Equal(
            [(LedgerBreakKind.Changed, 2L, (Guid?)store.Entries[1].Entry.Id), (LedgerBreakKind.Missing, 4L, store.Entries[3].Entry.Id), (LedgerBreakKind.Changed, 5L, store.Entries[4].Entry.Id)],
            breaks.Select(b => (b.Kind, b.Position, b.EntryId)));
        Assert.Equal((LedgerBreakKind.Changed, 2L), ((await store.Ledger.VerifyAsync(digest)).FirstBreak!.Kind, (await store.Ledger.VerifyAsync(digest)).FirstBreak!.Position));
        Assert.Single(await store.Ledger.FindBreaksAsync(digest, limit: 1));
    }

    /// <summary>
    /// Random histories (the report tests' script: creates, moves, updates, deletes, bulk units of work, tracked operations,
    /// equal timestamps; then targets written and owned by a few more actors) with random erasures of actors, before and
    /// after the seal, seal into a chain that verifies, which the independent verifier recomputes; then one random tamper
    /// of the probe table is applied, and verification never passes. A personal field is tampered with only in an entry no
    /// erasure changed: an erased entry's personal fields are outside the proof (docs/ledger.md, threat model).
    /// </summary>
    [Property(MaxTest = 10)]
    public async Task RandomHistories_WithRandomErasures_Verify_AndARandomSingleTamperNeverDoes(int seed)
    {
        var (repository, saboteur) = await fixture.CreateCorruptibleAsync();
        var tracker = new TargetTracker(repository, new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero }, Clock);
        await ReportScript.RunAsync(tracker, Clock, seed, 30);
        var random = new Random(seed);
        string[] actors = ["script", "actor-0", "actor-1", "actor-2"];
        for (var i = random.Next(8); i > 0; i--)
        {
            var who = new AuditContext { ActorId = actors[random.Next(actors.Length)], ActorName = "Someone " + i, ClientAddress = "192.0.2." + i, UserAgent = "agent/" + i };
            var owner = random.Next(3) == 0 ? null : actors[random.Next(actors.Length)];
            Assert.True((await tracker.CreateAsync(new NewTarget("Owned " + i, "note " + i, [], "Cold", null, owner), who)).IsSuccess);
        }

        var erasure = new PersonalDataErasure(tracker);
        var erased = actors.Where(_ => random.Next(2) == 0).ToList();
        var beforeSeal = random.Next(erased.Count + 1);
        foreach (var actor in erased.Take(beforeSeal))
        {
            await erasure.EraseActorAsync(actor, "before the seal", LedgerSamples.Alice);
        }

        var ledger = new Ledger(tracker, LedgerSamples.Options(batchSize: 7), Clock);
        await ledger.SealOnceAsync();
        foreach (var actor in erased.Skip(beforeSeal))
        {
            await erasure.EraseActorAsync(actor, "after the seal", LedgerSamples.Alice);
        }

        var verification = await ledger.VerifyAsync();
        Assert.True(verification.IsIntact, $"Seed {seed}, erased {string.Join(", ", erased)}: {verification.FirstBreak}");
        var seals = await tracker.Port<ILedgerStore>().ReadSealsAsync(0, 10_000);
        Assert.Equal(verification.Hash, IndependentVerifier.Recompute(TenantIds.Default, LedgerSamples.Key, seals));
        var erasedEntries = seals.Where(s => s.Erased).Select(s => s.Seal.EntryId).ToHashSet();

        var entries = (await new ChangeFeed(tracker).ReadAsync(limit: 10_000)).Entries;
        var tamperer = (IHistoryTamperer)saboteur;
        var victim = entries[random.Next(entries.Count)];
        var older = entries.Where(e => e.Token.Sequence < entries[^1].Token.Sequence).ToList();
        var pairs = entries.SelectMany(a => entries.Where(b => a.Token.CompareTo(b.Token) < 0 && (a.Token.Sequence, a.Entry.OccurredAt) != (b.Token.Sequence, b.Entry.OccurredAt)).Select(b => (a, b))).ToList();
        var live = (await tracker.QueryAsync(new TargetQuery { Take = TargetQuery.MaxTake })).Items;
        string done;
        switch (random.Next(5))
        {
            case 1:
                await tamperer.DeleteEntryAsync(victim.Entry.Id);
                done = "deleted " + victim.Entry.Id;
                break;
            case 2 when older.Count > 0:
                var copied = older[random.Next(older.Count)];
                await tamperer.CopyEntryAsync(copied.Entry.Id, Guid.CreateVersion7());
                done = "copied " + copied.Entry.Id;
                break;
            case 3 when pairs.Count > 0:
                var (a, b) = pairs[random.Next(pairs.Count)];
                await tamperer.SwapOrderAsync(a.Entry.Id, b.Entry.Id);
                done = $"swapped {a.Entry.Id} and {b.Entry.Id}";
                break;
            case 4 when live.Count > 0:
                var row = live[random.Next(live.Count)];
                await saboteur.SetTargetStateAsync(row.Id, random.Next(2) == 0 ? "Tampered" : row.Status, row.Version + 1 + random.Next(3));
                done = "edited the row of " + row.Id;
                break;
            default:
                string[] personal = ["actor_id", "actor_name", "client_address", "user_agent", "note"];
                string[] columns = ["new_status", "old_status", "correlation_id", "operation_id", .. personal];
                var column = columns[random.Next(columns.Length)];
                if (personal.Contains(column))
                {
                    var kept = entries.Where(e => !erasedEntries.Contains(e.Entry.Id)).ToList();
                    victim = kept.Count > 0 ? kept[random.Next(kept.Count)] : victim;
                    column = kept.Count > 0 ? column : "new_status";
                }

                await tamperer.SetEntryTextAsync(victim.Entry.Id, column, "tampered-" + seed);
                done = $"set {column} of {victim.Entry.Id}";
                break;
        }

        Assert.False((await ledger.VerifyAsync()).IsIntact, $"Seed {seed}: {done} went unnoticed.");
    }
}
