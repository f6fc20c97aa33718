using System.Diagnostics;
using System.Diagnostics.Metrics;
using TargetTracking.InMemory;

namespace TargetTracking.Tests;

/// <summary>
/// Each instrument of the <c>TargetTracking</c> meter and activity source moves as docs/observability.md says, seen
/// through <see cref="MeterListener"/> and <see cref="ActivityListener"/>. Other tests record on the same static
/// instruments in parallel, so a recorder keeps only what this test's own async flow recorded.
/// </summary>
public sealed class TelemetryTests
{
    private static readonly AuditContext Alice = new() { ActorId = "u-1", ActorName = "Alice" };

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 3, 1, 9, 0, 0, TimeSpan.Zero));

    private TargetTracker Tracker(ITargetRepository? store = null) =>
        new(store ?? new InMemoryTargetStore(), new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero }, _clock);

    [Fact]
    public void Meter_And_ActivitySource_AreNamedTargetTracking()
    {
        Assert.Equal("TargetTracking", TargetTrackingTelemetry.Name);
        Assert.Equal("TargetTracking", TargetTrackingTelemetry.Meter.Name);
        Assert.Equal("TargetTracking", TargetTrackingTelemetry.Source.Name);
    }

    [Fact]
    public async Task SingleWrites_RecordDurationByKindAndOutcome()
    {
        using var recorder = new Recorder();
        var tracker = Tracker();
        var target = (await tracker.CreateAsync(new NewTarget("Acme", Status: "Cold"), Alice)).Value!;
        await tracker.ChangeStatusAsync(target.Id, 99, "Active", Alice);
        await tracker.ChangeStatusAsync(TargetId.New(_clock), 1, "Active", Alice);
        await tracker.ChangeStatusAsync(target.Id, target.Version, "Closed", Alice);
        await tracker.CreateAsync(new NewTarget(" ", Status: "Cold"), Alice);
        await tracker.UpdateAsync(target.Id, target.Version, new TargetUpdate("Acme 2", null, ["EU"]), Alice);

        var writes = recorder.Of("targettracking.write.duration").Select(m => (Kind: m.Tag("targettracking.write.kind"), Outcome: m.Tag("targettracking.write.outcome"))).ToList();
        Assert.Equal(
            [("create", "applied"), ("change_status", "conflict"), ("change_status", "not_found"), ("change_status", "rejected"), ("create", "invalid"), ("update", "applied")],
            writes);
        Assert.All(recorder.Of("targettracking.write.duration"), m => Assert.True(m.Value >= 0));
    }

    [Fact]
    public async Task UnitsOfWork_HaveASpanWithTheirOutcome_AndADuration()
    {
        using var recorder = new Recorder();
        var tracker = Tracker();
        await tracker.CreateAsync(new NewTarget("Acme", Status: "Cold"), Alice);
        await tracker.CreateManyAsync([new NewTarget("Good", Status: "Cold"), new NewTarget("", Status: "Cold")], BulkMode.AllOrNothing, Alice);

        Assert.Equal(
            [("write", "committed"), ("write", "rolled_back")],
            recorder.Activities.Where(a => a.OperationName == "targettracking.unit_of_work")
                .Select(a => ((string?)a.GetTagItem("targettracking.unit_of_work.kind"), (string?)a.GetTagItem("targettracking.unit_of_work.outcome"))));
        Assert.Equal(["committed", "rolled_back"], recorder.Of("targettracking.unit_of_work.duration").Select(m => m.Tag("targettracking.unit_of_work.outcome")));
    }

    [Fact]
    public async Task TransientFailures_CountRetries_AndAFailedUnitEndsItsSpanInError()
    {
        using var recorder = new Recorder();
        var store = new FaultyRepository { Fault = save => save <= 2 ? new TimeoutException("lost") : null };
        var tracker = Tracker(store);
        Assert.True((await tracker.CreateAsync(new NewTarget("Acme", Status: "Cold"), Alice)).IsSuccess);
        Assert.Equal(2, recorder.Of("targettracking.unit_of_work.retries").Sum(m => m.Value));

        store.Fault = _ => new TimeoutException("down");
        await Assert.ThrowsAsync<TargetStoreUnavailableException>(() => tracker.CreateAsync(new NewTarget("Globex", Status: "Cold"), Alice));
        var failed = recorder.Activities.Last(a => a.OperationName == "targettracking.unit_of_work");
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        Assert.Equal("failed", failed.GetTagItem("targettracking.unit_of_work.outcome"));
    }

    [Fact]
    public async Task BulkItems_CountedByModeAndOutcome()
    {
        using var recorder = new Recorder();
        var tracker = Tracker();
        await tracker.CreateManyAsync([new NewTarget("A", Status: "Cold"), new NewTarget("B", Status: "Cold"), new NewTarget("", Status: "Cold")], BulkMode.Partial, Alice);
        await tracker.CreateManyAsync([new NewTarget("C", Status: "Cold"), new NewTarget("", Status: "Cold")], BulkMode.AllOrNothing, Alice);

        var items = recorder.Of("targettracking.bulk.items")
            .GroupBy(m => (Mode: m.Tag("targettracking.bulk.mode"), Outcome: m.Tag("targettracking.write.outcome")))
            .ToDictionary(g => g.Key, g => g.Sum(m => m.Value));
        Assert.Equal(2, items[("partial", "applied")]);
        Assert.Equal(1, items[("partial", "invalid")]);
        Assert.Equal(1, items[("all_or_nothing", "rolled_back")]);
        Assert.Equal(1, items[("all_or_nothing", "invalid")]);
        Assert.Equal(4, items.Count);
    }

    [Fact]
    public async Task Operations_RecordProgress_Duration_AndResumes()
    {
        using var recorder = new Recorder();
        var tracker = Tracker();
        var created = await tracker.CreateManyAsync(Enumerable.Range(0, 3).Select(i => new NewTarget($"T{i}", Status: "Cold")), audit: Alice);
        var operations = new TargetOperations(tracker);
        await operations.StartAsync(new StartOperationRequest("op", "Closed", OperationSelection.ForIds([.. created.Items.Select(i => i.TargetId)])) { BatchSize = 2 });

        // Stopped after its first batch (Cold cannot move to Closed: each item fails), then run again: a resume.
        using (var stop = new CancellationTokenSource())
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => operations.RunAsync("op", new Progress(stop.Cancel), stop.Token));
        }

        _clock.Advance(TimeSpan.FromSeconds(90));
        var done = await operations.RunAsync("op");
        Assert.Equal(OperationStatus.Completed, done.Value!.Status);

        Assert.Equal(3, recorder.Of("targettracking.operation.items").Where(m => m.Tag("targettracking.write.outcome") == "failed").Sum(m => m.Value));
        Assert.Equal(1, recorder.Of("targettracking.operation.resumes").Sum(m => m.Value));
        var duration = Assert.Single(recorder.Of("targettracking.operation.duration"));
        Assert.Equal("completed", duration.Tag("targettracking.operation.status"));
        Assert.Equal(90, duration.Value);
    }

    [Fact]
    public async Task IntegrityProblems_AndStagnantTargets_AreCounted()
    {
        using var recorder = new Recorder();
        var store = new InMemoryTargetStore();
        var tracker = Tracker(store);
        var target = (await tracker.CreateAsync(new NewTarget("Acme", Status: "Cold"), Alice)).Value!;
        store.Tamper(targets: t => t.SetItem(target.Id, target with { Version = 7 }));
        var health = new TargetHealth(tracker);
        var report = await health.CheckIntegrityAsync();
        Assert.True(report.ProblemCount > 0);
        Assert.Equal(report.ProblemCount, recorder.Of("targettracking.integrity.problems").Sum(m => m.Value));
        Assert.All(recorder.Of("targettracking.integrity.problems"), m => Assert.NotNull(m.Tag("targettracking.integrity.problem_kind")));

        _clock.Advance(TimeSpan.FromDays(40));
        var stagnant = await health.FindStagnantAsync(new Dictionary<string, TimeSpan> { ["Cold"] = TimeSpan.FromDays(30) });
        Assert.Single(stagnant);
        Assert.Equal(1, recorder.Of("targettracking.stagnation.targets").Sum(m => m.Value));
    }

    [Fact]
    public async Task FeedReads_RecordLag_AndEntries()
    {
        using var recorder = new Recorder();
        var tracker = Tracker();
        await tracker.CreateAsync(new NewTarget("Acme", Status: "Cold"), Alice);
        _clock.Advance(TimeSpan.FromSeconds(12));
        var feed = new ChangeFeed(tracker);
        var page = await feed.ReadAsync();
        await feed.ReadAsync(page.Next);

        Assert.Equal([12.0, 0.0], recorder.Of("targettracking.feed.lag").Select(m => m.Value));
        Assert.Equal(1, recorder.Of("targettracking.feed.entries").Sum(m => m.Value));
    }

    [Fact]
    public async Task Metrics_CarryTheCallsTenant()
    {
        using var recorder = new Recorder();
        var accessor = new Accessor { Tenant = "acme" };
        var tracker = new TargetTracker(new InMemoryTargetStore(), new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero }, _clock, tenantAccessor: accessor);
        await tracker.CreateAsync(new NewTarget("Acme", Status: "Cold"), Alice);
        await tracker.ForTenant("globex").CreateManyAsync([new NewTarget("Globex", Status: "Cold"), new NewTarget("Globex 2", Status: "Cold")], BulkMode.Partial, Alice);
        await new ChangeFeed(tracker.ForTenant("globex")).ReadAsync();
        await Tracker().CreateAsync(new NewTarget("Nobody's", Status: "Cold"), Alice);

        Assert.Equal(["acme", "default"], recorder.Of("targettracking.write.duration").Select(m => m.Tag(TargetTrackingTelemetry.TenantTag)));
        Assert.Equal(["acme", "globex", "default"], recorder.Of("targettracking.unit_of_work.duration").Select(m => m.Tag("targettracking.tenant")));
        Assert.Equal(["globex"], recorder.Of("targettracking.bulk.items").Select(m => m.Tag("targettracking.tenant")));
        Assert.Equal(["globex"], recorder.Of("targettracking.feed.lag").Select(m => m.Tag("targettracking.tenant")));
    }

    [Fact]
    public async Task Metrics_WithoutTheTenantTag_WhenTheHostSwitchesItOff()
    {
        using var recorder = new Recorder();
        var options = new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero, Tenancy = { TagMetrics = false } };
        var tracker = new TargetTracker(new InMemoryTargetStore(), options, _clock).ForTenant("acme");
        await tracker.CreateAsync(new NewTarget("Acme", Status: "Cold"), Alice);
        await tracker.CreateManyAsync([new NewTarget("More", Status: "Cold"), new NewTarget("More 2", Status: "Cold")], BulkMode.Partial, Alice);
        await new ChangeFeed(tracker).ReadAsync();

        var all = new[] { "targettracking.write.duration", "targettracking.unit_of_work.duration", "targettracking.bulk.items", "targettracking.feed.lag" }.SelectMany(recorder.Of).ToList();
        Assert.Equal(5, all.Count);
        Assert.All(all, m => Assert.DoesNotContain(m.Tags, t => t.Key == TargetTrackingTelemetry.TenantTag));
    }

    private sealed class Accessor : ITenantAccessor
    {
        public string? Tenant { get; set; }
    }

    private sealed class Progress(Action onReport) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value) => onReport();
    }

    private sealed record Measurement(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)
    {
        public string? Tag(string name) => Tags.FirstOrDefault(t => t.Key == name).Value as string;
    }

    /// <summary>Listens to the TargetTracking meter and activity source, keeping what the creating test's async flow records.</summary>
    private sealed class Recorder : IDisposable
    {
        private static readonly AsyncLocal<Recorder?> Current = new();
        private readonly MeterListener _meters = new();
        private readonly ActivityListener _activities;
        private readonly List<Measurement> _measurements = [];
        private readonly List<Activity> _stopped = [];

        public Recorder()
        {
            Current.Value = this;
            _meters.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == TargetTrackingTelemetry.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _meters.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
            _meters.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
            _meters.Start();
            _activities = new ActivityListener
            {
                ShouldListenTo = source => source.Name == TargetTrackingTelemetry.Name,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity =>
                {
                    if (Current.Value == this)
                    {
                        lock (_stopped)
                        {
                            _stopped.Add(activity);
                        }
                    }
                },
            };
            ActivitySource.AddActivityListener(_activities);
        }

        public IReadOnlyList<Activity> Activities
        {
            get
            {
                lock (_stopped)
                {
                    return [.. _stopped];
                }
            }
        }

        public IReadOnlyList<Measurement> Of(string instrument)
        {
            lock (_measurements)
            {
                return [.. _measurements.Where(m => m.Instrument == instrument)];
            }
        }

        public void Dispose()
        {
            _meters.Dispose();
            _activities.Dispose();
        }

        private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (Current.Value != this)
            {
                return;
            }

            var measurement = new Measurement(instrument.Name, value, tags.ToArray());
            lock (_measurements)
            {
                _measurements.Add(measurement);
            }
        }
    }
}
