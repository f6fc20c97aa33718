namespace TargetTracking;

/// <summary>
/// The reports by brute force: the model the stores' set-based queries are tested against (the in-memory store
/// answers with it). The rules, stated once here and in <c>docs/reports.md</c>:
/// <list type="bullet">
/// <item>a target's relevant entries are its Created, StatusChanged, Repaired and Deleted entries that occurred before the
/// cut, in version order (then id); any other action (Updated, and actions added later) is ignored;</item>
/// <item>a relevant entry is a boundary when it is a deletion, the first, the first after a deletion, or sets another
/// status than the entry before (ordinal, Not Set equal to Not Set);</item>
/// <item>each boundary that is not a deletion begins a stay in its new status; the stay ends at the next boundary
/// (a move, or the deletion), or is open.</item>
/// </list>
/// </summary>
internal static class ReportModel
{
    public static bool Relevant(HistoryAction action) =>
        action is HistoryAction.Created or HistoryAction.StatusChanged or HistoryAction.Repaired or HistoryAction.Deleted;

    public static List<StayFacts> Stays(IEnumerable<HistoryEntry> history, DateTimeOffset cut)
    {
        var relevant = history.Where(e => Relevant(e.Action) && e.OccurredAt < cut).OrderBy(e => e.Version).ThenBy(e => e.Id).ToList();
        var bounds = new List<HistoryEntry>();
        for (var i = 0; i < relevant.Count; i++)
        {
            var e = relevant[i];
            var p = i > 0 ? relevant[i - 1] : null;
            if (e.Action == HistoryAction.Deleted || p is null || p.Action == HistoryAction.Deleted || !string.Equals(e.NewStatus, p.NewStatus, StringComparison.Ordinal))
            {
                bounds.Add(e);
            }
        }

        var stays = new List<StayFacts>();
        for (var i = 0; i < bounds.Count; i++)
        {
            var b = bounds[i];
            if (b.Action == HistoryAction.Deleted)
            {
                continue;
            }

            var next = i + 1 < bounds.Count ? bounds[i + 1] : null;
            var deleted = next?.Action == HistoryAction.Deleted;
            stays.Add(new StayFacts(b.NewStatus, b.OccurredAt, next?.OccurredAt, next is null || deleted ? null : next.NewStatus, deleted, b.Version));
        }

        return stays;
    }

    public static IReadOnlyList<StatusCount> CountAsOf(IEnumerable<IReadOnlyList<HistoryEntry>> histories, DateTimeOffset cut) =>
        Count(histories.SelectMany(h => Stays(h, cut)).Where(s => s.ExitedAt is null).Select(s => s.Status));

    public static PipelineFacts Pipeline(IEnumerable<IReadOnlyList<HistoryEntry>> histories, PipelineFactsQuery query)
    {
        var start = query.WindowStart ?? DateTimeOffset.MinValue;
        var end = query.WindowEnd ?? DateTimeOffset.MaxValue;
        bool InWindow(DateTimeOffset at) => at >= start && at < end;
        int? Step(string? status)
        {
            for (var i = 0; i < query.Funnel.Count; i++)
            {
                if (string.Equals(query.Funnel[i], status, StringComparison.Ordinal))
                {
                    return i;
                }
            }

            return null;
        }

        bool In(IReadOnlyCollection<string?> set, string? status) => set.Any(s => string.Equals(s, status, StringComparison.Ordinal));

        var all = new List<StayFacts>();
        var furthest = new long[query.Funnel.Count];
        var still = new long[query.Funnel.Count];
        var dropped = new long[query.Funnel.Count];
        long won = 0, lost = 0;
        var outcomes = new Dictionary<(string? Status, string? Reason, string? Currency), (long Count, decimal Amount)>();
        foreach (var history in histories)
        {
            if (query.CohortFrom is { } from)
            {
                var created = history.Where(e => e.Action == HistoryAction.Created && e.OccurredAt < query.Cut).Select(e => (DateTimeOffset?)e.OccurredAt).Min();
                if (created is not { } c || c < from || c >= query.CohortTo!.Value)
                {
                    continue;
                }
            }

            var stays = Stays(history, query.Cut);
            all.AddRange(stays);
            var entered = stays.Where(s => InWindow(s.EnteredAt)).ToList();
            if (entered.Select(s => Step(s.Status)).Max() is { } max)
            {
                furthest[max]++;
                if (stays.Any(s => s.ExitedAt is null && Step(s.Status) == max))
                {
                    still[max]++;
                }
                else
                {
                    dropped[max]++;
                }
            }

            if (entered.Where(s => In(query.Won, s.Status) || In(query.Lost, s.Status)).OrderByDescending(s => s.Version).FirstOrDefault() is { } outcome)
            {
                if (In(query.Won, outcome.Status))
                {
                    won++;
                }
                else
                {
                    lost++;
                }

                // By the reason of the entry that began the stay, and the amount the target had then.
                var began = history.Where(e => e.Version == outcome.Version && e.Action != HistoryAction.Deleted).OrderBy(e => e.Id).First();
                var amount = history.Where(e => e.Action is HistoryAction.Created or HistoryAction.Updated && e.Version < outcome.Version).MaxBy(e => e.Version)?.NewAmount;
                var key = (outcome.Status, began.Reason, amount?.Currency);
                var sum = outcomes.GetValueOrDefault(key);
                outcomes[key] = (sum.Count + 1, sum.Amount + (amount?.Value ?? 0));
            }
        }

        return new PipelineFacts
        {
            Counts = Count(all.Where(s => s.ExitedAt is null).Select(s => s.Status)),
            CountsAtStart = query.WindowStart is { } ws ? Count(all.Where(s => s.EnteredAt < ws && (s.ExitedAt is null || s.ExitedAt >= ws)).Select(s => s.Status)) : [],
            Transitions =
            [
                .. all.Where(s => s.ExitedAt is { } x && !s.EndedByDelete && InWindow(x))
                    .GroupBy(s => (s.Status, s.NextStatus))
                    .Select(g => new TransitionCount(g.Key.Status, g.Key.NextStatus, g.LongCount())),
            ],
            Entered = Count(all.Where(s => InWindow(s.EnteredAt)).Select(s => s.Status)),
            Closed = Durations(all.Where(s => s.ExitedAt is { } x && InWindow(x)).Select(s => (s.Status, Micros(s.ExitedAt!.Value - s.EnteredAt)))),
            Open = Durations(all.Where(s => s.ExitedAt is null).Select(s => (s.Status, Micros(query.AgeAt - s.EnteredAt)))),
            Funnel = [.. Enumerable.Range(0, query.Funnel.Count).Where(i => furthest[i] > 0).Select(i => new FunnelFacts(i, furthest[i], still[i], dropped[i]))],
            Won = won,
            Lost = lost,
            Outcomes = [.. outcomes.Select(o => new OutcomeFacts(o.Key.Status, o.Key.Reason, o.Key.Currency, o.Value.Count, o.Value.Amount))],
        };
    }

    public static OperationTouchFacts Touches(IEnumerable<HistoryEntry> entries, OperationsFactsQuery query)
    {
        var touched = entries
            .Where(e => e.OperationId is not null && e.OccurredAt >= query.From && e.OccurredAt < query.To)
            .GroupBy(e => e.TargetId)
            .Select(g => new TargetOperationTouch(g.Key, g.Select(e => e.OperationId).Distinct(StringComparer.Ordinal).LongCount(), g.LongCount(), g.Max(e => e.OccurredAt)))
            .ToList();
        return new OperationTouchFacts(touched.Count, [.. touched.OrderByDescending(t => t.LastAt).ThenBy(t => t.TargetId).Take(query.MaxTargets)]);
    }

    /// <summary>Whole microseconds: stored times are whole microseconds, so differences are exact.</summary>
    public static long Micros(TimeSpan span) => span.Ticks / 10;

    /// <summary>
    /// Count, sum, median, p90 and max per status. A percentile p is the smallest value d whose 1-based rank r in
    /// ascending order satisfies r × 100 ≥ n × p (percentile_disc).
    /// </summary>
    private static IReadOnlyList<DurationFacts> Durations(IEnumerable<(string? Status, long Micros)> values) =>
    [
        .. values.GroupBy(v => v.Status).Select(g =>
        {
            var sorted = g.Select(v => v.Micros).Order().ToArray();
            return new DurationFacts(g.Key, sorted.Length, sorted.Sum(v => (decimal)v), Percentile(sorted, 50), Percentile(sorted, 90), sorted[^1]);
        }),
    ];

    private static long Percentile(long[] sorted, int percent)
    {
        var n = (long)sorted.Length;
        for (long rank = 1; rank <= n; rank++)
        {
            if (rank * 100 >= n * percent)
            {
                return sorted[rank - 1];
            }
        }

        return sorted[^1];
    }

    private static IReadOnlyList<StatusCount> Count(IEnumerable<string?> statuses) =>
        [.. statuses.GroupBy(s => s, StringComparer.Ordinal).Select(g => new StatusCount(g.Key, g.LongCount()))];
}
