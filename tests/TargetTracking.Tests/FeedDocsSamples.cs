using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TargetTracking.Conformance;

namespace TargetTracking.Tests;

/// <summary>The code shown in docs/feed.md and docs/observability.md, compiled and run, and checked verbatim against the pages.</summary>
public sealed class FeedDocsSamples
{
    /// <summary>Where the sample keeps its position; a real host keeps it in its own database, with what it did.</summary>
    private sealed class Checkpoints
    {
        public string? Token { get; set; }
    }

    [Fact]
    public async Task FollowTheFeed()
    {
        var services = new ServiceCollection();
        services.AddTargetTracking().UseInMemory();
        await using var provider = services.BuildServiceProvider();
        var tracker = provider.GetRequiredService<TargetTracker>();
        await tracker.CreateAsync(new NewTarget("Acme", null, ["EU"], "Cold"));
        var checkpoints = new Checkpoints();
        var applied = new ConcurrentDictionary<Guid, HistoryEntry>();
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        #region sample_feed_subscribe
        var feed = provider.GetRequiredService<ChangeFeed>();
        var from = checkpoints.Token is { } saved ? FeedToken.Parse(saved) : null;   // null: from the start
        await foreach (var item in feed.SubscribeAsync(from, stopping.Token))
        {
            // At least once: the entry id is the idempotency key.
            applied.TryAdd(item.Entry.Id, item.Entry);
            checkpoints.Token = item.Token.ToString();                              // store it with what you did
            if (applied.Count == 1) break;                                          // (the sample stops here)
        }
        #endregion

        #region sample_feed_read
        var page = await feed.ReadAsync(FeedToken.Parse(checkpoints.Token!), limit: 100);
        foreach (var item in page.Entries)
        {
            Console.WriteLine($"{item.Entry.OccurredAt:O} {item.Entry.TargetId} {item.Entry.Action} v{item.Entry.Version}");
        }

        var next = page.Next;    // read from here next time; page.Lag tells how far behind this reader is
        #endregion

        Assert.Single(applied);
        Assert.Empty(page.Entries);
        Assert.Equal(checkpoints.Token, next.ToString());
    }

    [Fact]
    public async Task HealthChecks()
    {
        #region sample_health_checks
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTargetTracking().UseInMemory();
        services.AddHealthChecks().AddTargetTracking(thresholds =>
        {
            thresholds.MaxFeedLag = TimeSpan.FromMinutes(5);
            thresholds.OperationStuckAfter = TimeSpan.FromMinutes(30);
        });
        #endregion
        await using var provider = services.BuildServiceProvider();
        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal(6, report.Entries.Count);
    }

    [Theory]
    [InlineData("feed.md", "sample_feed_subscribe")]
    [InlineData("feed.md", "sample_feed_read")]
    [InlineData("observability.md", "sample_health_checks")]
    public void TheDocsShowTheSamplesVerbatim(string pageName, string region) => DocSync.AssertShown("FeedDocsSamples.cs.txt", pageName, region);
}
