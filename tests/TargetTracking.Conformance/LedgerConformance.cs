using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>
/// The ledger on every store (docs/ledger.md): committed entries are sealed in commit order, batch by batch, exactly once
/// with two sealers; the chain verifies, and an independent verifier written from the documented encoding (not the
/// library's code) recomputes every stored hash; tenants have chains of their own; a wrong key is caught; the integrity
/// report carries the verification. An adapter signs up with an empty subclass.
/// </summary>
/// <typeparam name="TFixture">The store's fixture.</typeparam>
public abstract class LedgerConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, IStoreFixture
{
    private FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero));

    private async Task<TargetTracker> NewTrackerAsync() =>
        new(await fixture.CreateRepositoryAsync(), new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero, MaxRetryAttempts = 10, Pipeline = { LostReasons = { "Price" } } }, Clock);

    [Fact]
    public async Task Seal_ThenVerify_Holds_AndAnIndependentVerifierRecomputesEveryHash()
    {
        var tracker = await NewTrackerAsync();
        await LedgerSamples.WriteSomeAsync(tracker, Clock);

        // A lost reason is in the leaf (the note, its free text, in the personal hash).
        var lost = (await tracker.CreateAsync(new NewTarget("Lost one", Status: "Active"))).Value!;
        Assert.True((await tracker.ChangeStatusAsync(lost.Id, lost.Version, "Passed", new LostReason("Price", "Too dear"))).IsSuccess);
        var ledger = new Ledger(tracker, LedgerSamples.Options(), Clock);

        var entries = (await new ChangeFeed(tracker).ReadAsync(limit: 1000)).Entries;
        Assert.Contains(entries, e => e.Entry.Reason == "Price");
        Assert.Equal(entries.Count, await ledger.SealOnceAsync());
        Assert.Equal(0, await ledger.SealOnceAsync());

        var verification = await ledger.VerifyAsync();
        Assert.True(verification.IsIntact, verification.FirstBreak?.ToString());
        Assert.Equal(entries.Count, verification.Position);
        Assert.Equal(entries.Count, verification.Verified);
        Assert.Same(verification, ledger.LastVerification);

        var seals = await tracker.Port<ILedgerStore>().ReadSealsAsync(0, 1000);
        Assert.Equal(entries.Select(e => e.Entry.Id), seals.Select(s => s.Seal.EntryId));
        Assert.Equal(verification.Hash, IndependentVerifier.Recompute(TenantIds.Default, LedgerSamples.Key, seals));
    }

    [Fact]
    public async Task Seal_InSmallBatches_WithWritesBetween_KeepsCommitOrder_AndVerifies()
    {
        var tracker = await NewTrackerAsync();
        var ledger = new Ledger(tracker, LedgerSamples.Options(batchSize: 2), Clock);
        Assert.True((await ledger.VerifyAsync()).IsIntact);
        await LedgerSamples.WriteSomeAsync(tracker, Clock);
        Assert.Equal(6, await ledger.SealOnceAsync());
        await LedgerSamples.WriteSomeAsync(tracker, Clock, targets: 2);
        Assert.Equal(5, await ledger.SealOnceAsync());

        var verification = await ledger.VerifyAsync();
        Assert.True(verification.IsIntact, verification.FirstBreak?.ToString());
        Assert.Equal(11, verification.Position);
        var seals = await tracker.Port<ILedgerStore>().ReadSealsAsync(0, 1000);
        Assert.Equal(Enumerable.Range(1, 11).Select(i => (long)i), seals.Select(s => s.Seal.Position));
        Assert.Equal(
            (await new ChangeFeed(tracker).ReadAsync(limit: 1000)).Entries.Select(e => e.Entry.Id),
            seals.Select(s => s.Seal.EntryId));
        Assert.Equal(verification.Hash, IndependentVerifier.Recompute(TenantIds.Default, LedgerSamples.Key, seals));
    }

    [Fact]
    public async Task TwoSealers_OneHoldsTheChain_UntilItsLeaseEnds_AndNoPositionIsSealedTwice()
    {
        var tracker = await NewTrackerAsync();
        await LedgerSamples.WriteSomeAsync(tracker, Clock);
        var a = new Ledger(tracker, LedgerSamples.Options(instance: "a"), Clock);
        var b = new Ledger(tracker, LedgerSamples.Options(instance: "b"), Clock);

        var both = await Task.WhenAll(a.SealOnceAsync(), b.SealOnceAsync());
        Assert.Equal(6, both.Sum());

        await LedgerSamples.WriteSomeAsync(tracker, Clock, targets: 1);
        var holder = both[0] > 0 ? a : b;
        var other = holder == a ? b : a;
        Assert.Equal(0, await other.SealOnceAsync());
        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(4, await other.SealOnceAsync());
        Assert.Equal(0, await holder.SealOnceAsync());

        var verification = await holder.VerifyAsync();
        Assert.True(verification.IsIntact, verification.FirstBreak?.ToString());
        Assert.Equal(10, verification.Position);
    }

    [Fact]
    public async Task Tenants_HaveChainsOfTheirOwn()
    {
        var store = await fixture.CreateRepositoryAsync();
        if (store is not ITenantStore)
        {
            return;
        }

        var root = new TargetTracker(store, new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero }, Clock);
        var (acme, globex) = (root.ForTenant("acme"), root.ForTenant("globex"));
        await LedgerSamples.WriteSomeAsync(acme, Clock);
        await LedgerSamples.WriteSomeAsync(globex, Clock, targets: 2);

        // Each tenant sealed on its own (the all-tenants sealer needs a role that sees every tenant: not the least-privilege one).
        var ledgers = new[] { new Ledger(acme, LedgerSamples.Options(), Clock), new Ledger(globex, LedgerSamples.Options(), Clock) };
        var sealedCounts = await Task.WhenAll(ledgers.Select(l => l.SealOnceAsync()));
        Assert.Equal([6L, 5L], sealedCounts);
        var verified = await Task.WhenAll(ledgers.Select(l => l.VerifyAsync()));
        Assert.Equal(["acme", "globex"], verified.Select(v => v.Tenant));
        Assert.Equal([6L, 5L], verified.Select(v => v.Position));
        Assert.All(verified, v => Assert.True(v.IsIntact, v.FirstBreak?.ToString()));
        Assert.Equal(verified[1].Hash, IndependentVerifier.Recompute("globex", LedgerSamples.Key, await globex.Port<ILedgerStore>().ReadSealsAsync(0, 100)));
    }

    [Fact]
    public async Task Verify_WithAnotherKey_FindsThePersonalHashChangedAtPositionOne()
    {
        var tracker = await NewTrackerAsync();
        await LedgerSamples.WriteSomeAsync(tracker, Clock);
        await new Ledger(tracker, LedgerSamples.Options(), Clock).SealOnceAsync();

        var other = LedgerSamples.Options();
        other.PersonalDataKey = [.. LedgerSamples.Key.Select(b => (byte)(b ^ 0xFF))];
        var broken = (await new Ledger(tracker, other, Clock).VerifyAsync()).FirstBreak;
        Assert.NotNull(broken);
        Assert.Equal((LedgerBreakKind.Changed, 1L), (broken.Kind, broken.Position));
    }

    [Fact]
    public async Task IntegrityCheck_CarriesTheLedgerVerification()
    {
        var tracker = await NewTrackerAsync();
        await LedgerSamples.WriteSomeAsync(tracker, Clock);
        var ledger = new Ledger(tracker, LedgerSamples.Options(), Clock);
        await ledger.SealOnceAsync();

        var report = await new TargetHealth(tracker, ledger).CheckIntegrityAsync();
        Assert.NotNull(report.Ledger);
        Assert.True(report.Ledger.IsIntact);
        Assert.Equal(6, report.Ledger.Position);
        Assert.True(report.IsHealthy);
        Assert.Null((await new TargetHealth(tracker).CheckIntegrityAsync()).Ledger);
    }

    [Fact]
    public async Task Digest_IsSignedAndReadBack_AndALaterChainVerifiesAgainstIt()
    {
        var tracker = await NewTrackerAsync();
        await LedgerSamples.WriteSomeAsync(tracker, Clock);
        var ledger = new Ledger(tracker, LedgerSamples.Options(), Clock);
        await ledger.SealOnceAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var document = (await ledger.IssueDigestAsync(key)).ToString();

        var digest = SignedLedgerDigest.Parse(document).Verify(key);
        Assert.Equal((TenantIds.Default, 6L, (await ledger.VerifyAsync()).Hash, Clock.GetUtcNow()), (digest.Tenant, digest.Position, digest.Hash, digest.IssuedAt));

        await LedgerSamples.WriteSomeAsync(tracker, Clock);
        await ledger.SealOnceAsync();
        var later = await ledger.VerifyAsync(digest);
        Assert.True(later.IsIntact, later.FirstBreak?.ToString());
        Assert.Equal(12, later.Position);

        // Another key, or a body changed after signing, is refused.
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Throws<CryptographicException>(() => SignedLedgerDigest.Parse(document).Verify(other));
        var forged = SignedLedgerDigest.Parse(document) is var signed ? signed with { Body = signed.Body.Replace("\"position\":6", "\"position\":5", StringComparison.Ordinal) } : null;
        Assert.NotEqual(SignedLedgerDigest.Parse(document).Body, forged!.Body);
        Assert.Throws<CryptographicException>(() => forged.Verify(key));
        Assert.Throws<FormatException>(() => SignedLedgerDigest.Parse("{}"));
        await Assert.ThrowsAsync<ArgumentException>(() => ledger.VerifyAsync(digest with { Tenant = "acme" }));
    }
}

/// <summary>What the ledger's tests share: the key, the options, and a history with every kind of entry.</summary>
public static class LedgerSamples
{
    public static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    /// <summary>The owner the sample history names in its creates (written by <see cref="Alice"/>).</summary>
    public const string Owner = "owner-7";

    /// <summary>The actor of most of the sample history, with every personal field.</summary>
    public static readonly AuditContext Alice = new() { ActorId = "u-1", ActorName = "Alice Ærø", ClientAddress = "10.0.0.1", UserAgent = "tests/1.0" };

    public static LedgerOptions Options(int batchSize = 1000, string? instance = null) =>
        new() { PersonalDataKey = Key, BatchSize = batchSize, InstanceId = instance ?? "sealer-" + Guid.NewGuid().ToString("N")[..8] };

    /// <summary>Creates, moves, updates and deletes a few targets, one by one and in bulk: every kind of entry, with and without personal fields.</summary>
    public static async Task WriteSomeAsync(TargetTracker tracker, FakeTimeProvider clock, int targets = 3)
    {
        var created = await tracker.CreateManyAsync([.. Enumerable.Range(0, targets).Select(i => new NewTarget($"T{i}", i % 2 == 0 ? "with a description" : null, ["EU"], "Cold", i % 2 == 0 ? new Money(1234.5m, "EUR") : null, i % 2 == 0 ? Owner : null))], audit: Alice);
        Assert.True(created.Items.All(i => i.Error is null));
        clock.Advance(TimeSpan.FromSeconds(1));
        var first = created.Items[0].Target!;
        var moved = await tracker.ChangeStatusAsync(first.Id, first.Version, "Active", AuditContext.Anonymous);
        Assert.True(moved.IsSuccess, moved.ToString());
        clock.Advance(TimeSpan.FromMilliseconds(1.5));
        var hot = await tracker.ChangeStatusAsync(first.Id, moved.Value.Version, "Hot", Alice);
        Assert.True(hot.IsSuccess, hot.ToString());
        var last = targets == 1 ? hot.Value : created.Items[^1].Target!;
        Assert.True((await tracker.DeleteAsync(last.Id, last.Version, Alice)).IsSuccess);
    }
}

/// <summary>
/// The chain recomputed from docs/ledger.md alone, in a few lines of plain code: not the library's encoder. Returns the
/// hash at the last position, or throws naming the first position whose stored hash differs.
/// </summary>
internal static class IndependentVerifier
{
    public static string Recompute(string tenant, byte[] key, IReadOnlyList<SealedEntry> rows)
    {
        var hash = new byte[32];
        for (var n = 1; n <= rows.Count; n++)
        {
            var (seal, feed, erased) = rows[n - 1];
            var e = feed!.Entry;

            // An erased entry's personal fields were replaced: the chain covers the personal hash sealed before.
            var personal = erased ? seal.PersonalHash : Convert.ToHexStringLower(HMACSHA256.HashData(key, Enc("tt-personal-v1", e.ActorId, e.ActorName, e.ClientAddress, e.UserAgent, e.Note, e.OldOwnerId, e.NewOwnerId)));
            var micros = (e.OccurredAt.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
            var effectiveMicros = (e.EffectiveAt.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
            var leaf = SHA256.HashData(Enc(
                "tt-ledger-v1", tenant, Text(n), e.Id.ToString(), e.TargetId.Value.ToString(), e.Action.ToString(), e.OldStatus, e.NewStatus,
                Text(e.Version), Text(micros), Text(feed.Token.Sequence), e.CorrelationId, e.OperationId, Amount(e.OldAmount), Amount(e.NewAmount), personal, e.Reason,
                Text(effectiveMicros)));
            hash = SHA256.HashData([.. hash, .. leaf]);
            Assert.True(personal == seal.PersonalHash && Convert.ToHexStringLower(hash) == seal.Hash && seal.Position == n, $"The chain breaks at position {n}.");
        }

        return Convert.ToHexStringLower(hash);
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    // As the page writes an amount: the normalized decimal, a space, the currency.
    private static string? Amount(Money? amount) => amount is null ? null : $"{amount.Value.ToString("0.####", CultureInfo.InvariantCulture)} {amount.Currency}";

    private static byte[] Enc(params string?[] fields) =>
        [.. fields.SelectMany(f => f is null ? [0xFF, 0xFF, 0xFF, 0xFF] : BigEndian(Encoding.UTF8.GetByteCount(f)).Concat(Encoding.UTF8.GetBytes(f)))];

    private static byte[] BigEndian(int length)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, length);
        return bytes;
    }
}
