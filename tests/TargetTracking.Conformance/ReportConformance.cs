using FsCheck.Xunit;
using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>
/// The pipeline reports on every store: stays, counts as of a date, the period and cohort reports and the operations
/// report against hand-computed figures; random histories checked against the brute-force model
/// (<c>ReportModel</c>) over the store's own history; and the stagnation monitor's claims. An adapter signs up with an
/// empty subclass.
/// </summary>
/// <typeparam name="TFixture">The store's fixture.</typeparam>
public abstract class ReportConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, IStoreFixture
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 6, 9, 0, 0, TimeSpan.Zero);
    private static readonly AuditContext Alice = new() { ActorId = "u-1", ActorName = "Alice" };

    private FakeTimeProvider Clock { get; } = new(T0);

    private static DateTimeOffset Day(double days) => T0.AddDays(days);

    private async Task<(ITargetRepository Repository, TargetTracker Tracker, TargetReports Reports)> NewAsync(Action<TargetTrackingOptions>? configure = null)
    {
        var repository = await fixture.CreateRepositoryBesideANeighbourAsync();
        var options = new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero };
        configure?.Invoke(options);
        var tracker = new TargetTracker(repository, options, Clock);
        return (repository, tracker, new TargetReports(tracker));
    }

    private void At(double day) => Clock.SetUtcNow(Day(day));

    private async Task<Target> CreateAsync(TargetTracker tracker, double day, string name, string? status)
    {
        At(day);
        var created = await tracker.CreateAsync(new NewTarget(name, null, ["EU"], status), Alice);
        Assert.True(created.IsSuccess, created.ToString());
        return created.Value!;
    }

    private async Task<Target> MoveAsync(TargetTracker tracker, Target target, double day, string? status)
    {
        At(day);
        var moved = await tracker.ChangeStatusAsync(target.Id, target.Version, status, Alice);
        Assert.True(moved.IsSuccess, moved.ToString());
        return moved.Value!;
    }

    private async Task DeleteAsync(TargetTracker tracker, Target target, double day)
    {
        At(day);
        var deleted = await tracker.DeleteAsync(target.Id, target.Version, Alice);
        Assert.True(deleted.IsSuccess, deleted.ToString());
    }

    [Fact]
    public async Task Stays_CoverTheLifetime_IgnoreUpdates_AndSumPerStatus()
    {
        var (_, tracker, reports) = await NewAsync();
        var a = await CreateAsync(tracker, 0, "A", "Cold");
        At(1);
        a = (await tracker.UpdateAsync(a.Id, a.Version, TargetUpdate.From(a) with { Name = "A renamed" })).Value!;
        a = await MoveAsync(tracker, a, 2, "Active");
        a = await MoveAsync(tracker, a, 5, "Hot");
        a = await MoveAsync(tracker, a, 6, "Active");
        await DeleteAsync(tracker, a, 8);
        var b = await CreateAsync(tracker, 8.5, "B", null);
        At(9);

        var stays = await reports.GetStaysAsync(a.Id);
        Assert.Equal(
            [
                new Stay("Cold", Day(0), Day(2), TimeSpan.FromDays(2), "Active", false),
                new Stay("Active", Day(2), Day(5), TimeSpan.FromDays(3), "Hot", false),
                new Stay("Hot", Day(5), Day(6), TimeSpan.FromDays(1), "Active", false),
                new Stay("Active", Day(6), Day(8), TimeSpan.FromDays(2), null, true),
            ],
            stays.Stays);
        Assert.Equal(
            [
                new StatusTime("Cold", 1, Day(0), Day(0), Day(2), TimeSpan.FromDays(2), TimeSpan.FromDays(2)),
                new StatusTime("Active", 2, Day(2), Day(6), Day(8), TimeSpan.FromDays(2), TimeSpan.FromDays(5)),
                new StatusTime("Hot", 1, Day(5), Day(5), Day(6), TimeSpan.FromDays(1), TimeSpan.FromDays(1)),
            ],
            stays.ByStatus);

        // An open stay counts up to now.
        var open = Assert.Single((await reports.GetStaysAsync(b.Id)).Stays);
        Assert.Equal(new Stay(null, Day(8.5), null, TimeSpan.FromDays(0.5), null, false), open);
        Assert.True(open.IsOpen);
        Assert.Empty((await reports.GetStaysAsync(TargetId.New(Clock))).Stays);
    }

    [Fact]
    public async Task CountAsOf_ReplaysTheHistory_CountingTargetsDeletedLater()
    {
        var (_, tracker, reports) = await NewAsync();
        var a = await CreateAsync(tracker, 0, "A", "Cold");
        var b = await CreateAsync(tracker, 1, "B", "Hot");
        a = await MoveAsync(tracker, a, 2, "Active");
        await MoveAsync(tracker, b, 3, "Closed");
        await CreateAsync(tracker, 4, "C", null);
        await DeleteAsync(tracker, a, 8);
        At(30);

        Assert.Empty(await reports.CountAsOfAsync(Day(-1)));
        Assert.Equal([new StatusCount("Cold", 1)], await reports.CountAsOfAsync(Day(1).AddTicks(-10)));
        Assert.Equal([new StatusCount("Cold", 1), new StatusCount("Hot", 1)], await reports.CountAsOfAsync(Day(1)));
        Assert.Equal([new StatusCount("Active", 1), new StatusCount("Closed", 1), new StatusCount(null, 1)], await reports.CountAsOfAsync(Day(7)));
        Assert.Equal([new StatusCount("Closed", 1), new StatusCount(null, 1)], await reports.CountAsOfAsync(Day(8)));
        Assert.Equal(Sorted(await tracker.CountByStatusAsync()), Sorted(await reports.CountAsOfAsync(Day(30))));
    }

    /// <summary>The scenario of the period and cohort reports (days from T0); figures worked out by hand in the tests.</summary>
    private async Task<TargetReports> ScenarioAsync()
    {
        var (_, tracker, reports) = await NewAsync();
        var a = await CreateAsync(tracker, 0, "A", "Cold");
        var b = await CreateAsync(tracker, 1, "B", "Cold");
        var d = await CreateAsync(tracker, 2, "D", "Hot");
        b = await MoveAsync(tracker, b, 5, "Active");
        var c = await CreateAsync(tracker, 11, "C", "Active");
        a = await MoveAsync(tracker, a, 12, "Active");
        c = await MoveAsync(tracker, c, 13, "Cold");
        await MoveAsync(tracker, b, 14, "Passed");
        a = await MoveAsync(tracker, a, 15, "Hot");
        await MoveAsync(tracker, c, 16, "Active");
        await DeleteAsync(tracker, d, 17);
        await MoveAsync(tracker, a, 18, "Closed");
        await CreateAsync(tracker, 21, "E", "Cold");
        At(25);
        return reports;
    }

    [Fact]
    public async Task PipelineReport_OfAPeriod_CountsMovesFunnelTimesAndWinRate()
    {
        var reports = await ScenarioAsync();
        var report = await reports.GetPipelineReportAsync(new ReportPeriod(Day(10), Day(20)));

        Assert.Equal((PipelineReportKind.Period, Day(20)), (report.Kind, report.AsOf));
        Assert.Equal([new StatusCount("Cold", 1), new StatusCount("Active", 1), new StatusCount("Hot", 1)], report.CountsAtStart);
        Assert.Equal([new StatusCount("Passed", 1), new StatusCount("Active", 1), new StatusCount("Closed", 1)], report.Counts);
        Assert.Equal(
            [
                new TransitionCount("Cold", "Active", 2),
                new TransitionCount("Active", "Passed", 1),
                new TransitionCount("Active", "Cold", 1),
                new TransitionCount("Active", "Hot", 1),
                new TransitionCount("Hot", "Closed", 1),
            ],
            report.Transitions);
        Assert.Equal([new StatusCount("Passed", 1), new StatusCount("Cold", 1), new StatusCount("Active", 3), new StatusCount("Hot", 1), new StatusCount("Closed", 1)], report.Entered);

        var d = TimeSpan.FromDays(1);
        const decimal PerDay = 86_400_000_000m;
        Assert.Equal(
            [
                new DurationStats("Cold", 2, 15 * PerDay, 7.5 * d, 3 * d, 12 * d, 12 * d),
                new DurationStats("Active", 3, 14 * PerDay, 14 * d / 3, 3 * d, 9 * d, 9 * d),
                new DurationStats("Hot", 2, 18 * PerDay, 9 * d, 3 * d, 15 * d, 15 * d),
            ],
            report.TimeInStatus);
        Assert.Equal(
            [
                new DurationStats("Passed", 1, 6 * PerDay, 6 * d, 6 * d, 6 * d, 6 * d),
                new DurationStats("Active", 1, 4 * PerDay, 4 * d, 4 * d, 4 * d, 4 * d),
                new DurationStats("Closed", 1, 2 * PerDay, 2 * d, 2 * d, 2 * d, 2 * d),
            ],
            report.OpenStays);
        Assert.Equal(
            [
                new FunnelStep("Cold", 2, 2, 0, 0, 1.0, 1.0),
                new FunnelStep("Active", 2, 1, 1, 0, 0.5, 1.0),
                new FunnelStep("Hot", 1, 1, 0, 0, 1.0, 0.5),
                new FunnelStep("Closed", 1, 0, 1, 0, null, 0.5),
            ],
            report.Funnel);
        Assert.Equal((1L, 1L, 0.5), (report.Won, report.Lost, report.WinRate));
    }

    [Fact]
    public async Task CohortReport_FollowsTheTargetsCreatedInThePeriod_AndItsFunnelAddsUp()
    {
        var reports = await ScenarioAsync();
        var report = await reports.GetCohortReportAsync(new ReportPeriod(Day(0), Day(3)));

        Assert.Equal((PipelineReportKind.Cohort, Day(25)), (report.Kind, report.AsOf));
        Assert.Empty(report.CountsAtStart);
        Assert.Equal([new StatusCount("Passed", 1), new StatusCount("Closed", 1)], report.Counts);
        Assert.Equal(
            [
                new TransitionCount("Cold", "Active", 2),
                new TransitionCount("Active", "Passed", 1),
                new TransitionCount("Active", "Hot", 1),
                new TransitionCount("Hot", "Closed", 1),
            ],
            report.Transitions);
        Assert.Equal(
            [
                new FunnelStep("Cold", 3, 3, 0, 0, 1.0, 1.0),
                new FunnelStep("Active", 3, 2, 0, 1, 2.0 / 3, 1.0),
                new FunnelStep("Hot", 2, 1, 0, 1, 0.5, 2.0 / 3),
                new FunnelStep("Closed", 1, 0, 1, 0, null, 1.0 / 3),
            ],
            report.Funnel);
        Assert.All(report.Funnel, s => Assert.Equal(s.Reached, s.Converted + s.DroppedOff + s.StillIn));
        Assert.Equal((1L, 1L), (report.Won, report.Lost));

        // Closed stays of the cohort, whenever they ended: D's Hot stay ended by its delete counts.
        Assert.Equal(TimeSpan.FromDays(15), Assert.Single(report.TimeInStatus, s => s.Status == "Hot").Max);
    }

    [Fact]
    public async Task WonAndLost_ComeFromThePipelineMetadata()
    {
        var repository = await fixture.CreateRepositoryAsync();
        var options = new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero };

        // Hot counts as won, Passed stays lost, Cold is lost too: the funnel leaves out both lost statuses.
        options.Pipeline.Describe("Hot", 100, "Closed", StatusOutcome.Won).Describe("Cold", 0, "Omitted", StatusOutcome.Lost);
        var tracker = new TargetTracker(repository, options, Clock);
        var reports = new TargetReports(tracker);
        Assert.Equal(["Active", "Hot", "Closed"], reports.Funnel);
        await CreateAsync(tracker, 0, "Won hot", "Hot");
        var lost = await CreateAsync(tracker, 0, "Lost cold", "Active");
        var closed = await CreateAsync(tracker, 0, "Won closed", "Active");
        await CreateAsync(tracker, 0, "Open", "Active");
        await MoveAsync(tracker, lost, 1, "Cold");
        await MoveAsync(tracker, closed, 1, "Closed");
        var report = await reports.GetPipelineReportAsync(new ReportPeriod(Day(0), Day(2)));
        Assert.Equal((2L, 1L), (report.Won, report.Lost));
    }

    [Fact]
    public async Task WinLossByReason_CountsEachTargetsLastOutcome_WithItsAmountThen_PerCurrency()
    {
        var (_, tracker, reports) = await NewAsync(o =>
        {
            o.Pipeline.LostReasons.Add("Price");
            o.Pipeline.LostReasons.Add("Timing");
        });
        async Task<Target> Deal(string name, Money? amount) => (await tracker.CreateAsync(new NewTarget(name, null, ["EU"], "Active", amount), Alice)).Value!;
        async Task<Target> Lose(Target t, double day, string reason)
        {
            At(day);
            return (await tracker.ChangeStatusAsync(t.Id, t.Version, "Passed", new LostReason(reason), Alice)).Value!;
        }

        At(0);
        var (a, b, c, d) = (await Deal("A", new Money(100.5m, "EUR")), await Deal("B", new Money(200m, "EUR")), await Deal("C", new Money(50m, "USD")), await Deal("D", new Money(1000m, "EUR")));
        var (e, f, g, h) = (await Deal("E", null), await Deal("F", new Money(10m, "EUR")), await Deal("G", new Money(7m, "USD")), await Deal("H", new Money(1m, "EUR")));

        // H was lost before the period.
        await Lose(h, 0.5, "Price");
        await Lose(a, 1, "Price");
        await Lose(b, 1, "Price");
        await Lose(c, 1, "Timing");
        await Lose(e, 1, "Timing");
        await MoveAsync(tracker, d, 1, "Closed");
        f = await Lose(f, 1, "Price");

        // G is lost, reopened and lost again for another reason: counted once, by its last loss.
        g = await Lose(g, 1.1, "Price");
        g = await MoveAsync(tracker, g, 1.2, "Cold");
        await Lose(g, 1.4, "Timing");

        // F's amount changes after it was lost: the report keeps the amount it was lost with.
        At(1.5);
        Assert.True((await tracker.UpdateAsync(f.Id, f.Version, TargetUpdate.From(f) with { Amount = new Money(99m, "EUR") }, Alice)).IsSuccess);

        var report = await reports.GetPipelineReportAsync(new ReportPeriod(Day(0.9), Day(2)));
        Assert.Equal((1L, 6L), (report.Won, report.Lost));
        Assert.Equal(
            [
                (StatusOutcome.Won, "Closed", (string?)null, 1L, "1000 EUR"),
                (StatusOutcome.Lost, "Passed", "Price", 3L, "310.5 EUR"),
                (StatusOutcome.Lost, "Passed", "Timing", 3L, "57 USD"),
            ],
            report.Outcomes.Select(o => (o.Outcome, o.Status, o.Reason, o.Count, string.Join(", ", o.Amounts))));

        var cohort = await reports.GetCohortReportAsync(new ReportPeriod(Day(0), Day(1)));
        Assert.Equal(8, cohort.Outcomes.Sum(o => o.Count));
        Assert.Equal("311.5 EUR", string.Join(", ", Assert.Single(cohort.Outcomes, o => o.Reason == "Price").Amounts));
    }

    [Fact]
    public async Task Reports_RejectAnEmptyPeriod_AndAStatusThePipelineDoesNotHave()
    {
        var (_, tracker, reports) = await NewAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => reports.GetPipelineReportAsync(new ReportPeriod(Day(1), Day(1))));
        var options = new ReportOptions();
        options.Funnel.Add("Warm");
        Assert.Throws<ArgumentException>(() => new TargetReports(tracker, options));
        Assert.True(tracker.Supports<IReportStore>());
        Assert.Equal(["Cold", "Active", "Hot", "Closed"], reports.Funnel);
    }

    [Fact]
    public async Task OperationsReport_ListsOperationsActorsAndTouchedTargets()
    {
        var (_, tracker, reports) = await NewAsync();
        var operations = new TargetOperations(tracker);
        var targets = new List<Target>();
        for (var i = 0; i < 3; i++)
        {
            targets.Add(await CreateAsync(tracker, 0, $"T{i}", "Active"));
        }

        At(1);
        var ops = new AuditContext { ActorId = "ops-1", ActorName = "Ops Bot" };
        Assert.True((await operations.StartAsync(new StartOperationRequest("op-a", "Hot", OperationSelection.ForIds(targets.Select(t => t.Id))), ops)).IsSuccess);
        Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.True((await operations.RunAsync("op-a")).IsSuccess);
        At(2);
        Assert.True((await operations.StartAsync(new StartOperationRequest("op-b", "Closed", OperationSelection.ForIds([targets[0].Id, TargetId.New(Clock)])), ops)).IsSuccess);
        Assert.True((await operations.RunAsync("op-b")).IsSuccess);
        At(5);
        Assert.True((await operations.StartAsync(new StartOperationRequest("op-late", "Cold", OperationSelection.ForIds([targets[1].Id])), Alice)).IsSuccess);
        At(6);

        var report = await reports.GetOperationsReportAsync(new ReportPeriod(Day(0), Day(3)));
        Assert.Equal(2, report.OperationCount);
        Assert.Equal(
            [
                new OperationLine("op-a", "ops-1", "Ops Bot", OperationStatus.Completed, 3, 3, 0, Day(1), TimeSpan.Zero),
                new OperationLine("op-b", "ops-1", "Ops Bot", OperationStatus.Completed, 2, 1, 1, Day(2), TimeSpan.Zero),
            ],
            report.Operations);
        var actor = Assert.Single(report.ByActor);
        Assert.Equal(("ops-1", "Ops Bot", 2L, 4L, 1L), (actor.ActorId, actor.ActorName, actor.Operations, actor.Affected, actor.Failed));
        Assert.Equal(2, actor.ByOutcome[OperationStatus.Completed]);
        Assert.Equal(3, report.TargetsTouched);
        Assert.Equal(new TargetOperationTouch(targets[0].Id, 2, 2, Day(2)), report.Targets[0]);
        Assert.Equal(
            [.. targets.Skip(1).Select(t => new TargetOperationTouch(t.Id, 1, 1, Day(1).AddMinutes(2))).OrderBy(t => t.TargetId)],
            report.Targets.Skip(1).OrderBy(t => t.TargetId));

        var limited = await reports.GetOperationsReportAsync(new ReportPeriod(Day(0), Day(10)), maxLines: 1);
        Assert.Equal((3L, 1, 1, 3L), (limited.OperationCount, limited.Operations.Count, limited.Targets.Count, limited.TargetsTouched));
    }

    /// <summary>
    /// Random histories (moves, skips, backward moves, re-entries, updates, deletes, re-creates, bulk units of work,
    /// tracked operations, a fake clock with equal timestamps) through the store; every report of the store equals the
    /// brute-force model computed over the store's own history, and the invariants hold.
    /// </summary>
    [Property(MaxTest = 8)]
    public async Task Reports_OnRandomHistories_EqualTheModel(int seed)
    {
        var (repository, tracker, reports) = await NewAsync(o => o.Pipeline.LostReasons.Add("Price"));
        var store = Assert.IsAssignableFrom<IReportStore>(repository);
        var ids = await ReportScript.RunAsync(tracker, Clock, seed, 60);
        var now = Clock.GetUtcNow();
        var histories = new Dictionary<TargetId, List<HistoryEntry>>();
        foreach (var entry in await ReportScript.AllHistoryAsync(tracker))
        {
            (histories.TryGetValue(entry.TargetId, out var list) ? list : histories[entry.TargetId] = []).Add(entry);
        }

        var cut = now.AddTicks(10);
        foreach (var id in ids)
        {
            var stays = await store.GetStaysAsync(id, cut);
            Assert.Equal(ReportModel.Stays(histories.GetValueOrDefault(id, []), cut), stays);
            ReportScript.AssertCoverLifetime(stays, histories.GetValueOrDefault(id, []));
        }

        var random = new Random(seed);
        for (var i = 0; i < 4; i++)
        {
            var d = T0 + ((now - T0) * random.NextDouble());
            d = d.AddTicks(-(d.Ticks % 10));
            var asOf = await store.CountAsOfAsync(d.AddTicks(10));
            Assert.Equal(Sorted(ReportModel.CountAsOf(histories.Values, d.AddTicks(10))), Sorted(asOf));
            Assert.Equal(Sorted(ReportScript.Replay(histories.Values, d)), Sorted(asOf));

            var to = d + ((now - d) * random.NextDouble()) + TimeSpan.FromTicks(10);
            var period = new PipelineFactsQuery
            {
                Cut = to.AddTicks(-(to.Ticks % 10)),
                AgeAt = to.AddTicks(-(to.Ticks % 10)),
                WindowStart = d,
                WindowEnd = to,
                Funnel = ["Cold", "Active", "Hot", "Closed"],
                Won = ["Closed"],
                Lost = ["Passed", null],
            };
            AssertSame(ReportModel.Pipeline(histories.Values, period), await store.ComputePipelineAsync(period));
            var cohort = period with { Cut = cut, AgeAt = now, WindowStart = null, WindowEnd = null, CohortFrom = d, CohortTo = to };
            AssertSame(ReportModel.Pipeline(histories.Values, cohort), await store.ComputePipelineAsync(cohort));
            var edges = period with { Funnel = [], Won = ["Closed", "Passed"], Lost = ["Passed", null] }; // no funnel; won wins a tie
            AssertSame(ReportModel.Pipeline(histories.Values, edges), await store.ComputePipelineAsync(edges));

            var report = await reports.GetCohortReportAsync(new ReportPeriod(d, to));
            Assert.All(report.Funnel, s => Assert.Equal(s.Reached, s.Converted + s.DroppedOff + s.StillIn));

            var touches = new OperationsFactsQuery(d, to, 5);
            var found = new List<string>();
            var expected = ReportModel.Touches(histories.Values.SelectMany(h => h), touches);
            var actual = await store.ScanOperationsAsync(touches, o => found.Add(o.Id));
            Assert.Equal(expected.TargetsTouched, actual.TargetsTouched);
            Assert.Equal(expected.Targets, actual.Targets);
        }
    }

    private static void AssertSame(PipelineFacts expected, PipelineFacts actual)
    {
        Assert.Equal(Sorted(expected.Counts), Sorted(actual.Counts));
        Assert.Equal(Sorted(expected.CountsAtStart), Sorted(actual.CountsAtStart));
        Assert.Equal(expected.Transitions.OrderBy(t => t.From ?? "~").ThenBy(t => t.To ?? "~"), actual.Transitions.OrderBy(t => t.From ?? "~").ThenBy(t => t.To ?? "~"));
        Assert.Equal(Sorted(expected.Entered), Sorted(actual.Entered));
        Assert.Equal(expected.Closed.OrderBy(s => s.Status ?? "~"), actual.Closed.OrderBy(s => s.Status ?? "~"));
        Assert.Equal(expected.Open.OrderBy(s => s.Status ?? "~"), actual.Open.OrderBy(s => s.Status ?? "~"));
        Assert.Equal(expected.Funnel.OrderBy(f => f.Index), actual.Funnel.OrderBy(f => f.Index));
        Assert.Equal((expected.Won, expected.Lost), (actual.Won, actual.Lost));
        Assert.Equal(Sorted(expected.Outcomes), Sorted(actual.Outcomes));
        Assert.Equal(expected.Won + expected.Lost, actual.Outcomes.Sum(o => o.Count));
        Assert.All(actual.Funnel, f => Assert.Equal(f.Furthest, f.StillIn + f.DroppedOff));
    }

    private static List<OutcomeFacts> Sorted(IEnumerable<OutcomeFacts> outcomes) =>
        [.. outcomes.OrderBy(o => o.Status ?? "~", StringComparer.Ordinal).ThenBy(o => o.Reason ?? "~", StringComparer.Ordinal).ThenBy(o => o.Currency ?? "~", StringComparer.Ordinal)];

    private static List<StatusCount> Sorted(IEnumerable<StatusCount> counts) => [.. counts.OrderBy(c => c.Status ?? "~", StringComparer.Ordinal)];

    [Fact]
    public async Task StagnationClaims_AreTakenOncePerStay_AcrossMonitors()
    {
        var (repository, _, _) = await NewAsync();
        var claims = Assert.IsAssignableFrom<IStagnationClaims>(repository);
        var id = TargetId.New(Clock);
        var claim = new StagnationClaim(id, Day(1), "Active", Day(3));
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => claims.TryClaimAsync(claim)));
        Assert.Single(results, r => r);
        Assert.False(await claims.TryClaimAsync(claim with { ClaimedAt = Day(4) }));
        Assert.True(await claims.TryClaimAsync(claim with { StayStartedAt = Day(2) }));
        await claims.ReleaseAsync(claim);
        Assert.True(await claims.TryClaimAsync(claim));
    }

    [Fact]
    public async Task TimedMoves_MoveEachStayOnce_AcrossTwoHostsAndARestart_AsTheSystemActor()
    {
        Action<TargetTrackingOptions> configure = o => o.Pipeline.MoveAfter("hot", TimeSpan.FromDays(30), "cold");
        var (repository, tracker, _) = await NewAsync(configure);
        var stale = await CreateAsync(tracker, 0, "Stale", "Hot");
        var touched = await CreateAsync(tracker, 0, "Touched", "Hot");
        await CreateAsync(tracker, 0, "Active", "Active");
        touched = await MoveAsync(tracker, touched, 10, "Active");
        touched = await MoveAsync(tracker, touched, 11, "Hot");

        // Two hosts over one store, each with its monitor; a restart is a new monitor.
        var options = new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero };
        configure(options);
        var otherHost = new TargetTracker(repository, options, Clock);
        StagnationMonitor Monitor(TargetTracker host) => new(host, new RecordingNotifier(), new StagnationMonitorOptions(), Clock);

        At(29.9);
        await Monitor(tracker).CheckOnceAsync();
        Assert.Equal("Hot", (await tracker.GetAsync(stale.Id)).Value!.Status);

        At(31);
        await Task.WhenAll(Monitor(tracker).CheckOnceAsync(), Monitor(otherHost).CheckOnceAsync());
        await Monitor(otherHost).CheckOnceAsync();
        var moved = (await tracker.GetHistoryAsync(stale.Id))[0];
        Assert.Equal((HistoryAction.StatusChanged, "Hot", "Cold", 2L, "system:timed-moves", "Timed moves", Day(31)),
            (moved.Action, moved.OldStatus, moved.NewStatus, moved.Version, moved.ActorId, moved.ActorName, moved.OccurredAt));
        Assert.Equal(("Hot", 3L), ((await tracker.GetAsync(touched.Id)).Value!.Status, (await tracker.GetAsync(touched.Id)).Value!.Version));

        // The touched target's stay began on day 11; the stale one's new stay in Hot is moved again, once.
        At(41.5);
        await Task.WhenAll(Monitor(tracker).CheckOnceAsync(), Monitor(otherHost).CheckOnceAsync());
        var back = await MoveAsync(tracker, (await tracker.GetAsync(stale.Id)).Value!, 42, "Hot");
        At(80);
        await Task.WhenAll(Monitor(tracker).CheckOnceAsync(), Monitor(otherHost).CheckOnceAsync(), Monitor(tracker).CheckOnceAsync());
        var stays = await tracker.GetHistoryAsync(stale.Id);
        Assert.Equal(2, stays.Count(e => e.ActorId == "system:timed-moves"));
        Assert.Equal(back.Version + 1, stays[0].Version);
        Assert.Equal(1, (await tracker.GetHistoryAsync(touched.Id)).Count(e => e.ActorId == "system:timed-moves"));
        Assert.Equal("Active", (await tracker.QueryAsync(new TargetQuery { Statuses = ["Active"] })).Items.Single().Name);
    }

    [Fact]
    public async Task StagnationMonitor_NotifiesOncePerStay_AcrossRestarts_AndAgainAfterAMove()
    {
        var (_, tracker, _) = await NewAsync();
        var stuck = await CreateAsync(tracker, 0, "Stuck", "Active");
        await CreateAsync(tracker, 0, "Fresh", "Cold");
        var notifier = new RecordingNotifier();
        var options = new StagnationMonitorOptions();
        options.Thresholds["active"] = TimeSpan.FromDays(7);
        StagnationMonitor Monitor() => new(tracker, notifier, options, Clock);

        At(6);
        Assert.Equal(0, await Monitor().CheckOnceAsync());
        At(8);
        Assert.Equal(1, await Monitor().CheckOnceAsync());
        var notice = Assert.Single(notifier.Notices);
        Assert.Equal((stuck.Id, (string?)"Active", Day(0), TimeSpan.FromDays(8), TimeSpan.FromDays(8), TimeSpan.FromDays(7)),
            (notice.Target.Id, notice.Status, notice.InStatusSince, notice.Age, notice.Cumulative, notice.Threshold));

        // A second check, or a restarted host (a new monitor), does not notify the same stay again.
        At(9);
        Assert.Equal(0, await Monitor().CheckOnceAsync());

        // A new stay in Active is a new notice; the cumulative time counts both stays.
        stuck = await MoveAsync(tracker, stuck, 10, "Hot");
        await MoveAsync(tracker, stuck, 11, "Active");
        At(19);
        Assert.Equal(1, await Monitor().CheckOnceAsync());
        Assert.Equal((Day(11), TimeSpan.FromDays(8), TimeSpan.FromDays(18)), (notifier.Notices[1].InStatusSince, notifier.Notices[1].Age, notifier.Notices[1].Cumulative));
    }

    [Fact]
    public async Task StagnationMonitor_OffersAStayAgain_WhenTheNotifierFails()
    {
        var (_, tracker, _) = await NewAsync();
        await CreateAsync(tracker, 0, "Stuck", "Hot");
        var notifier = new RecordingNotifier { FailNext = 1 };
        var options = new StagnationMonitorOptions();
        options.Thresholds["Hot"] = TimeSpan.FromDays(1);
        var monitor = new StagnationMonitor(tracker, notifier, options, Clock);
        At(3);
        Assert.Equal(0, await monitor.CheckOnceAsync());
        Assert.Equal(1, await monitor.CheckOnceAsync());
        Assert.Equal(0, await monitor.CheckOnceAsync());
        Assert.Single(notifier.Notices);
    }

    /// <summary>A host's notifier that records what it is told, failing the first <see cref="FailNext"/> calls.</summary>
    public sealed class RecordingNotifier : IStagnationNotifier
    {
        public List<StagnationNotice> Notices { get; } = [];

        public int FailNext { get; set; }

        public Task NotifyAsync(StagnationNotice notice, CancellationToken cancellationToken = default)
        {
            if (FailNext > 0)
            {
                FailNext--;
                throw new InvalidOperationException("The mail server is down.");
            }

            lock (Notices)
            {
                Notices.Add(notice);
            }

            return Task.CompletedTask;
        }
    }
}
