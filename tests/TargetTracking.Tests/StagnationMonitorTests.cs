using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TargetTracking.Conformance;

namespace TargetTracking.Tests;

/// <summary>The stagnation monitor as a host runs it: opt-in through DI, on the fake clock's schedule, with its log event and metric.</summary>
public sealed class StagnationMonitorTests
{
    private static readonly DateTimeOffset T0 = new(2025, 5, 5, 8, 0, 0, TimeSpan.Zero);

    /// <summary>A pipeline with a status no other test uses, so the process-wide meter's measurements can be told apart.</summary>
    private static void Dormant(TargetTrackingOptions options)
    {
        options.Pipeline.Statuses.Add("Dormant");
        options.Pipeline.Permit(PipelineOptions.NotSet, "Dormant");
        options.Pipeline.Permit("Dormant", "Cold");
        options.Pipeline.Permit("Cold", "Dormant");
    }

    [Fact]
    public async Task HostedMonitor_ChecksOnItsSchedule_NotifiesOncePerStay_LogsAndCounts()
    {
        var clock = new FakeTimeProvider(T0);
        var notifier = new ReportConformance<InMemoryFixture>.RecordingNotifier();
        using var logs = new LogCapture();
        var measured = new List<(long Value, string? Status)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "TargetTracking" && instrument.Name == "targettracking.stagnation.notifications")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var status = tags.ToArray().FirstOrDefault(t => t.Key == "status").Value as string;
            lock (measured)
            {
                measured.Add((value, status));
            }
        });
        listener.Start();

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddSingleton<IStagnationNotifier>(notifier);
        builder.Services.AddTargetTracking(Dormant).UseInMemory()
            .AddStagnationMonitor(o =>
            {
                o.Thresholds["Dormant"] = TimeSpan.FromDays(2);
                o.Interval = TimeSpan.FromHours(1);
            })
            .AddStagnationMonitor(o => { });
        Assert.Single(builder.Services, d => d.ServiceType == typeof(StagnationMonitor));
        using var host = builder.Build();
        var tracker = host.Services.GetRequiredService<TargetTracker>();
        var target = (await tracker.CreateAsync(new NewTarget("Sleepy", Status: "Dormant"))).Value!;
        clock.Advance(TimeSpan.FromDays(3));

        await host.StartAsync();
        await WaitAsync(() => notifier.Notices.Count == 1);
        Assert.Equal((target.Id, (string?)"Dormant", TimeSpan.FromDays(3)), (notifier.Notices[0].Target.Id, notifier.Notices[0].Status, notifier.Notices[0].Age));

        // The next checks run when the fake clock passes each interval; the same stay is not notified again.
        clock.Advance(TimeSpan.FromHours(1));
        clock.Advance(TimeSpan.FromHours(1));
        target = (await tracker.ChangeStatusAsync(target.Id, target.Version, "Cold")).Value!;
        await tracker.ChangeStatusAsync(target.Id, target.Version, "Dormant");
        clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromHours(1));

        // On a busy machine the monitor may arm its next timer only after that advance: time goes on while we wait.
        await WaitAsync(() => notifier.Notices.Count == 2, () => clock.Advance(TimeSpan.FromHours(1)));
        await host.StopAsync();

        Assert.Equal(2, notifier.Notices.Count);
        var events = logs.Events.Where(e => e.EventId.Id == 4101).ToList();
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal(("StagnantTargetNotified", LogLevel.Information), (e.EventId.Name, e.Level)));
        Assert.Equal(target.Id, events[0].Values["TargetId"]);
        lock (measured)
        {
            Assert.Equal(2, measured.Where(m => m.Status == "Dormant").Sum(m => m.Value));
        }
    }

    [Fact]
    public async Task HostedMonitor_NeedsTheHostsNotifier_AndValidOptions()
    {
        var services = new ServiceCollection();
        services.AddTargetTracking().UseInMemory().AddStagnationMonitor(o => o.Thresholds["Hot"] = TimeSpan.FromDays(1));
        await using (var provider = services.BuildServiceProvider())
        {
            var missing = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<StagnationMonitor>());
            Assert.Contains(nameof(IStagnationNotifier), missing.Message, StringComparison.Ordinal);
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IStagnationNotifier>(new ReportConformance<InMemoryFixture>.RecordingNotifier());
        builder.Services.AddTargetTracking().UseInMemory().AddStagnationMonitor(o =>
        {
            o.Interval = TimeSpan.Zero;
            o.Thresholds["Hot"] = TimeSpan.FromDays(-1);
        });
        using var host = builder.Build();
        var invalid = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("StagnationMonitorOptions.Interval must be positive", invalid.Message, StringComparison.Ordinal);
        Assert.Contains("StagnationMonitorOptions.Thresholds['Hot'] must be positive", invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MonitorOptions_HaveDocumentedDefaults()
    {
        var options = new StagnationMonitorOptions();
        Assert.Equal((TimeSpan.FromMinutes(5), 0), (options.Interval, options.Thresholds.Count));
        Assert.Empty(options.Validate());
        var reports = new ReportOptions();
        Assert.Empty(reports.Funnel);
    }

    [Fact]
    public async Task Monitor_WithoutThresholds_NotifiesNothing_AndAStoreWithoutClaimsIsRefused()
    {
        var clock = new FakeTimeProvider(T0);
        var tracker = new TargetTracker(new TargetTracking.InMemory.InMemoryTargetStore(), new TargetTrackingOptions(), clock);
        await tracker.CreateAsync(new NewTarget("Old", Status: "Hot"));
        clock.Advance(TimeSpan.FromDays(400));
        var notifier = new ReportConformance<InMemoryFixture>.RecordingNotifier();
        Assert.Equal(0, await new StagnationMonitor(tracker, notifier, new StagnationMonitorOptions(), clock).CheckOnceAsync());
        Assert.Empty(notifier.Notices);

        var plain = tracker.WithRepository(new FaultyRepository());
        Assert.Throws<NotSupportedException>(() => new StagnationMonitor(plain, notifier, new StagnationMonitorOptions(), clock));
        Assert.False(plain.Supports<IReportStore>());
        await Assert.ThrowsAsync<NotSupportedException>(() => new TargetReports(plain).CountAsOfAsync(T0));
    }

    private static async Task WaitAsync(Func<bool> condition, Action? meanwhile = null)
    {
        for (var i = 0; i < 1000 && !condition(); i++)
        {
            await Task.Delay(20);
            meanwhile?.Invoke();
        }

        Assert.True(condition(), "The monitor did not get there within 20 s.");
    }
}
