using System.Security.Cryptography;
using TargetTracking.Conformance;

namespace TargetTracking.Sqlite.Tests;

/// <summary>
/// An online backup of the embedded store (docs/ledger.md, "Backup and restore"): taken while 4 writers and the sealer run,
/// it restores to a store whose chain verifies and whose target rows agree with their history; verified against a digest
/// issued later on the live store, it names the first sealed position it lacks.
/// </summary>
public sealed class BackupTests(SqliteFileFixture fixture) : IClassFixture<SqliteFileFixture>
{
    private static readonly TargetTrackingOptions Options = new() { RetryBaseDelay = TimeSpan.FromMilliseconds(5), MaxRetryAttempts = 50 };

    [Fact]
    public async Task Backup_UnderFourWriters_RestoresToAStoreThatVerifies_AndAgainstALaterDigestNamesWhatItLacks()
    {
        var connectionString = fixture.NewConnectionString();
        var live = new TargetTracker(await fixture.CreateAsync(new SqliteStoreOptions { ConnectionString = connectionString }), Options, TimeProvider.System);
        var ledger = new Ledger(live, LedgerSamples.Options(batchSize: 50, instance: "host-1"));
        using var stop = new CancellationTokenSource();
        var written = new long[4];
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var who = new AuditContext { ActorId = $"writer-{w}", ActorName = $"Writer {w}" };
            while (!stop.IsCancellationRequested)
            {
                var created = (await live.CreateAsync(new NewTarget($"W{w}-{written[w]}", null, ["EU"], "Cold"), who)).Value!;
                Assert.True((await live.ChangeStatusAsync(created.Id, created.Version, "Active", who)).IsSuccess);
                written[w]++;
            }
        })).ToList();
        var sealer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await ledger.SealOnceAsync();
                await Task.Delay(10);
            }
        });

        while (written.Sum() < 40)
        {
            await Task.Delay(20);
        }

        var backup = Path.Combine(fixture.Directory, $"backup-{Guid.NewGuid():N}.db");

        #region sample_ledger_sqlite_backup
        // While the host runs: a consistent copy of the database file, writers and the sealer carrying on.
        await SqliteBackup.BackupAsync(connectionString, backup);
        #endregion

        while (written.Sum() < 80)
        {
            await Task.Delay(20);
        }

        await stop.CancelAsync();
        await Task.WhenAll([.. writers, sealer]);
        await ledger.SealOnceAsync();
        Assert.True((await ledger.VerifyAsync()).IsIntact);
        using var signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var digestFile = Path.Combine(fixture.Directory, $"digest-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(digestFile, (await ledger.IssueDigestAsync(signingKey)).ToString());
        var digest = SignedLedgerDigest.Parse(await File.ReadAllTextAsync(digestFile)).Verify(signingKey);

        // The restored copy: its entries come in whole units of work (every target at its newest entry), its chain verifies,
        // and what it had not sealed yet is sealed now, exactly as the live store sealed it.
        var restored = new TargetTracker(await fixture.CreateAsync(new SqliteStoreOptions { ConnectionString = $"Data Source={backup}" }), Options, TimeProvider.System);
        // The host restarts on it with the same instance id (the copy holds that sealer's lease).
        var restoredLedger = new Ledger(restored, LedgerSamples.Options(instance: "host-1"));
        await restoredLedger.SealOnceAsync();
        var verification = await restoredLedger.VerifyAsync();
        Assert.True(verification.IsIntact, verification.FirstBreak?.ToString());
        Assert.True((await new TargetHealth(restored, restoredLedger).CheckIntegrityAsync()).IsHealthy);
        Assert.InRange(verification.Position, 80, digest.Position - 1);

        // Against the digest issued after it: nothing it has changed, and the first position it lacks is named.
        var against = await restoredLedger.VerifyAsync(digest);
        Assert.Equal((LedgerBreakKind.Truncated, verification.Position + 1), (against.FirstBreak!.Kind, against.FirstBreak.Position));
        Assert.Contains(digest.Position.ToString(System.Globalization.CultureInfo.InvariantCulture), against.FirstBreak.Detail, StringComparison.Ordinal);
        Assert.Equal(verification.Position, against.Verified);
        #region sample_ledger_restore_check
        // After a restore: every sealed position the copy lacks, or that changed, since the last digest kept outside the database.
        var lastDigest = SignedLedgerDigest.Parse(await File.ReadAllTextAsync(digestFile)).Verify(signingKey);
        foreach (var broken in await restoredLedger.FindBreaksAsync(lastDigest))
        {
            Console.WriteLine($"{broken.Kind} at position {broken.Position}: {broken.Detail}");
        }
        #endregion

        var lacking = Assert.Single(await restoredLedger.FindBreaksAsync(lastDigest));
        Assert.Equal((LedgerBreakKind.Truncated, verification.Position + 1), (lacking.Kind, lacking.Position));
        await Assert.ThrowsAsync<IOException>(() => SqliteBackup.BackupAsync(connectionString, backup));
    }

    [Theory]
    [InlineData("sample_ledger_sqlite_backup")]
    [InlineData("sample_ledger_restore_check")]
    public void TheDocsShowTheSamplesVerbatim(string region) => DocSync.AssertShown("BackupTests.cs.txt", "ledger.md", region);
}
