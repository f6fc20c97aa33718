using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TargetTracking.Tests;

/// <summary>The code shown in docs/reports.md, compiled and run; the page must show it verbatim.</summary>
public sealed class ReportSamples
{
    [Fact]
    public async Task PipelineReports()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 2, 2, 9, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddTargetTracking().UseInMemory();
        await using var provider = services.BuildServiceProvider();
        var tracker = provider.GetRequiredService<TargetTracker>();
        var acme = (await tracker.CreateAsync(new NewTarget("Acme GmbH", Status: "Cold"))).Value!;
        clock.Advance(TimeSpan.FromDays(10));
        acme = (await tracker.ChangeStatusAsync(acme.Id, acme.Version, "Active")).Value!;
        clock.Advance(TimeSpan.FromDays(20));
        await tracker.ChangeStatusAsync(acme.Id, acme.Version, "Closed");
        clock.SetUtcNow(new DateTimeOffset(2026, 4, 15, 0, 0, 0, TimeSpan.Zero));

        #region sample_reports
        var reports = provider.GetRequiredService<TargetReports>();

        // The first quarter of 2026: moves, funnel and time in status of the events in it, counts at its end.
        var quarter = await reports.GetPipelineReportAsync(new ReportPeriod(
            new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero)));
        foreach (var step in quarter.Funnel)
        {
            Console.WriteLine($"{StatusStateMachine.Display(step.Status)}: reached {step.Reached}, next step {step.NextStepConversion:P0}");
        }

        var active = quarter.TimeInStatus.Single(s => s.Status == "Active"); // closed stays: mean, median, p90
        var winRate = quarter.WinRate;                                        // Closed ÷ (Closed + Passed), by target

        // The targets created in February, followed up to now.
        var february = await reports.GetCohortReportAsync(new ReportPeriod(
            new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero)));

        // The pipeline as it stood at the end of January (targets deleted since are counted).
        var january = await reports.CountAsOfAsync(new DateTimeOffset(2026, 1, 31, 23, 59, 59, TimeSpan.Zero));

        // One target: when it entered and left each status, the latest and the cumulative time in it.
        var stays = await reports.GetStaysAsync(acme.Id);
        #endregion

        Assert.Equal(TimeSpan.FromDays(20), active.Median);
        Assert.Equal(1.0, winRate);
        Assert.Equal([1L, 1L, 1L, 1L], february.Funnel.Select(f => f.Reached));
        Assert.Empty(january);
        Assert.Equal(["Cold", "Active", "Closed"], stays.Stays.Select(s => s.Status));
        Assert.Equal(TimeSpan.FromDays(10), stays.ByStatus[0].Cumulative);
    }

    [Fact]
    public async Task StagnationMonitor()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();

        #region sample_stagnation_monitor
        builder.Services.AddSingleton<IStagnationNotifier, ChatNotifier>(); // yours: email, chat, a ticket…
        builder.Services.AddTargetTracking().UseInMemory()
            .AddStagnationMonitor(monitor =>
            {
                monitor.Thresholds["Active"] = TimeSpan.FromDays(14); // the latest stay's age
                monitor.Thresholds["Hot"] = TimeSpan.FromDays(7);
                monitor.Interval = TimeSpan.FromMinutes(15);
            });
        #endregion

        using var host = builder.Build();
        Assert.IsType<ChatNotifier>(host.Services.GetRequiredService<IStagnationNotifier>());
        Assert.Equal(TimeSpan.FromMinutes(15), host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<StagnationMonitorOptions>>().Value.Interval);
        Assert.Contains(host.Services.GetServices<IHostedService>(), s => s is StagnationMonitor);
    }

    [Fact]
    public void TheDocsShowTheSamplesVerbatim()
    {
        var source = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Docs", "ReportSamples.cs.txt"));
        var page = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Docs", "reports.md"));
        foreach (var region in new[] { "sample_reports", "sample_stagnation_monitor", "sample_notifier" })
        {
            Assert.Contains(Unindent(Region(source, region)), page, StringComparison.Ordinal);
        }
    }

    private static string Region(string source, string name)
    {
        var start = source.IndexOf("#region " + name, StringComparison.Ordinal);
        start = source.IndexOf('\n', start) + 1;
        var end = source.LastIndexOf('\n', source.IndexOf("#endregion", start, StringComparison.Ordinal));
        return source[start..end];
    }

    private static string Unindent(string code)
    {
        var lines = code.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return string.Join('\n', lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
    }

    #region sample_notifier
    public sealed class ChatNotifier : IStagnationNotifier
    {
        public Task NotifyAsync(StagnationNotice notice, CancellationToken cancellationToken = default)
        {
            // Called once per stay, by one host instance; throw to have the stay offered again at the next check.
            Console.WriteLine($"{notice.Target.Name} has been {notice.Status} for {notice.Age.TotalDays:N0} days");
            return Task.CompletedTask;
        }
    }
    #endregion
}
