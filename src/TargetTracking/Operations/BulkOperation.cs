using System.Collections.Frozen;

namespace TargetTracking;

/// <summary>Where a tracked operation is in its life.</summary>
public enum OperationStatus
{
    /// <summary>Started, no batch processed yet.</summary>
    Pending = 0,

    /// <summary>Batches are being processed (or the process running it died: see <see cref="OperationOptions.InterruptedAfter"/>).</summary>
    Processing = 1,

    /// <summary>Every item was processed.</summary>
    Completed = 2,

    /// <summary>A batch kept failing with transient errors; run it again to resume.</summary>
    Failed = 3,

    /// <summary>Cancelled; batches committed before the cancel stay applied.</summary>
    Cancelled = 4,
}

/// <summary>
/// A tracked bulk operation as stored: moves a selection of targets to a status batch by batch, each batch
/// committing its changes, their history and this progress in one transaction.
/// </summary>
public sealed record BulkOperation
{
    /// <summary>Gets the id the caller chose; starting the same id again returns this operation.</summary>
    public required string Id { get; init; }

    /// <summary>Gets where the operation is.</summary>
    public required OperationStatus Status { get; init; }

    /// <summary>Gets the status every selected target moves to (<see langword="null"/>: Not Set).</summary>
    public string? TargetStatus { get; init; }

    /// <summary>Gets why the targets were lost, when <see cref="TargetStatus"/> is closed-lost (<see cref="StartOperationRequest.Reason"/>).</summary>
    public LostReason? Reason { get; init; }

    /// <summary>
    /// Gets when the moves took effect (<see cref="StartOperationRequest.EffectiveAt"/>), or <see langword="null"/> when each takes effect
    /// as it is written.
    /// </summary>
    public DateTimeOffset? EffectiveAt { get; init; }

    /// <summary>Gets a readable description of the selection.</summary>
    public required string Selection { get; init; }

    /// <summary>Gets how many targets were selected when the operation started.</summary>
    public required long Total { get; init; }

    /// <summary>Gets how many targets have been processed (succeeded plus failed).</summary>
    public long Processed { get; init; }

    /// <summary>Gets how many targets were moved or were already in the status.</summary>
    public long Succeeded { get; init; }

    /// <summary>Gets how many targets failed; their reasons are in the operation's failures.</summary>
    public long Failed { get; init; }

    /// <summary>Gets the batch size, 1 to <see cref="OperationOptions.MaxBatchSize"/>.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Gets how many batches have been committed.</summary>
    public long CurrentBatch { get; init; }

    /// <summary>Gets the last processed target (items run in id order); <see langword="null"/> before the first batch.</summary>
    public TargetId? Cursor { get; init; }

    /// <summary>Gets when the operation was started.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the first batch began.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Gets when the operation last changed (a heartbeat: each batch updates it).</summary>
    public required DateTimeOffset LastUpdatedAt { get; init; }

    /// <summary>Gets when the operation completed, failed or was cancelled.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Gets the last error, for <see cref="OperationStatus.Failed"/>.</summary>
    public string? Error { get; init; }

    /// <summary>Gets how many batch attempts failed with a transient error, over the operation's life.</summary>
    public int RetryCount { get; init; }

    /// <summary>Gets how many times a failing batch is retried before the operation is <see cref="OperationStatus.Failed"/>.</summary>
    public required int MaxRetries { get; init; }

    /// <summary>Gets a value indicating whether a cancel was asked for; the runner stops after the current batch.</summary>
    public bool CancelRequested { get; init; }

    /// <summary>Gets the id of the actor who started it.</summary>
    public string? ActorId { get; init; }

    /// <summary>Gets the name of the actor who started it.</summary>
    public string? ActorName { get; init; }

    /// <summary>Gets the client address of the start request.</summary>
    public string? ClientAddress { get; init; }

    /// <summary>Gets the user agent of the start request.</summary>
    public string? UserAgent { get; init; }

    /// <summary>Gets how long the operation has run: from its first batch to its end, or to its last update while running.</summary>
    public TimeSpan? Duration => StartedAt is { } started ? (CompletedAt ?? LastUpdatedAt) - started : null;

    /// <summary>Gets the share of processed targets, 0 to 100.</summary>
    public double Percent => Total == 0 ? (Status == OperationStatus.Completed ? 100 : 0) : Math.Round(100.0 * Processed / Total, 2);

    /// <summary>Gets a value indicating whether the operation has ended (completed, failed or cancelled).</summary>
    public bool IsFinished => Status is OperationStatus.Completed or OperationStatus.Failed or OperationStatus.Cancelled;
}

/// <summary>Which targets an operation moves: a list of ids, or a filter evaluated when the operation starts.</summary>
public sealed record OperationSelection
{
    private OperationSelection()
    {
    }

    /// <summary>Gets the ids, when the selection is a list.</summary>
    public IReadOnlyCollection<TargetId>? Ids { get; private init; }

    /// <summary>Gets the filter (status, market, name text; sort and paging are ignored), when the selection is a query.</summary>
    public TargetQuery? Filter { get; private init; }

    /// <summary>Selects the given targets (duplicates count once; missing ones fail with <see cref="NotFoundError"/>).</summary>
    /// <param name="ids">The targets.</param>
    /// <returns>The selection.</returns>
    public static OperationSelection ForIds(IEnumerable<TargetId> ids)
    {
        Guard.Against.Null(ids);
        return new OperationSelection { Ids = ids.ToFrozenSet() };
    }

    /// <summary>Selects every target that matches the filter when the operation starts.</summary>
    /// <param name="filter">The filter, e.g. <c>new TargetQuery { Statuses = ["Active"], Market = "EU" }</c>.</param>
    /// <returns>The selection.</returns>
    public static OperationSelection Where(TargetQuery filter)
    {
        Guard.Against.Null(filter);
        return new OperationSelection { Filter = filter };
    }

    /// <inheritdoc />
    public override string ToString() => Ids is { } ids
        ? $"{ids.Count} ids"
        : $"statuses={(Filter!.Statuses is { } s ? string.Join("|", s.Select(StatusStateMachine.Display)) : "any")}; market={Filter.Market ?? "any"}; name contains={Filter.NameContains ?? "any"}";
}

/// <summary>What to start.</summary>
/// <param name="OperationId">The caller's id for the operation (at most 100 characters); starting it again returns the same operation.</param>
/// <param name="Status">The status every selected target moves to, matched ignoring case; Not Set is <see langword="null"/>, <see cref="PipelineOptions.NotSet"/> or "Not Set".</param>
/// <param name="Selection">The targets.</param>
public sealed record StartOperationRequest(string OperationId, string? Status, OperationSelection Selection)
{
    /// <summary>Gets the batch size, 1 to 1000; <see langword="null"/> for <see cref="OperationOptions.DefaultBatchSize"/>.</summary>
    public int? BatchSize { get; init; }

    /// <summary>Gets how many times a failing batch is retried.</summary>
    /// <value>The default value is 3.</value>
    public int MaxRetries { get; init; } = 3;

    /// <summary>
    /// Gets why the targets were lost: a move into a closed-lost status needs a reason from <see cref="PipelineOptions.LostReasons"/>
    /// when any is configured (the start is refused with <see cref="LostReasonError"/> otherwise), and no other move takes one.
    /// Every entry the operation writes records it.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public LostReason? Reason { get; init; }

    /// <summary>
    /// Gets when the moves took effect, if before the operation (docs/pipeline.md, "When it really happened"): not after the start; a
    /// target whose previous effective change is later fails with <see cref="EffectiveTimeOutOfRangeError"/> (code
    /// <c>effective_time_out_of_range</c>), the others move.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: each move takes effect when it is written.</value>
    public DateTimeOffset? EffectiveAt { get; init; }

    /// <summary>
    /// Builds the request that moves every target stored in a status the pipeline no longer has (say, after it was removed
    /// from <see cref="PipelineOptions.Statuses"/>) to a configured status, batch by batch, with a
    /// <see cref="HistoryAction.StatusChanged"/> entry for each, like any move. Tracked operations may move a target out of
    /// an unconfigured status to any configured status; single changes get <see cref="StatusNotConfiguredError"/> instead.
    /// </summary>
    /// <param name="operationId">The caller's id for the operation.</param>
    /// <param name="unconfiguredStatus">The stored status the pipeline no longer has (matched ignoring case).</param>
    /// <param name="status">The configured status to move the targets to; any spelling of Not Set (<see cref="PipelineOptions.IsNotSet"/>).</param>
    /// <returns>The request; start it with <see cref="TargetOperations.StartAsync"/>.</returns>
    public static StartOperationRequest MoveOutOfUnconfiguredStatus(string operationId, string unconfiguredStatus, string? status)
    {
        Guard.Against.NullOrWhiteSpace(unconfiguredStatus);
        return new StartOperationRequest(operationId, status, OperationSelection.Where(new TargetQuery { Statuses = [unconfiguredStatus] }));
    }
}

/// <summary>Why one target of an operation was not moved.</summary>
/// <param name="OperationId">The operation.</param>
/// <param name="TargetId">The target.</param>
/// <param name="Code">The <see cref="TargetError.Code"/>.</param>
/// <param name="Message">The <see cref="TargetError.Message"/>.</param>
/// <param name="OccurredAt">When the batch ran.</param>
public sealed record OperationItemFailure(string OperationId, TargetId TargetId, string Code, string Message, DateTimeOffset OccurredAt);

/// <summary>Progress reported after each batch.</summary>
/// <param name="OperationId">The operation.</param>
/// <param name="Status">Where it is.</param>
/// <param name="Total">Selected targets.</param>
/// <param name="Processed">Processed targets.</param>
/// <param name="Succeeded">Moved targets.</param>
/// <param name="Failed">Failed targets.</param>
/// <param name="Percent">Processed share, 0 to 100.</param>
public sealed record OperationProgress(string OperationId, OperationStatus Status, long Total, long Processed, long Succeeded, long Failed, double Percent)
{
    internal static OperationProgress Of(BulkOperation o) => new(o.Id, o.Status, o.Total, o.Processed, o.Succeeded, o.Failed, o.Percent);
}

/// <summary>The audit summary of an operation, for reports.</summary>
/// <param name="OperationId">The operation.</param>
/// <param name="Outcome">How it ended (or where it is).</param>
/// <param name="Affected">Targets moved or already in the status.</param>
/// <param name="Failed">Targets that failed.</param>
/// <param name="Total">Targets selected.</param>
/// <param name="Duration">How long it ran.</param>
/// <param name="ActorId">Who started it.</param>
/// <param name="ActorName">Who started it, by name.</param>
public sealed record OperationSummary(string OperationId, OperationStatus Outcome, long Affected, long Failed, long Total, TimeSpan? Duration, string? ActorId, string? ActorName);

/// <summary>How tracked operations touched one target, from its history.</summary>
/// <param name="TargetId">The target.</param>
/// <param name="OperationCount">How many distinct operations changed it.</param>
/// <param name="LastOperationAt">When an operation last changed it.</param>
public sealed record TargetOperationStats(TargetId TargetId, int OperationCount, DateTimeOffset? LastOperationAt);

/// <summary>The operation does not exist (it never did, or retention removed it).</summary>
/// <param name="OperationId">The id asked for.</param>
public sealed record OperationNotFoundError(string OperationId) : TargetError
{
    /// <inheritdoc />
    public override string Code => "operation_not_found";

    /// <inheritdoc />
    public override string Message => $"Operation '{OperationId}' was not found.";
}
