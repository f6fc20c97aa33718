namespace TargetTracking;

/// <summary>A period: from <see cref="From"/> (inclusive) to <see cref="To"/> (exclusive).</summary>
/// <param name="From">The start, inclusive.</param>
/// <param name="To">The end, exclusive; after <paramref name="From"/>.</param>
public sealed record ReportPeriod(DateTimeOffset From, DateTimeOffset To)
{
    /// <summary>Gets the calendar quarter (UTC) that contains an instant.</summary>
    /// <param name="at">The instant.</param>
    /// <returns>The quarter.</returns>
    public static ReportPeriod QuarterOf(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        var from = new DateTimeOffset(utc.Year, ((utc.Month - 1) / 3 * 3) + 1, 1, 0, 0, 0, TimeSpan.Zero);
        return new ReportPeriod(from, from.AddMonths(3));
    }
}

/// <summary>Which targets and events a pipeline report covers.</summary>
public enum PipelineReportKind
{
    /// <summary>Every target; events (entries, moves, exits) that occurred in the period.</summary>
    Period = 0,

    /// <summary>The targets created in the period; all their events up to now.</summary>
    Cohort = 1,
}

/// <summary>
/// How reports read the pipeline: the funnel's order. The won and lost statuses come from the pipeline's metadata
/// (<see cref="PipelineOptions.Metadata"/>, <see cref="StatusOutcome"/>).
/// </summary>
public sealed class ReportOptions
{
    /// <summary>
    /// Gets the funnel's statuses in order, matched ignoring case against the pipeline; Not Set as
    /// <see cref="PipelineOptions.NotSet"/>. Empty means the pipeline's statuses in display order without the closed-lost statuses.
    /// </summary>
    /// <value>The default value is empty: Cold, Active, Hot, Closed for the default pipeline.</value>
    public IList<string> Funnel { get; } = [];
}

/// <summary>One stay of a target in one status.</summary>
/// <param name="Status">The status as stored (<see langword="null"/>: Not Set).</param>
/// <param name="EnteredAt">When the stay began.</param>
/// <param name="ExitedAt">When it ended (a move or the delete); <see langword="null"/> while open.</param>
/// <param name="Duration">How long it lasted; for an open stay, its age now.</param>
/// <param name="NextStatus">The status the target moved to, when it ended by a move.</param>
/// <param name="EndedByDelete">Whether it ended because the target was deleted.</param>
public sealed record Stay(string? Status, DateTimeOffset EnteredAt, DateTimeOffset? ExitedAt, TimeSpan Duration, string? NextStatus, bool EndedByDelete)
{
    /// <summary>Gets a value indicating whether the stay is still open.</summary>
    public bool IsOpen => ExitedAt is null;
}

/// <summary>A target's time in one status over all its stays there.</summary>
/// <param name="Status">The status (<see langword="null"/>: Not Set).</param>
/// <param name="Stays">How many stays.</param>
/// <param name="FirstEnteredAt">When the first stay began.</param>
/// <param name="LastEnteredAt">When the latest stay began.</param>
/// <param name="LastExitedAt">When the latest stay ended; <see langword="null"/> while it is open.</param>
/// <param name="Latest">How long the latest stay lasted (its age, when open).</param>
/// <param name="Cumulative">The sum over all stays (open stays counted up to now).</param>
public sealed record StatusTime(string? Status, int Stays, DateTimeOffset FirstEnteredAt, DateTimeOffset LastEnteredAt, DateTimeOffset? LastExitedAt, TimeSpan Latest, TimeSpan Cumulative);

/// <summary>A target's stays and its time in each status, from its history.</summary>
/// <param name="TargetId">The target.</param>
/// <param name="AsOf">The instant open stays are measured to.</param>
/// <param name="Stays">The stays, oldest first.</param>
/// <param name="ByStatus">The time in each status, in the order the statuses were first entered.</param>
public sealed record TargetStays(TargetId TargetId, DateTimeOffset AsOf, IReadOnlyList<Stay> Stays, IReadOnlyList<StatusTime> ByStatus);

/// <summary>Durations of stays in one status.</summary>
/// <param name="Status">The status (<see langword="null"/>: Not Set).</param>
/// <param name="Count">How many stays.</param>
/// <param name="TotalMicroseconds">The sum, in microseconds (a sum over many stays can exceed <see cref="TimeSpan.MaxValue"/>).</param>
/// <param name="Mean">The sum divided by the count, rounded to the nearest microsecond (halves away from zero).</param>
/// <param name="Median">percentile_disc(0.5): the smallest duration d such that at least half the stays lasted at most d.</param>
/// <param name="P90">percentile_disc(0.9): the smallest d such that at least 90% of the stays lasted at most d.</param>
/// <param name="Max">The longest.</param>
public sealed record DurationStats(string? Status, long Count, decimal TotalMicroseconds, TimeSpan Mean, TimeSpan Median, TimeSpan P90, TimeSpan Max);

/// <summary>One step of the funnel (the rules are in <c>docs/reports.md</c>).</summary>
/// <param name="Status">The step's status (<see langword="null"/>: Not Set).</param>
/// <param name="Reached">Targets whose furthest step is this one or a later one.</param>
/// <param name="Converted">Targets that reached a later step (the next step's <paramref name="Reached"/>; 0 for the last step).</param>
/// <param name="StillIn">Targets whose furthest step is this one and whose open stay is in this status.</param>
/// <param name="DroppedOff">Targets whose furthest step is this one and that are no longer in it (moved back, out of the funnel, or deleted).</param>
/// <param name="NextStepConversion">Converted ÷ Reached; <see langword="null"/> when nothing reached the step or for the last step.</param>
/// <param name="CumulativeConversion">Reached ÷ the first step's Reached; <see langword="null"/> when nothing reached the first step.</param>
public sealed record FunnelStep(string? Status, long Reached, long Converted, long StillIn, long DroppedOff, double? NextStepConversion, double? CumulativeConversion);

/// <summary>A pipeline report for a period or a cohort. Every list is sorted by status in pipeline display order (unconfigured statuses after, Not Set last).</summary>
public sealed record PipelineReport
{
    /// <summary>Gets which targets and events the report covers.</summary>
    public required PipelineReportKind Kind { get; init; }

    /// <summary>Gets the period: of events (<see cref="PipelineReportKind.Period"/>) or of creation (<see cref="PipelineReportKind.Cohort"/>).</summary>
    public required ReportPeriod Period { get; init; }

    /// <summary>Gets the instant the report describes: the period's end or now, whichever is earlier (a cohort: now).</summary>
    public required DateTimeOffset AsOf { get; init; }

    /// <summary>Gets the targets per status at <see cref="AsOf"/> (deleted targets are not counted).</summary>
    public required IReadOnlyList<StatusCount> Counts { get; init; }

    /// <summary>Gets the targets per status just before the period began; empty for a cohort.</summary>
    public required IReadOnlyList<StatusCount> CountsAtStart { get; init; }

    /// <summary>Gets the moves from one status to another (a period: in it; a cohort: all of its targets' moves).</summary>
    public required IReadOnlyList<TransitionCount> Transitions { get; init; }

    /// <summary>Gets how many stays began, per status.</summary>
    public required IReadOnlyList<StatusCount> Entered { get; init; }

    /// <summary>Gets the time in status over stays that ended (a period: ended in it).</summary>
    public required IReadOnlyList<DurationStats> TimeInStatus { get; init; }

    /// <summary>Gets the ages at <see cref="AsOf"/> of the stays open then.</summary>
    public required IReadOnlyList<DurationStats> OpenStays { get; init; }

    /// <summary>Gets the funnel, one step per funnel status.</summary>
    public required IReadOnlyList<FunnelStep> Funnel { get; init; }

    /// <summary>Gets how many targets ended won: their last stay in a won or lost status (begun in the period) is won.</summary>
    public required long Won { get; init; }

    /// <summary>Gets how many targets ended lost.</summary>
    public required long Lost { get; init; }

    /// <summary>Gets Won ÷ (Won + Lost); <see langword="null"/> when both are 0.</summary>
    public double? WinRate => Won + Lost == 0 ? null : (double)Won / (Won + Lost);

    /// <summary>
    /// Gets win/loss by reason: the targets counted in <see cref="Won"/> and <see cref="Lost"/>, per won or lost status and reason
    /// (<see cref="HistoryEntry.Reason"/>), with the sum of their amounts at the time per currency. Won first, then lost; each in
    /// pipeline display order, then by reason (none last).
    /// </summary>
    public IReadOnlyList<OutcomeLine> Outcomes { get; init; } = [];
}

/// <summary>One tracked operation in the operations report.</summary>
/// <param name="OperationId">The operation.</param>
/// <param name="ActorId">Who started it.</param>
/// <param name="ActorName">Who started it, by name.</param>
/// <param name="Outcome">How it ended, or where it is.</param>
/// <param name="Total">Targets selected.</param>
/// <param name="Affected">Targets moved or already in the status.</param>
/// <param name="Failed">Targets that failed.</param>
/// <param name="CreatedAt">When it was started.</param>
/// <param name="Duration">How long it ran (<see cref="BulkOperation.Duration"/>).</param>
public sealed record OperationLine(string OperationId, string? ActorId, string? ActorName, OperationStatus Outcome, long Total, long Affected, long Failed, DateTimeOffset CreatedAt, TimeSpan? Duration);

/// <summary>The tracked operations one actor started in the period.</summary>
/// <param name="ActorId">The actor's id.</param>
/// <param name="ActorName">The actor's name.</param>
/// <param name="Operations">How many operations.</param>
/// <param name="Affected">Targets affected, summed.</param>
/// <param name="Failed">Item failures, summed.</param>
/// <param name="Duration">Durations, summed.</param>
/// <param name="ByOutcome">How many operations are in each status.</param>
public sealed record ActorOperations(string? ActorId, string? ActorName, long Operations, long Affected, long Failed, TimeSpan Duration, IReadOnlyDictionary<OperationStatus, long> ByOutcome);

/// <summary>The operations report of a period.</summary>
public sealed record OperationsReport
{
    /// <summary>Gets the period (operations by creation time; touches by entry time).</summary>
    public required ReportPeriod Period { get; init; }

    /// <summary>Gets the operations created in the period, oldest first, at most the number asked for.</summary>
    public required IReadOnlyList<OperationLine> Operations { get; init; }

    /// <summary>Gets how many operations were created in the period.</summary>
    public required long OperationCount { get; init; }

    /// <summary>Gets the operations per actor (id, then name), over every operation of the period.</summary>
    public required IReadOnlyList<ActorOperations> ByActor { get; init; }

    /// <summary>Gets how many targets operations touched in the period.</summary>
    public required long TargetsTouched { get; init; }

    /// <summary>Gets the most recently touched targets, newest first.</summary>
    public required IReadOnlyList<TargetOperationTouch> Targets { get; init; }
}

/// <summary>How many moves went from one status to another.</summary>
/// <param name="From">The status left (<see langword="null"/>: Not Set).</param>
/// <param name="To">The status entered (<see langword="null"/>: Not Set).</param>
/// <param name="Count">How many moves.</param>
public sealed record TransitionCount(string? From, string? To, long Count);

/// <summary>How tracked operations touched one target in a period.</summary>
/// <param name="TargetId">The target.</param>
/// <param name="Operations">How many distinct operations wrote history entries of it in the period.</param>
/// <param name="Entries">How many entries they wrote.</param>
/// <param name="LastAt">When the last of them occurred.</param>
public sealed record TargetOperationTouch(TargetId TargetId, long Operations, long Entries, DateTimeOffset LastAt);

/// <summary>One line of win/loss by reason (<see cref="PipelineReport.Outcomes"/>).</summary>
/// <param name="Outcome">Won or lost.</param>
/// <param name="Status">The won or lost status the targets' last outcome entered.</param>
/// <param name="Reason">The reason code given with the move (<see cref="PipelineOptions.LostReasons"/>); <see langword="null"/>: none.</param>
/// <param name="Count">How many targets, with or without an amount.</param>
/// <param name="Amounts">The sum of their amounts when they entered the status, one per currency (in code order); targets without an amount add nothing.</param>
public sealed record OutcomeLine(StatusOutcome Outcome, string Status, string? Reason, long Count, IReadOnlyList<Money> Amounts);
