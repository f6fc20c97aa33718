using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using TargetTracking.Conformance;
using TargetTracking.InMemory;

namespace TargetTracking.Tests;

/// <summary>The hosted sealer over every tenant, the options' validation, and the registration with its health check.</summary>
public sealed class LedgerSealerTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Sealer_OverEveryTenant_SealsEachTenantsChain()
    {
        var root = new TargetTracker(new InMemoryTargetStore(), new TargetTrackingOptions(), _clock);
        await LedgerSamples.WriteSomeAsync(root.ForTenant("acme"), _clock);
        await LedgerSamples.WriteSomeAsync(root.ForTenant("globex"), _clock, targets: 2);

        var sealer = new LedgerSealer(root, LedgerSamples.Options(), _clock);
        Assert.Equal(11, await sealer.SealOnceAsync());
        Assert.Equal(0, await sealer.SealOnceAsync());
        Assert.Equal(5, (await new Ledger(root.ForTenant("globex"), LedgerSamples.Options(), _clock).VerifyAsync()).Position);
    }

    [Fact]
    public void Options_AreValidated_NamingEachSetting()
    {
        var tracker = new TargetTracker(new InMemoryTargetStore(), new TargetTrackingOptions());
        var error = Assert.Throws<ArgumentException>(() => new Ledger(tracker, new LedgerOptions { PersonalDataKey = new byte[16], BatchSize = 0, Interval = TimeSpan.Zero }));
        Assert.Contains("Ledger:PersonalDataKey must be at least 32 bytes; it is 16 bytes.", error.Message, StringComparison.Ordinal);
        Assert.Contains("Ledger:BatchSize must be between 1 and 10000; it is 0.", error.Message, StringComparison.Ordinal);
        Assert.Contains("Ledger:Interval must be positive", error.Message, StringComparison.Ordinal);
        Assert.Contains("not set", Assert.Throws<ArgumentException>(() => new Ledger(tracker, new LedgerOptions())).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddLedger_RunsTheSealer_AndTheHealthCheckReportsTheLastVerification()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTargetTracking().UseInMemory().AddLedger(o => (o.PersonalDataKey, o.Interval) = (new byte[32], TimeSpan.FromMilliseconds(20)));
        services.AddHealthChecks().AddTargetTracking();
        await using var provider = services.BuildServiceProvider();
        var tracker = provider.GetRequiredService<TargetTracker>();
        Assert.True((await tracker.CreateAsync(new NewTarget("Valves", null, [], "Cold"))).IsSuccess);

        var sealer = provider.GetServices<IHostedService>().OfType<LedgerSealer>().Single();
        await sealer.StartAsync(CancellationToken.None);
        var ledger = provider.GetRequiredService<Ledger>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await ledger.VerifyAsync()).Position == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await sealer.StopAsync(CancellationToken.None);
        var report = await provider.GetRequiredService<TargetHealth>().CheckIntegrityAsync();
        Assert.Equal(1, report.Ledger?.Position);
        var health = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == "targettracking.ledger");
        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.Contains("verified through position 1", health.Entries["targettracking.ledger"].Description, StringComparison.Ordinal);
    }
}
