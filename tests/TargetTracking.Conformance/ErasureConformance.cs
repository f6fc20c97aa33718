using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>
/// Erasure of personal data that keeps the proof, on every store (docs/ledger.md, "Erasure"): an actor's values leave every
/// entry the actor wrote or is named in (and the targets the actor owns), a target's name and description leave its row, the
/// erasure is recorded (who, when, why, how many), the erased values are gone from history, the feed and the export, and
/// the ledger still verifies — sealed before the erasure or after it — and the independent verifier agrees. An adapter
/// signs up with an empty subclass.
/// </summary>
/// <typeparam name="TFixture">The store's fixture.</typeparam>
public abstract class ErasureConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, IStoreFixture
{
    private static readonly AuditContext Dpo = new() { ActorId = "dpo-1", ActorName = "Data Protection Officer", CorrelationId = "ticket-42" };

    private FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero));

    private async Task<TargetTracker> NewTrackerAsync() =>
        new(await fixture.CreateRepositoryBesideANeighbourAsync(), new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero, MaxRetryAttempts = 10 }, Clock);

    [Fact]
    public async Task EraseActor_ReplacesTheirValuesEverywhere_RecordsIt_AndTheSealedChainStillVerifies()
    {
        var tracker = await NewTrackerAsync();
        await LedgerSamples.WriteSomeAsync(tracker, Clock);
        var ledger = new Ledger(tracker, LedgerSamples.Options(), Clock);
        Assert.Equal(6, await ledger.SealOnceAsync());
        var before = (await new ChangeFeed(tracker).ReadAsync(limit: 100)).Entries.Select(e => e.Entry).ToList();
        var written = before.Count(e => e.ActorId == LedgerSamples.Alice.ActorId);
        var owned = before.Count(e => e.ActorId != LedgerSamples.Alice.ActorId && (e.OldOwnerId == LedgerSamples.Owner || e.NewOwnerId == LedgerSamples.Owner));
        Assert.True(written > 0);

        Clock.Advance(TimeSpan.FromMinutes(1));
        var erasure = await new PersonalDataErasure(tracker).EraseActorAsync(LedgerSamples.Alice.ActorId!, "Art. 17 request", Dpo);

        Assert.Equal((ErasureSubject.Actor, written, 0L, "Art. 17 request", Clock.GetUtcNow()), (erasure.Subject, erasure.Entries, erasure.Targets, erasure.Reason, erasure.ErasedAt));
        var after = (await new ChangeFeed(tracker).ReadAsync(limit: 100)).Entries.Select(e => e.Entry).ToList();
        Assert.Equal(before.Select(e => (e.Id, e.Version, e.NewStatus)), after.Select(e => (e.Id, e.Version, e.NewStatus)));
        Assert.All(after, e => Assert.DoesNotContain(LedgerSamples.Alice.ActorId, Personal(e)));
        Assert.All(after, e => Assert.DoesNotContain(LedgerSamples.Alice.ActorName, Personal(e)));
        Assert.All(after, e => Assert.DoesNotContain(LedgerSamples.Alice.ClientAddress, Personal(e)));
        Assert.Contains(after, e => e.OldOwnerId == LedgerSamples.Owner || e.NewOwnerId == LedgerSamples.Owner); // another actor's values stay
        await AssertVerifiesAsync(tracker, ledger);

        // The owner named in entries others wrote, and the targets it owns.
        Clock.Advance(TimeSpan.FromMinutes(1));
        var ownerErasure = await new PersonalDataErasure(tracker).EraseActorAsync(LedgerSamples.Owner, "Art. 17 request", Dpo);
        Assert.True(ownerErasure.Entries >= owned);
        Assert.True(ownerErasure.Targets > 0);
        var entries = (await new ChangeFeed(tracker).ReadAsync(limit: 100)).Entries.Select(e => e.Entry).ToList();
        Assert.All(entries, e => Assert.DoesNotContain(LedgerSamples.Owner, Personal(e)));
        Assert.All((await tracker.QueryAsync(new TargetQuery { Take = TargetQuery.MaxTake })).Items, t => Assert.Null(t.OwnerId));
        await AssertVerifiesAsync(tracker, ledger);

        var recorded = await new PersonalDataErasure(tracker).GetErasuresAsync();
        Assert.Equal([erasure, ownerErasure], recorded);
        Assert.Equal((Dpo.ActorId, Dpo.ActorName, "ticket-42"), (recorded[0].Audit.ActorId, recorded[0].Audit.ActorName, recorded[0].Audit.CorrelationId));
        Assert.All(recorded, r => Assert.NotEqual(Neighbour.Tenant, r.Tenant));
    }

    [Fact]
    public async Task EraseActor_BeforeTheSeal_ThenMoreWrites_SealsAndVerifies()
    {
        var tracker = await NewTrackerAsync();
        var ledger = new Ledger(tracker, LedgerSamples.Options(batchSize: 2), Clock);
        await LedgerSamples.WriteSomeAsync(tracker, Clock);
        Assert.True((await new PersonalDataErasure(tracker).EraseActorAsync(LedgerSamples.Alice.ActorId!, "request", Dpo)).Entries > 0);
        Assert.Equal(6, await ledger.SealOnceAsync());
        await AssertVerifiesAsync(tracker, ledger);

        await LedgerSamples.WriteSomeAsync(tracker, Clock, targets: 2);
        Assert.Equal(5, await ledger.SealOnceAsync());
        Assert.True((await new PersonalDataErasure(tracker).EraseActorAsync(LedgerSamples.Alice.ActorId!, "request, again", Dpo)).Entries > 0);
        await AssertVerifiesAsync(tracker, ledger);
    }

    [Fact]
    public async Task EraseTarget_ReplacesNameAndDescription_KeepsItsVersionAndHistory_AndTheChainVerifies()
    {
        var tracker = await NewTrackerAsync();
        var person = (await tracker.CreateAsync(new NewTarget("Jane Doe's startup", "Founded by Jane Doe, jane@example.com", ["EU"], "Cold"), LedgerSamples.Alice)).Value!;
        var other = (await tracker.CreateAsync(new NewTarget("Acme", "A company", [], "Cold"), LedgerSamples.Alice)).Value!;
        var ledger = new Ledger(tracker, LedgerSamples.Options(), Clock);
        await ledger.SealOnceAsync();

        var erasure = await new PersonalDataErasure(tracker).EraseTargetAsync(person.Id, "The target names a person", Dpo);

        Assert.Equal((ErasureSubject.Target, (TargetId?)person.Id, 0L, 1L), (erasure.Subject, erasure.TargetId, erasure.Entries, erasure.Targets));
        var erased = (await tracker.GetAsync(person.Id)).Value!;
        Assert.Equal((Erasure.ErasedName, (string?)null, person.Version, person.Status), (erased.Name, erased.Description, erased.Version, erased.Status));
        Assert.Equal((other.Name, other.Description), ((await tracker.GetAsync(other.Id)).Value!.Name, (await tracker.GetAsync(other.Id)).Value!.Description));
        Assert.Empty((await tracker.QueryAsync(new TargetQuery { NameContains = "Jane" })).Items);
        Assert.Single(await tracker.GetHistoryAsync(person.Id));
        await AssertVerifiesAsync(tracker, ledger);

        // The target stays writable at its version.
        Assert.True((await tracker.ChangeStatusAsync(person.Id, person.Version, "Active", Dpo)).IsSuccess);
        Assert.Equal(0, (await new PersonalDataErasure(tracker).EraseTargetAsync(TargetId.New(Clock), "gone already", Dpo)).Targets);
    }

    [Fact]
    public async Task EraseActor_Across10000Entries_ThenVerifyPasses()
    {
        var tracker = await NewTrackerAsync();
        var subject = new AuditContext { ActorId = "bulk-author", ActorName = "Bulk Author", ClientAddress = "192.0.2.7", UserAgent = "importer/2" };
        var created = await tracker.CreateManyAsync(Enumerable.Range(0, 10_000).Select(i => new NewTarget($"Imported {i}", null, [], "Cold")), audit: subject);
        Assert.Equal(10_000, created.Items.Count(i => i.Error is null));
        await tracker.CreateAsync(new NewTarget("Someone else's"), LedgerSamples.Alice);
        var ledger = new Ledger(tracker, LedgerSamples.Options(batchSize: 5000), Clock);
        Assert.Equal(10_001, await ledger.SealOnceAsync());

        var erasure = await new PersonalDataErasure(tracker).EraseActorAsync(subject.ActorId, "Art. 17 request", Dpo);

        Assert.Equal(10_000, erasure.Entries);
        var verification = await ledger.VerifyAsync();
        Assert.True(verification.IsIntact, verification.FirstBreak?.ToString());
        Assert.Equal(10_001, verification.Verified);
        var store = tracker.Port<ILedgerStore>();
        var rows = (await store.ReadSealsAsync(0, 10_000)).Concat(await store.ReadSealsAsync(10_000, 10)).ToList();
        Assert.Equal(10_000, rows.Count(r => r.Erased && r.Entry!.Entry is { ActorId: null, ActorName: null, ClientAddress: null, UserAgent: null }));
        Assert.Equal(LedgerSamples.Alice.ActorName, Assert.Single(rows, r => !r.Erased).Entry!.Entry.ActorName);
    }

    [Fact]
    public async Task Export_AfterAnErasure_HasNoneOfTheErasedValues()
    {
        var tracker = await NewTrackerAsync();
        if (!tracker.Supports<ITenantExportStore>())
        {
            return;
        }

        await LedgerSamples.WriteSomeAsync(tracker, Clock);
        await new PersonalDataErasure(tracker).EraseActorAsync(LedgerSamples.Alice.ActorId!, "request", Dpo);
        await new PersonalDataErasure(tracker).EraseActorAsync(LedgerSamples.Owner, "request", Dpo);
        using var stream = new MemoryStream();
        await new TenantExport(tracker).WriteJsonLinesAsync(stream);
        var text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        Assert.DoesNotContain(LedgerSamples.Alice.ActorName!, text, StringComparison.Ordinal);
        Assert.DoesNotContain(LedgerSamples.Alice.ClientAddress!, text, StringComparison.Ordinal);
        Assert.DoesNotContain(LedgerSamples.Owner, text, StringComparison.Ordinal);
    }

    private static string?[] Personal(HistoryEntry e) => [e.ActorId, e.ActorName, e.ClientAddress, e.UserAgent, e.Note, e.OldOwnerId, e.NewOwnerId];

    private static async Task AssertVerifiesAsync(TargetTracker tracker, Ledger ledger)
    {
        await ledger.SealOnceAsync();
        var verification = await ledger.VerifyAsync();
        Assert.True(verification.IsIntact, verification.FirstBreak?.ToString());
        Assert.Equal(verification.Hash, IndependentVerifier.Recompute(verification.Tenant, LedgerSamples.Key, await tracker.Port<ILedgerStore>().ReadSealsAsync(0, 10_000)));
    }
}
