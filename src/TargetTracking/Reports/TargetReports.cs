namespace TargetTracking;

/// <summary>
/// Pipeline reports from the history: a target's stays and time in each status, counts as of any date, the pipeline
/// report of a period or of a cohort (transition matrix, funnel, time in status, open stays, win rate), and the
/// operations report. Stores compute them set-based over one snapshot (<see cref="IReportStore"/>); every metric is
/// defined in <c>docs/reports.md</c>. "Now" comes from the tracker's <see cref="TimeProvider"/>.
/// </summary>
public sealed class TargetReports
{
    /// <summary>The most operations an operations report lists unless told otherwise.</summary>
    public const int DefaultMaxLines = 1000;

    private static readonly TimeSpan Microsecond = TimeSpan.FromTicks(10);
    private readonly TargetTracker _tracker;
    private readonly IReadOnlyList<string?> _funnel;
    private readonly IReadOnlyList<string?> _won;
    private readonly IReadOnlyList<string?> _lost;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="tracker">The tracker whose store is read.</param>
    /// <param name="options">The funnel; <see langword="null"/> for the default. Won and lost come from the pipeline's metadata.</param>
    /// <exception cref="ArgumentException">A status in <paramref name="options"/> is not a pipeline status.</exception>
    public TargetReports(TargetTracker tracker, ReportOptions? options = null)
    {
        Guard.Against.Null(tracker);
        _tracker = tracker;
        options ??= new ReportOptions();
        var pipeline = tracker.Pipeline;
        string? Status(string s) => pipeline.NormalizeArgument(s, nameof(options), $"'{s}' is not a pipeline status.");
        _won = pipeline.Won;
        _lost = pipeline.Lost;
        _funnel = options.Funnel.Count > 0
            ? [.. options.Funnel.Select(Status).Distinct()]
            : [.. pipeline.Statuses.Where(s => !_lost.Contains(s))];
    }

    /// <summary>Gets the funnel's statuses in order (<see langword="null"/>: Not Set).</summary>
    public IReadOnlyList<string?> Funnel => _funnel;

    /// <summary>
    /// Gets a target's stays and, per status, when it entered and exited, the latest and the cumulative time in it
    /// (an open stay counts up to now). History outlives a deleted target, and so do its stays.
    /// </summary>
    /// <param name="id">The target.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The stays; empty when the target has no history.</returns>
    public async Task<TargetStays> GetStaysAsync(TargetId id, CancellationToken cancellationToken = default)
    {
        var store = Store();
        var now = _tracker.Writer.Now();
        var facts = await store.GetStaysAsync(id, now + Microsecond, cancellationToken).ConfigureAwait(false);
        var stays = facts.Select(s => new Stay(s.Status, s.EnteredAt, s.ExitedAt, (s.ExitedAt ?? now) - s.EnteredAt, s.NextStatus, s.EndedByDelete)).ToList();
        var byStatus = stays
            .GroupBy(s => s.Status, StringComparer.Ordinal)
            .Select(g => new StatusTime(
                g.Key,
                g.Count(),
                g.First().EnteredAt,
                g.Last().EnteredAt,
                g.Last().ExitedAt,
                g.Last().Duration,
                g.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.Duration)))
            .ToList();
        return new TargetStays(id, now, stays.AsReadOnly(), byStatus.AsReadOnly());
    }

    /// <summary>
    /// Counts the targets in each status as of an instant, replayed from the history: every entry at or before
    /// <paramref name="at"/> counts, targets deleted after it are counted in the status they had, targets deleted at
    /// or before it are not.
    /// </summary>
    /// <param name="at">The instant (cut to whole microseconds, as stored times are).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>One count per status, sorted in pipeline display order, Not Set last.</returns>
    public async Task<IReadOnlyList<StatusCount>> CountAsOfAsync(DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var store = Store();
        var counts = await store.CountAsOfAsync(Floor(at) + Microsecond, cancellationToken).ConfigureAwait(false);
        return Sorted(counts, c => c.Status);
    }

    /// <summary>
    /// The pipeline report of a period: counts just before it and at its end (or now), the moves, entries, exits and
    /// funnel of the events in it, the ages of the stays open at its end, and the win rate.
    /// </summary>
    /// <param name="period">The period; typically a quarter (<see cref="ReportPeriod.QuarterOf"/>).</param>
    /// <param name="cancellationToken">Cancels the computation.</param>
    /// <returns>The report.</returns>
    public Task<PipelineReport> GetPipelineReportAsync(ReportPeriod period, CancellationToken cancellationToken = default)
    {
        Check(period);
        var now = _tracker.Writer.Now();
        var asOf = Floor(period.To) <= now ? Floor(period.To) : now;
        return ComputeAsync(PipelineReportKind.Period, period, asOf, new PipelineFactsQuery
        {
            Cut = Floor(period.To) <= now ? Floor(period.To) : now + Microsecond,
            AgeAt = asOf,
            WindowStart = period.From,
            WindowEnd = period.To,
            Funnel = _funnel,
            Won = _won,
            Lost = _lost,
        }, cancellationToken);
    }

    /// <summary>
    /// The pipeline report of a cohort: the targets created in the period, with every event of theirs up to now (their
    /// counts now, moves, entries, exits, funnel, open stays and win rate).
    /// </summary>
    /// <param name="createdIn">The creation period.</param>
    /// <param name="cancellationToken">Cancels the computation.</param>
    /// <returns>The report.</returns>
    public Task<PipelineReport> GetCohortReportAsync(ReportPeriod createdIn, CancellationToken cancellationToken = default)
    {
        Check(createdIn);
        var now = _tracker.Writer.Now();
        return ComputeAsync(PipelineReportKind.Cohort, createdIn, now, new PipelineFactsQuery
        {
            Cut = now + Microsecond,
            AgeAt = now,
            CohortFrom = createdIn.From,
            CohortTo = createdIn.To,
            Funnel = _funnel,
            Won = _won,
            Lost = _lost,
        }, cancellationToken);
    }

    /// <summary>
    /// The operations report of a period: the tracked operations created in it (who, how many items affected and
    /// failed, duration, outcome), the same per actor, and per target how many operations touched it and when last.
    /// </summary>
    /// <param name="period">The period.</param>
    /// <param name="maxLines">How many operations and how many targets to list at most (all are counted).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The report.</returns>
    public async Task<OperationsReport> GetOperationsReportAsync(ReportPeriod period, int maxLines = DefaultMaxLines, CancellationToken cancellationToken = default)
    {
        Check(period);
        Guard.Against.OutOfRange(maxLines, nameof(maxLines), 0, 100_000);
        var store = Store();
        var lines = new List<OperationLine>();
        var actors = new Dictionary<(string?, string?), (long Count, long Affected, long Failed, TimeSpan Duration, Dictionary<OperationStatus, long> ByOutcome)>();
        long count = 0;
        var touches = await store.ScanOperationsAsync(new OperationsFactsQuery(period.From, period.To, maxLines), o =>
        {
            count++;
            if (lines.Count < maxLines)
            {
                lines.Add(new OperationLine(o.Id, o.ActorId, o.ActorName, o.Status, o.Total, o.Succeeded, o.Failed, o.CreatedAt, o.Duration));
            }

            var key = (o.ActorId, o.ActorName);
            var a = actors.TryGetValue(key, out var found) ? found : (0, 0, 0, TimeSpan.Zero, new Dictionary<OperationStatus, long>());
            a.ByOutcome[o.Status] = a.ByOutcome.GetValueOrDefault(o.Status) + 1;
            actors[key] = (a.Count + 1, a.Affected + o.Succeeded, a.Failed + o.Failed, a.Duration + (o.Duration ?? TimeSpan.Zero), a.ByOutcome);
        }, cancellationToken).ConfigureAwait(false);

        return new OperationsReport
        {
            Period = period,
            Operations = lines.AsReadOnly(),
            OperationCount = count,
            ByActor =
            [
                .. actors.OrderBy(a => a.Key.Item1, StringComparer.Ordinal).ThenBy(a => a.Key.Item2, StringComparer.Ordinal)
                    .Select(a => new ActorOperations(a.Key.Item1, a.Key.Item2, a.Value.Count, a.Value.Affected, a.Value.Failed, a.Value.Duration, a.Value.ByOutcome.AsReadOnly())),
            ],
            TargetsTouched = touches.TargetsTouched,
            Targets = touches.Targets,
        };
    }

    private async Task<PipelineReport> ComputeAsync(PipelineReportKind kind, ReportPeriod period, DateTimeOffset asOf, PipelineFactsQuery query, CancellationToken cancellationToken)
    {
        var facts = await Store().ComputePipelineAsync(query, cancellationToken).ConfigureAwait(false);
        var furthest = new long[_funnel.Count];
        var still = new long[_funnel.Count];
        var dropped = new long[_funnel.Count];
        foreach (var f in facts.Funnel)
        {
            furthest[f.Index] = f.Furthest;
            still[f.Index] = f.StillIn;
            dropped[f.Index] = f.DroppedOff;
        }

        // Reached(i) counts every target whose furthest step is i or later: a skipped step counts as passed through.
        var reached = new long[_funnel.Count + 1];
        for (var i = _funnel.Count - 1; i >= 0; i--)
        {
            reached[i] = reached[i + 1] + furthest[i];
        }

        var funnel = _funnel.Select((status, i) => new FunnelStep(
            status,
            reached[i],
            reached[i + 1],
            still[i],
            dropped[i],
            i < _funnel.Count - 1 && reached[i] > 0 ? (double)reached[i + 1] / reached[i] : null,
            reached[0] > 0 ? (double)reached[i] / reached[0] : null)).ToList();

        return new PipelineReport
        {
            Kind = kind,
            Period = period,
            AsOf = asOf,
            Counts = Sorted(facts.Counts, c => c.Status),
            CountsAtStart = Sorted(facts.CountsAtStart, c => c.Status),
            Transitions = [.. facts.Transitions.OrderBy(t => Rank(t.From)).ThenBy(t => t.From, StringComparer.Ordinal).ThenBy(t => Rank(t.To)).ThenBy(t => t.To, StringComparer.Ordinal)],
            Entered = Sorted(facts.Entered, c => c.Status),
            TimeInStatus = Sorted(facts.Closed.Select(Stats).ToList(), s => s.Status),
            OpenStays = Sorted(facts.Open.Select(Stats).ToList(), s => s.Status),
            Funnel = funnel.AsReadOnly(),
            Won = facts.Won,
            Lost = facts.Lost,
            Outcomes = Outcomes(facts.Outcomes),
        };
    }

    /// <summary>Win/loss by reason: one line per status and reason, its amounts per currency.</summary>
    private IReadOnlyList<OutcomeLine> Outcomes(IReadOnlyList<OutcomeFacts> facts) =>
    [
        .. facts.GroupBy(f => (f.Status, f.Reason))
            .Select(g => new OutcomeLine(
                _won.Contains(g.Key.Status) ? StatusOutcome.Won : StatusOutcome.Lost,
                g.Key.Status!,
                g.Key.Reason,
                g.Sum(f => f.Count),
                [.. g.Where(f => f.Currency is not null).OrderBy(f => f.Currency, StringComparer.Ordinal).Select(f => new Money(f.Amount, f.Currency!))]))
            .OrderBy(l => l.Outcome == StatusOutcome.Won ? 0 : 1)
            .ThenBy(l => Rank(l.Status))
            .ThenBy(l => l.Reason is null)
            .ThenBy(l => l.Reason, StringComparer.Ordinal),
    ];

    private static DurationStats Stats(DurationFacts f) => new(
        f.Status,
        f.Count,
        f.TotalMicroseconds,
        FromMicros(f.Count == 0 ? 0 : Math.Round(f.TotalMicroseconds / f.Count, MidpointRounding.AwayFromZero)),
        FromMicros(f.MedianMicroseconds),
        FromMicros(f.P90Microseconds),
        FromMicros(f.MaxMicroseconds));

    private static TimeSpan FromMicros(decimal micros) => TimeSpan.FromTicks((long)(micros * 10));

    private static DateTimeOffset Floor(DateTimeOffset at) => at.AddTicks(-(at.UtcTicks % 10));

    private static void Check(ReportPeriod period)
    {
        Guard.Against.Null(period);
        Guard.Against.InvalidInput(period, nameof(period), p => p.To > p.From, "A report period must end after it starts.");
    }

    /// <summary>Pipeline display order, statuses the pipeline does not have after them, Not Set last.</summary>
    private int Rank(string? status)
    {
        if (status is null)
        {
            return int.MaxValue;
        }

        for (var i = 0; i < _tracker.Pipeline.Statuses.Count; i++)
        {
            if (string.Equals(_tracker.Pipeline.Statuses[i], status, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return int.MaxValue - 1;
    }

    private IReadOnlyList<T> Sorted<T>(IEnumerable<T> items, Func<T, string?> status) =>
        [.. items.OrderBy(i => Rank(status(i))).ThenBy(status, StringComparer.Ordinal)];

    private IReportStore Store() => _tracker.Port<IReportStore>();
}
