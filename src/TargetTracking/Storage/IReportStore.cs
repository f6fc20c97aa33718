namespace TargetTracking.Storage;

/// <summary>
/// The storage port of the pipeline reports: a store that implements it computes stays, counts as of a date, pipeline
/// and cohort facts and operation facts itself, set-based, over one consistent snapshot, without loading the history
/// into the process. The in-memory store answers by brute force (the model); the relational stores answer with window
/// functions in the database. <see cref="TargetReports"/> turns the facts into reports. Every rule is in
/// <c>docs/reports.md</c>; in short, a target's stays come from the entries that create it, change or set its status
/// (<see cref="HistoryAction.Created"/>, <see cref="HistoryAction.StatusChanged"/>, <see cref="HistoryAction.Repaired"/>)
/// and delete it (<see cref="HistoryAction.Deleted"/>), in version order; every other action is ignored.
/// </summary>
public interface IReportStore
{
    /// <summary>Computes one target's stays from the entries that occurred strictly before <paramref name="cut"/>, oldest first.</summary>
    /// <param name="id">The target; a deleted target keeps its stays while its history is kept.</param>
    /// <param name="cut">Entries at or after it are not read.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The stays, in the order they began.</returns>
    Task<IReadOnlyList<StayFacts>> GetStaysAsync(TargetId id, DateTimeOffset cut, CancellationToken cancellationToken = default);

    /// <summary>
    /// Counts the targets in each status as the history stood just before <paramref name="cut"/>: the status of each
    /// target's stay open then, targets deleted later included, targets deleted earlier left out.
    /// </summary>
    /// <param name="cut">Entries at or after it are not read.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>One count per status (as stored; <see langword="null"/> is Not Set), in no particular order.</returns>
    Task<IReadOnlyList<StatusCount>> CountAsOfAsync(DateTimeOffset cut, CancellationToken cancellationToken = default);

    /// <summary>Computes the facts of a pipeline report (a period, or a cohort of targets created in a period).</summary>
    /// <param name="query">What to compute.</param>
    /// <param name="cancellationToken">Cancels the computation.</param>
    /// <returns>The facts.</returns>
    Task<PipelineFacts> ComputePipelineAsync(PipelineFactsQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams the tracked operations created in a period (oldest first) and computes how operations touched targets
    /// in it (from the history's operation ids).
    /// </summary>
    /// <param name="query">The period and how many targets to list.</param>
    /// <param name="operation">Receives each operation while the store reads; it must be quick and must not call the store.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>How many targets operations touched in the period, and the most recently touched.</returns>
    Task<OperationTouchFacts> ScanOperationsAsync(OperationsFactsQuery query, Action<BulkOperation> operation, CancellationToken cancellationToken = default);
}

/// <summary>One stay of a target in one status, as the store computes it.</summary>
/// <param name="Status">The status as stored (<see langword="null"/>: Not Set).</param>
/// <param name="EnteredAt">When the entry that began the stay occurred.</param>
/// <param name="ExitedAt">When the next status change or the delete occurred; <see langword="null"/> while the stay is open.</param>
/// <param name="NextStatus">The status the target moved to, when the stay ended by a move.</param>
/// <param name="EndedByDelete">Whether the stay ended because the target was deleted.</param>
/// <param name="Version">The version of the entry that began the stay.</param>
public sealed record StayFacts(string? Status, DateTimeOffset EnteredAt, DateTimeOffset? ExitedAt, string? NextStatus, bool EndedByDelete, long Version);

/// <summary>What a store computes for a pipeline report; <see cref="TargetReports"/> builds the queries.</summary>
public sealed record PipelineFactsQuery
{
    /// <summary>Gets the bound on entries: only entries that occurred strictly before it are read.</summary>
    public required DateTimeOffset Cut { get; init; }

    /// <summary>Gets the instant open stays' ages are measured at.</summary>
    public required DateTimeOffset AgeAt { get; init; }

    /// <summary>Gets the start of the window events are counted in (inclusive), or <see langword="null"/> for no start.</summary>
    public DateTimeOffset? WindowStart { get; init; }

    /// <summary>Gets the end of the window events are counted in (exclusive), or <see langword="null"/> for no end.</summary>
    public DateTimeOffset? WindowEnd { get; init; }

    /// <summary>Gets the start (inclusive) of the creation period of the cohort, or <see langword="null"/> for every target.</summary>
    public DateTimeOffset? CohortFrom { get; init; }

    /// <summary>Gets the end (exclusive) of the creation period of the cohort; set together with <see cref="CohortFrom"/>.</summary>
    public DateTimeOffset? CohortTo { get; init; }

    /// <summary>Gets the funnel's statuses, in order (<see langword="null"/>: Not Set).</summary>
    public required IReadOnlyList<string?> Funnel { get; init; }

    /// <summary>Gets the statuses that count as won.</summary>
    public required IReadOnlyCollection<string?> Won { get; init; }

    /// <summary>Gets the statuses that count as lost.</summary>
    public required IReadOnlyCollection<string?> Lost { get; init; }
}

/// <summary>The facts of a pipeline report, as a store computes them; lists are in no particular order.</summary>
public sealed record PipelineFacts
{
    /// <summary>Gets the targets per status just before <see cref="PipelineFactsQuery.Cut"/> (the stays open then).</summary>
    public required IReadOnlyList<StatusCount> Counts { get; init; }

    /// <summary>Gets the targets per status just before the window's start; empty without a start.</summary>
    public required IReadOnlyList<StatusCount> CountsAtStart { get; init; }

    /// <summary>Gets the moves from one status to another that occurred in the window.</summary>
    public required IReadOnlyList<TransitionCount> Transitions { get; init; }

    /// <summary>Gets the stays that began in the window, per status.</summary>
    public required IReadOnlyList<StatusCount> Entered { get; init; }

    /// <summary>Gets the durations of the stays that ended in the window, per status, in whole microseconds.</summary>
    public required IReadOnlyList<DurationFacts> Closed { get; init; }

    /// <summary>Gets the ages at <see cref="PipelineFactsQuery.AgeAt"/> of the stays open before the cut, per status.</summary>
    public required IReadOnlyList<DurationFacts> Open { get; init; }

    /// <summary>Gets the funnel, one element per funnel status.</summary>
    public required IReadOnlyList<FunnelFacts> Funnel { get; init; }

    /// <summary>Gets how many targets' last outcome in the window is a won status.</summary>
    public required long Won { get; init; }

    /// <summary>Gets how many targets' last outcome in the window is a lost status.</summary>
    public required long Lost { get; init; }

    /// <summary>
    /// Gets the targets counted in <see cref="Won"/> and <see cref="Lost"/> again, per status of that last outcome, reason of the
    /// entry that began it and currency of the target's amount then (its last Created or Updated entry before that one), with the
    /// sum of those amounts. A store that leaves it empty reports no outcomes by reason.
    /// </summary>
    public IReadOnlyList<OutcomeFacts> Outcomes { get; init; } = [];
}

/// <summary>Targets whose last won or lost stay in a report's window began in one status with one reason, and one currency.</summary>
/// <param name="Status">The won or lost status, as stored (<see langword="null"/>: Not Set, which only a store's own query may count as lost).</param>
/// <param name="Reason">The reason code of the entry that began the stay (<see cref="HistoryEntry.Reason"/>); <see langword="null"/>: none.</param>
/// <param name="Currency">The currency of the targets' amounts then; <see langword="null"/> for targets without an amount.</param>
/// <param name="Count">How many targets.</param>
/// <param name="Amount">The sum of their amounts (0 without a currency).</param>
public sealed record OutcomeFacts(string? Status, string? Reason, string? Currency, long Count, decimal Amount);

/// <summary>Durations of stays in one status, in whole microseconds, as a store computes them.</summary>
/// <param name="Status">The status (<see langword="null"/>: Not Set).</param>
/// <param name="Count">How many stays.</param>
/// <param name="TotalMicroseconds">The sum.</param>
/// <param name="MedianMicroseconds">The median: the smallest duration d such that at least half the durations are at most d.</param>
/// <param name="P90Microseconds">The 90th percentile: the smallest d such that at least 90% of the durations are at most d.</param>
/// <param name="MaxMicroseconds">The longest.</param>
public sealed record DurationFacts(string? Status, long Count, decimal TotalMicroseconds, long MedianMicroseconds, long P90Microseconds, long MaxMicroseconds);

/// <summary>One step of the funnel, as a store computes it.</summary>
/// <param name="Index">The step's position in the funnel, from 0.</param>
/// <param name="Furthest">Targets whose furthest step in the window is this one.</param>
/// <param name="StillIn">Of those, the targets whose open stay before the cut is in this step's status.</param>
/// <param name="DroppedOff">Of those, the others (deleted, moved back, or in a status outside the funnel).</param>
public sealed record FunnelFacts(int Index, long Furthest, long StillIn, long DroppedOff);

/// <summary>What the operations report reads.</summary>
/// <param name="From">The start of the period (inclusive).</param>
/// <param name="To">The end of the period (exclusive).</param>
/// <param name="MaxTargets">How many touched targets to list, most recently touched first.</param>
public sealed record OperationsFactsQuery(DateTimeOffset From, DateTimeOffset To, int MaxTargets);

/// <summary>How tracked operations touched targets in a period.</summary>
/// <param name="TargetsTouched">How many targets have at least one history entry of an operation in the period.</param>
/// <param name="Targets">The most recently touched targets, newest first, then by id.</param>
public sealed record OperationTouchFacts(long TargetsTouched, IReadOnlyList<TargetOperationTouch> Targets);
