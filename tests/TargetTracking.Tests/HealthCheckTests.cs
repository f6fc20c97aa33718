using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TargetTracking.InMemory;

namespace TargetTracking.Tests;

/// <summary><c>services.AddHealthChecks().AddTargetTracking()</c>: each check turns as its documented threshold says.</summary>
public sealed class HealthCheckTests
{
    private static readonly AuditContext Alice = new() { ActorId = "u-1", ActorName = "Alice" };

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 3, 1, 9, 0, 0, TimeSpan.Zero));

    private ServiceProvider Services(ITargetRepository store, Action<TargetTrackingHealthCheckOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_clock);
        services.AddSingleton(store);
        services.AddTargetTracking(o => o.RetryBaseDelay = TimeSpan.Zero);
        services.AddHealthChecks().AddTargetTracking(configure);
        return services.BuildServiceProvider();
    }

    private static async Task<HealthReportEntry> CheckAsync(IServiceProvider services, string name)
    {
        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == name);
        return Assert.Single(report.Entries).Value;
    }

    [Fact]
    public async Task AllChecks_AreRegisteredWithOneCall_AndHealthyOnAFreshStore()
    {
        await using var services = Services(new InMemoryTargetStore());
        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(
            ["targettracking.feed", "targettracking.integrity", "targettracking.ledger", "targettracking.operations", "targettracking.statuses", "targettracking.store"],
            report.Entries.Keys.Order());
        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.All(report.Entries.Values, e => Assert.Contains("targettracking", e.Tags));
    }

    [Fact]
    public async Task Store_IsUnhealthy_WhenItDoesNotAnswer()
    {
        var store = new FaultyRepository();
        await using var services = Services(store);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(services, "targettracking.store")).Status);
        store.ReadFault = () => new TimeoutException("down");
        Assert.Equal(HealthStatus.Unhealthy, (await CheckAsync(services, "targettracking.store")).Status);
    }

    [Fact]
    public async Task Operations_AreDegraded_WhenOneIsStuckPastTheThreshold_OrTooManyFailed()
    {
        await using var services = Services(new InMemoryTargetStore(), o => o.OperationStuckAfter = TimeSpan.FromMinutes(10));
        var tracker = services.GetRequiredService<TargetTracker>();
        var created = await tracker.CreateManyAsync(Enumerable.Range(0, 3).Select(i => new NewTarget($"T{i}", Status: "Cold")), audit: Alice);
        var operations = services.GetRequiredService<TargetOperations>();
        await operations.StartAsync(new StartOperationRequest("op", "Active", OperationSelection.ForIds([.. created.Items.Select(i => i.TargetId)])) { BatchSize = 1 });
        using (var stop = new CancellationTokenSource())
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => operations.RunAsync("op", new Progress(stop.Cancel), stop.Token));
        }

        _clock.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(services, "targettracking.operations")).Status);
        _clock.Advance(TimeSpan.FromMinutes(2));
        var stuck = await CheckAsync(services, "targettracking.operations");
        Assert.Equal(HealthStatus.Degraded, stuck.Status);
        Assert.Equal(1, stuck.Data["stuck"]);

        await operations.CancelAsync("op");
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(services, "targettracking.operations")).Status);
    }

    [Fact]
    public async Task Feed_IsDegraded_WhenTheLastReadLaggedPastTheThreshold()
    {
        await using var services = Services(new InMemoryTargetStore(), o => o.MaxFeedLag = TimeSpan.FromSeconds(30));
        var tracker = services.GetRequiredService<TargetTracker>();
        var feed = services.GetRequiredService<ChangeFeed>();
        await tracker.CreateAsync(new NewTarget("Acme", Status: "Cold"), Alice);
        _clock.Advance(TimeSpan.FromSeconds(45));

        var page = await feed.ReadAsync();
        Assert.Equal(HealthStatus.Degraded, (await CheckAsync(services, "targettracking.feed")).Status);
        await feed.ReadAsync(page.Next);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(services, "targettracking.feed")).Status);
    }

    [Fact]
    public async Task Statuses_AreDegraded_WhenTargetsAreInAStatusThePipelineDoesNotHave()
    {
        var store = new InMemoryTargetStore();
        await using var services = Services(store);
        var target = (await services.GetRequiredService<TargetTracker>().CreateAsync(new NewTarget("Acme", Status: "Cold"), Alice)).Value!;
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(services, "targettracking.statuses")).Status);
        store.Tamper(targets: t => t.SetItem(target.Id, target with { Status = "Zombie" }));
        var entry = await CheckAsync(services, "targettracking.statuses");
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal(1L, entry.Data["Zombie"]);
    }

    [Fact]
    public async Task Integrity_IsUnhealthy_AfterACheckFoundMoreProblemsThanTolerated()
    {
        var store = new InMemoryTargetStore();
        await using var services = Services(store);
        var target = (await services.GetRequiredService<TargetTracker>().CreateAsync(new NewTarget("Acme", Status: "Cold"), Alice)).Value!;
        var health = services.GetRequiredService<TargetHealth>();
        await health.CheckIntegrityAsync();
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(services, "targettracking.integrity")).Status);

        store.Tamper(targets: t => t.SetItem(target.Id, target with { Version = 9 }));
        await health.CheckIntegrityAsync();
        Assert.Equal(HealthStatus.Unhealthy, (await CheckAsync(services, "targettracking.integrity")).Status);
    }

    [Fact]
    public void Thresholds_HaveDocumentedDefaults_AndInvalidOnesNameTheSetting()
    {
        var defaults = new TargetTrackingHealthCheckOptions();
        Assert.Equal(TimeSpan.FromMinutes(15), defaults.OperationStuckAfter);
        Assert.Equal(TimeSpan.FromHours(24), defaults.FailedOperationsWindow);
        Assert.Equal(0, defaults.MaxFailedOperations);
        Assert.Equal(TimeSpan.FromMinutes(1), defaults.MaxFeedLag);
        Assert.Equal(0, defaults.MaxIntegrityProblems);

        using var services = Services(new InMemoryTargetStore(), o => o.MaxFeedLag = TimeSpan.Zero);
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<TargetTrackingHealthCheckOptions>>().Value);
        Assert.Contains("MaxFeedLag", error.Message);
    }

    private sealed class Progress(Action onReport) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value) => onReport();
    }
}
