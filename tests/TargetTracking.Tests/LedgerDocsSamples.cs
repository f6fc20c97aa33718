using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TargetTracking.Conformance;

namespace TargetTracking.Tests;

/// <summary>docs/ledger.md: the host's registration and the digest kept outside the database, compiled, run, and checked verbatim against the page.</summary>
public sealed class LedgerDocsSamples
{
    [Fact]
    public async Task HostSealsInTheBackground_ADigestKeptInAFile_VerifiesTheChainLater()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        var keyFromSecretStore = RandomNumberGenerator.GetBytes(32);

        #region sample_ledger_host
        builder.Services.AddTargetTracking().UseInMemory()
            .AddLedger(ledger =>
            {
                ledger.PersonalDataKey = keyFromSecretStore;   // 32 bytes or more, from the host's secret store
                ledger.Interval = TimeSpan.FromMilliseconds(200);
            });
        #endregion

        using var host = builder.Build();
        await host.StartAsync();
        var tracker = host.Services.GetRequiredService<TargetTracker>();
        Assert.True((await tracker.CreateAsync(new NewTarget("Valves", null, ["EU"], "Cold"), new AuditContext { ActorName = "Alice" })).IsSuccess);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await host.Services.GetRequiredService<Ledger>().VerifyAsync()).Position == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        using var signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var digestFile = Path.Combine(Path.GetTempPath(), $"ledger-{Guid.NewGuid():N}.json");
        try
        {
            #region sample_ledger_digest
            // Nightly: sign the head of the chain and keep it outside the database.
            var ledger = host.Services.GetRequiredService<Ledger>();
            var digest = await ledger.IssueDigestAsync(signingKey);
            await File.WriteAllTextAsync(digestFile, digest.ToString());

            // Later, or after a restore: the chain holds, and nothing up to the digest changed or went missing.
            var kept = SignedLedgerDigest.Parse(await File.ReadAllTextAsync(digestFile)).Verify(signingKey);
            var verification = await ledger.VerifyAsync(kept);
            if (verification.FirstBreak is { } broken)
            {
                throw new InvalidOperationException($"History was tampered with at position {broken.Position} ({broken.Kind}): {broken.Detail}");
            }
            #endregion

            Assert.Equal(1, verification.Position);
        }
        finally
        {
            File.Delete(digestFile);
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task ErasureOfAnActor_KeepsTheProof()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddTargetTracking().UseInMemory().AddLedger(ledger => ledger.PersonalDataKey = RandomNumberGenerator.GetBytes(32));
        using var host = builder.Build();
        var tracker = host.Services.GetRequiredService<TargetTracker>();
        var alice = new AuditContext { ActorId = "u-17", ActorName = "Alice", ClientAddress = "203.0.113.9" };
        var deal = (await tracker.CreateAsync(new NewTarget("Valves", null, ["EU"], "Cold"), alice)).Value!;
        await host.Services.GetRequiredService<Ledger>().SealOnceAsync();
        var subjectId = "u-17";
        var dpo = new AuditContext { ActorId = "dpo-1", ActorName = "Data Protection Officer", CorrelationId = "ticket-4711" };

        #region sample_ledger_erasure
        // A data subject's request: every entry the person wrote or is named in, and every target the person owns.
        var erasure = await host.Services.GetRequiredService<PersonalDataErasure>()
            .EraseActorAsync(subjectId, "Art. 17 request, ticket 4711", dpo);

        // The values are gone, the erasure is recorded, and the chain still verifies.
        var verification = await host.Services.GetRequiredService<Ledger>().VerifyAsync();
        Console.WriteLine($"{erasure.Entries} entries erased; chain intact: {verification.IsIntact}");
        #endregion

        Assert.Equal(1, erasure.Entries);
        Assert.True(verification.IsIntact);
        Assert.Null(Assert.Single(await tracker.GetHistoryAsync(deal.Id)).ActorName);
    }

    [Theory]
    [InlineData("sample_ledger_host")]
    [InlineData("sample_ledger_digest")]
    [InlineData("sample_ledger_erasure")]
    public void TheDocsShowTheSamplesVerbatim(string region) => DocSync.AssertShown("LedgerDocsSamples.cs.txt", "ledger.md", region);
}
