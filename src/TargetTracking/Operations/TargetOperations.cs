using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TargetTracking;

/// <summary>
/// Tracked bulk operations: work too large for one transaction (move every target of a market, re-score a
/// pipeline) runs batch by batch. Each batch commits its status changes, their history entries (carrying the
/// operation id) and the operation's progress in one transaction, so a process killed at any point resumes
/// from the last committed batch and no target is changed twice. Thread-safe; several runners (processes)
/// may run the same operation at once, and each batch is still processed exactly once.
/// </summary>
public sealed partial class TargetOperations
{
    private static readonly OperationStatus[] Runnable = [OperationStatus.Pending, OperationStatus.Processing];
    private readonly TargetTracker _tracker;
    private readonly IOperationStore _operations;
    private readonly OperationOptions _options;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance. Hosts normally resolve it from DI.</summary>
    /// <param name="tracker">The tracker whose store, pipeline and clock the operations use.</param>
    /// <param name="logger">Logs failed batch attempts.</param>
    /// <exception cref="NotSupportedException">The store does not support tracked operations.</exception>
    public TargetOperations(TargetTracker tracker, ILogger<TargetOperations>? logger = null)
        : this(tracker, (ILogger?)logger ?? NullLogger.Instance)
    {
    }

    private TargetOperations(TargetTracker tracker, ILogger logger)
    {
        Guard.Against.Null(tracker);
        _tracker = tracker;
        _operations = tracker.Port<IOperationStore>();
        _options = tracker.Options.Operations;
        _logger = logger;
    }

    /// <summary>Returns the operations of one tenant (<see cref="TargetTracker.ForTenant"/>).</summary>
    /// <param name="tenant">The tenant.</param>
    /// <returns>The operations of that tenant; this instance is unchanged.</returns>
    public TargetOperations ForTenant(string tenant) => new(_tracker.ForTenant(tenant), _logger);

    /// <summary>
    /// Finds the runnable operations of every tenant, each with the operations of its own tenant to run it with (a runner
    /// handles one tenant's operation at a time); a store of one tenant answers <see cref="FindRunnableAsync"/>.
    /// </summary>
    internal async Task<IReadOnlyList<(TargetOperations Tenant, BulkOperation Operation)>> FindRunnableInEveryTenantAsync(int limit, CancellationToken cancellationToken)
    {
        if (_tracker.Store is not ITenantStore tenants)
        {
            return [.. (await FindRunnableAsync(limit, cancellationToken).ConfigureAwait(false)).Select(o => (this, o))];
        }

        var found = new List<(TargetOperations, BulkOperation)>();
        foreach (var tenant in await _tracker.Writer.ReadAsync(tenants.FindTenantsWithOpenOperationsAsync, cancellationToken).ConfigureAwait(false))
        {
            var scoped = ForTenant(tenant);
            found.AddRange((await scoped.FindRunnableAsync(limit, cancellationToken).ConfigureAwait(false)).Select(o => (scoped, o)));
        }

        return found;
    }

    /// <summary>
    /// Starts an operation: stores it as <see cref="OperationStatus.Pending"/> with its selection fixed. Starting an id that
    /// exists returns the existing operation and changes nothing. Run it with <see cref="RunAsync"/> or the hosted runner.
    /// </summary>
    /// <param name="request">What to start.</param>
    /// <param name="audit">Who starts it; copied into every history entry the operation writes.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The operation, or <see cref="InvalidInputError"/>, <see cref="UnknownStatusError"/> or <see cref="LostReasonError"/>.</returns>
    public async Task<Result<BulkOperation>> StartAsync(StartOperationRequest request, AuditContext? audit = null, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(request);
        Guard.Against.Null(request.Selection);
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(request.OperationId) || request.OperationId.Length > 100 || !TargetRules.IsStorable(request.OperationId))
        {
            errors.Add(new FieldError("operationId", "The operation id is required: 1 to 100 characters, no NUL and no unpaired surrogate."));
        }

        var batchSize = request.BatchSize ?? _options.DefaultBatchSize;
        if (batchSize is < 1 or > OperationOptions.MaxBatchSize)
        {
            errors.Add(new FieldError("batchSize", $"The batch size must be between 1 and {OperationOptions.MaxBatchSize}; it is {batchSize}."));
        }

        if (request.MaxRetries is < 0 or > 100)
        {
            errors.Add(new FieldError("maxRetries", $"Max retries must be between 0 and 100; it is {request.MaxRetries}."));
        }

        var now = _tracker.Writer.Now();
        if (request.EffectiveAt > now)
        {
            errors.Add(new FieldError("effectiveAt", $"The effective time {request.EffectiveAt:O} is in the future (now is {now:O})."));
        }

        if (errors.Count > 0)
        {
            return new InvalidInputError([.. errors]);
        }

        if (!_tracker.Pipeline.TryNormalize(request.Status, out var status))
        {
            return new UnknownStatusError(request.Status!, _tracker.Pipeline.Statuses);
        }

        if (_tracker.Pipeline.CheckReason(status, request.Reason, out var reason) is { } refused)
        {
            return refused;
        }

        var selection = request.Selection.Filter is { } filter
            ? OperationSelection.Where(await _tracker.NormalizeFilterAsync(filter, cancellationToken).ConfigureAwait(false))
            : request.Selection;
        var who = _tracker.ResolveAudit(audit).Sanitized();
        var operation = new BulkOperation
        {
            Id = request.OperationId,
            Status = OperationStatus.Pending,
            TargetStatus = status,
            Reason = reason,
            EffectiveAt = request.EffectiveAt is { } effective ? TargetWriter.Stored(effective) : null,
            Selection = request.Selection.ToString(),
            Total = 0,
            BatchSize = batchSize,
            MaxRetries = request.MaxRetries,
            CreatedAt = now,
            LastUpdatedAt = now,
            ActorId = who.ActorId,
            ActorName = who.ActorName,
            ClientAddress = who.ClientAddress,
            UserAgent = who.UserAgent,
        };

        return await _tracker.Writer.RunAsync(
            async (session, ct) =>
            {
                var writes = Operations(session);
                if (await writes.LockOperationAsync(operation.Id, ct).ConfigureAwait(false) is { } existing)
                {
                    return existing;
                }

                if (await writes.CreateOperationAsync(operation, selection, ct).ConfigureAwait(false) is not { } total)
                {
                    // Another starter inserted the same id in between; its operation is the one.
                    return (await writes.LockOperationAsync(operation.Id, ct).ConfigureAwait(false))!;
                }

                var created = operation with { Total = total };
                await writes.SaveOperationAsync(created, [], ct).ConfigureAwait(false);
                await session.CommitAsync(ct).ConfigureAwait(false);
                return created;
            },
            UnitOfWork.OfOperation(operation.Id),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs (or resumes) an operation until it completes, fails or is cancelled, one committed batch at a time.
    /// A transient failure retries the batch up to the operation's max retries; then the operation is
    /// <see cref="OperationStatus.Failed"/> and running it again resumes it. Cancelling the token stops between
    /// batches and leaves the operation resumable. What it returns or throws matches what is stored.
    /// </summary>
    /// <param name="operationId">The operation.</param>
    /// <param name="progress">Receives progress after each batch.</param>
    /// <param name="cancellationToken">Stops the run after the current batch.</param>
    /// <returns>The operation as the run left it (as stored), or <see cref="OperationNotFoundError"/>.</returns>
    /// <exception cref="TargetStoreUnavailableException">
    /// The store stayed unreachable, so the operation could not even be marked failed: its <see cref="TargetStoreUnavailableException.Operation"/>
    /// is the operation as this run last read or committed it, which is what is stored (unless
    /// <see cref="TargetStoreUnavailableException.CommitOutcomeUnknown"/>: a batch whose commit answer was lost may have gone through). Run it again to resume.
    /// </exception>
    public async Task<Result<BulkOperation>> RunAsync(string operationId, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(operationId);
        var operation = await _tracker.Writer.ReadAsync(ct => _operations.GetOperationAsync(operationId, ct), cancellationToken).ConfigureAwait(false);
        if (operation is null)
        {
            return new OperationNotFoundError(operationId);
        }

        if (operation.Status is OperationStatus.Completed or OperationStatus.Cancelled)
        {
            return operation;
        }

        // A failed operation resumes here: its next batch sets it processing again.
        if (operation.StartedAt is not null)
        {
            TargetTrackingTelemetry.OperationResumed(_tracker.MetricsTenant);
        }

        var failures = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var attempt = new BatchAttempt();
            try
            {
                var guarded = _tracker.Writer.HasGuards ? await GuardNextBatchAsync(operationId, cancellationToken).ConfigureAwait(false) : null;
                var next = await ProcessBatchAsync(operationId, attempt, guarded, cancellationToken).ConfigureAwait(false);
                if (next is null)
                {
                    return new OperationNotFoundError(operationId);
                }

                TargetTrackingTelemetry.OperationProgress(next.Succeeded - operation.Succeeded, next.Failed - operation.Failed, _tracker.MetricsTenant);
                if (next.IsFinished && next.CompletedAt is { } completed)
                {
                    TargetTrackingTelemetry.OperationFinished(next.Status, completed - next.CreatedAt, _tracker.MetricsTenant);
                }

                operation = next;
                failures = 0;
            }
            catch (Exception e) when (_tracker.Writer.IsRetryable(e))
            {
                // What the failed attempt read under its lock is what is stored (its transaction rolled back), unless its commit was sent.
                operation = attempt.Read ?? operation;
                failures++;
                LogBatchFailed(_logger, operationId, failures, operation.MaxRetries + 1, e);
                var spent = failures > operation.MaxRetries;
                var recorded = await TryRecordFailureAsync(operationId, spent ? e.Message : null, cancellationToken).ConfigureAwait(false);
                if (recorded is not null)
                {
                    operation = recorded;
                }
                else if (spent)
                {
                    // The store is down: the failure could not be recorded, so say so rather than return a state that is not stored.
                    throw new TargetStoreUnavailableException(
                        $"Operation {operationId}: batch {operation.CurrentBatch + 1} failed {failures} times with transient errors, and the store could not be reached to mark " +
                        $"the operation failed; it is stored as {operation.Status} after {operation.Processed} of {operation.Total} targets" +
                        $"{(attempt.CommitSent ? " (the last batch's commit answer was lost: it may have gone through)" : string.Empty)}. Run it again to resume. Last error: {e.Message}",
                        e,
                        failures,
                        operationId,
                        operationId,
                        [],
                        attempt.CommitSent,
                        operation);
                }

                if (spent)
                {
                    return operation;
                }

                await Task.Delay(_tracker.Options.RetryBaseDelay * Math.Pow(2, failures - 1), cancellationToken).ConfigureAwait(false);
                continue;
            }

            progress?.Report(OperationProgress.Of(operation));
            if (operation.IsFinished)
            {
                return operation;
            }
        }
    }

    /// <summary>What one batch attempt got to see and do before it failed.</summary>
    private sealed class BatchAttempt
    {
        /// <summary>Gets or sets the operation as the attempt read it under its lock: what is stored while the attempt has not committed.</summary>
        public BulkOperation? Read { get; set; }

        /// <summary>Gets or sets a value indicating whether the attempt sent its commit (whose answer may have been lost).</summary>
        public bool CommitSent { get; set; }
    }

    /// <summary>
    /// Asks the host's guards about the next batch before it is processed, outside its transaction: reads the operation and the
    /// batch's ids in a short session (rolled back at once), then lets the writer ask the guards (<see cref="TargetWriter.GuardAsync"/>).
    /// </summary>
    /// <returns>The batch's commands with the guards' decisions, by target; <see langword="null"/> when there is no batch to process.</returns>
    private async Task<IReadOnlyDictionary<TargetId, WriteCommand>?> GuardNextBatchAsync(string operationId, CancellationToken cancellationToken)
    {
        var (operation, ids) = await _tracker.Writer.RunOnceAsync(
            async (session, ct) =>
            {
                var writes = Operations(session);
                var operation = await writes.LockOperationAsync(operationId, ct).ConfigureAwait(false);
                return operation is null || operation.Status is OperationStatus.Completed or OperationStatus.Cancelled || operation.CancelRequested
                    ? (operation, (IReadOnlyList<TargetId>)[])
                    : (operation, await writes.ReadOperationItemsAsync(operationId, operation.Cursor, operation.BatchSize, ct).ConfigureAwait(false));
            },
            cancellationToken).ConfigureAwait(false);
        if (operation is null || ids.Count == 0)
        {
            return null;
        }

        var guarded = await _tracker.Writer.GuardAsync([.. Commands(operation, ids)], AuditOf(operation), operation.Id, cancellationToken).ConfigureAwait(false);
        return guarded.ToDictionary(c => c.Id);
    }

    private static IEnumerable<WriteCommand> Commands(BulkOperation operation, IEnumerable<TargetId> ids) =>
        ids.Select(id => new ChangeStatusCommand(id, null, operation.TargetStatus, operation.Reason, EffectiveAt: operation.EffectiveAt));

    /// <summary>The audit context of an operation's entries: who started it; the operation's id is the correlation id.</summary>
    private static AuditContext AuditOf(BulkOperation operation) => new()
    {
        ActorId = operation.ActorId,
        ActorName = operation.ActorName,
        ClientAddress = operation.ClientAddress,
        UserAgent = operation.UserAgent,
        CorrelationId = operation.Id,
    };

    /// <summary>
    /// Processes the next batch in one transaction; returns the operation after it. With guards, <paramref name="guarded"/> holds
    /// their decisions about the batch read before; a batch that is not the one they decided about (another runner moved on
    /// meanwhile) is left for the next round, unprocessed.
    /// </summary>
    private Task<BulkOperation?> ProcessBatchAsync(string operationId, BatchAttempt attempt, IReadOnlyDictionary<TargetId, WriteCommand>? guarded, CancellationToken cancellationToken) =>
        _tracker.Writer.RunOnceAsync<BulkOperation?>(
            async (session, ct) =>
            {
                var writes = Operations(session);
                var operation = await writes.LockOperationAsync(operationId, ct).ConfigureAwait(false);
                attempt.Read = operation;
                if (operation is null || operation.Status is OperationStatus.Completed or OperationStatus.Cancelled)
                {
                    return operation;
                }

                var now = _tracker.Writer.Now();
                if (operation.CancelRequested)
                {
                    return await SaveAsync(session, operation with { Status = OperationStatus.Cancelled, CompletedAt = now, LastUpdatedAt = now }, [], ct, attempt).ConfigureAwait(false);
                }

                operation = operation with { Status = OperationStatus.Processing, Error = null, CompletedAt = null, StartedAt = operation.StartedAt ?? now, LastUpdatedAt = now };
                var ids = await writes.ReadOperationItemsAsync(operationId, operation.Cursor, operation.BatchSize, ct).ConfigureAwait(false);
                if (ids.Count == 0)
                {
                    return await SaveAsync(session, operation with { Status = OperationStatus.Completed, CompletedAt = now }, [], ct, attempt).ConfigureAwait(false);
                }

                var audit = AuditOf(operation);
                List<WriteCommand> commands;
                if (_tracker.Writer.HasGuards)
                {
                    if (guarded is null || ids.Any(id => !guarded.ContainsKey(id)))
                    {
                        return attempt.Read; // rolled back: the next round asks the guards about the batch as it is now
                    }

                    commands = [.. ids.Select(id => guarded[id])];
                }
                else
                {
                    commands = [.. Commands(operation, ids)];
                }

                var (outcomes, changes, removedLinks) = await _tracker.Writer.DecideAsync(session, commands, audit, operation.Id, ct).ConfigureAwait(false);
                var failed = outcomes.Where(o => o.Error is not null).Select(o => new OperationItemFailure(operation.Id, o.TargetId, o.Error!.Code, o.Error.Message, now)).ToList();
                operation = operation with
                {
                    Cursor = ids[^1],
                    Processed = operation.Processed + ids.Count,
                    Succeeded = operation.Succeeded + ids.Count - failed.Count,
                    Failed = operation.Failed + failed.Count,
                    CurrentBatch = operation.CurrentBatch + 1,
                };
                if (ids.Count < operation.BatchSize)
                {
                    operation = operation with { Status = OperationStatus.Completed, CompletedAt = now };
                }

                if (!changes.IsEmpty)
                {
                    await TargetWriter.SaveAsync(session, changes, removedLinks, ct).ConfigureAwait(false);
                }

                return await SaveAsync(session, operation, failed, ct, attempt).ConfigureAwait(false);
            },
            cancellationToken);

    private static async Task<BulkOperation> SaveAsync(
        ITargetWriteSession session, BulkOperation operation, IReadOnlyList<OperationItemFailure> failures, CancellationToken cancellationToken, BatchAttempt? attempt = null)
    {
        await Operations(session).SaveOperationAsync(operation, failures, cancellationToken).ConfigureAwait(false);
        attempt?.CommitSent = true;
        await session.CommitAsync(cancellationToken).ConfigureAwait(false);
        return operation;
    }

    /// <summary>Counts a failed attempt and, when the retries are spent, marks the operation failed. Best effort: the store may still be down.</summary>
    private async Task<BulkOperation?> TryRecordFailureAsync(string operationId, string? finalError, CancellationToken cancellationToken)
    {
        try
        {
            return await _tracker.Writer.RunOnceAsync<BulkOperation?>(
                async (session, ct) =>
                {
                    var operation = await Operations(session).LockOperationAsync(operationId, ct).ConfigureAwait(false);
                    if (operation is null || operation.IsFinished)
                    {
                        return operation;
                    }

                    var now = _tracker.Writer.Now();
                    operation = operation with { RetryCount = operation.RetryCount + 1, LastUpdatedAt = now };
                    if (finalError is not null)
                    {
                        operation = operation with { Status = OperationStatus.Failed, Error = finalError, CompletedAt = now };
                    }

                    return await SaveAsync(session, operation, [], ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (_tracker.Writer.IsRetryable(e))
        {
            return null;
        }
    }

    /// <summary>Reads an operation and its progress.</summary>
    /// <param name="operationId">The operation.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The operation, or <see cref="OperationNotFoundError"/>.</returns>
    public async Task<Result<BulkOperation>> GetAsync(string operationId, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(operationId);
        var operation = await _tracker.Writer.ReadAsync(ct => _operations.GetOperationAsync(operationId, ct), cancellationToken).ConfigureAwait(false);
        return operation is null ? new OperationNotFoundError(operationId) : operation;
    }

    /// <summary>Reads the targets an operation could not move, with their typed reasons, in target id order.</summary>
    /// <param name="operationId">The operation.</param>
    /// <param name="after">Continue after this target (keyset paging).</param>
    /// <param name="limit">How many at most, 1 to 1000.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The failures.</returns>
    public Task<IReadOnlyList<OperationItemFailure>> GetFailuresAsync(string operationId, TargetId? after = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(operationId);
        Guard.Against.OutOfRange(limit, nameof(limit), 1, 1000);
        return _tracker.Writer.ReadAsync(ct => _operations.GetOperationFailuresAsync(operationId, after, limit, ct), cancellationToken);
    }

    /// <summary>
    /// Cancels an operation: a pending one at once; a processing one stops after its current batch (the batches
    /// committed so far stay applied). Cancelling a finished operation changes nothing.
    /// </summary>
    /// <param name="operationId">The operation.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The operation after the request, or <see cref="OperationNotFoundError"/>.</returns>
    public async Task<Result<BulkOperation>> CancelAsync(string operationId, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(operationId);
        var operation = await _tracker.Writer.RunAsync<BulkOperation?>(
            async (session, ct) =>
            {
                var operation = await Operations(session).LockOperationAsync(operationId, ct).ConfigureAwait(false);
                if (operation is null || operation.IsFinished)
                {
                    return operation;
                }

                var now = _tracker.Writer.Now();
                operation = operation.Status == OperationStatus.Pending
                    ? operation with { Status = OperationStatus.Cancelled, CancelRequested = true, CompletedAt = now, LastUpdatedAt = now }
                    : operation with { CancelRequested = true, LastUpdatedAt = now };
                return await SaveAsync(session, operation, [], ct).ConfigureAwait(false);
            },
            UnitOfWork.OfOperation(operationId),
            cancellationToken).ConfigureAwait(false);
        return operation is null ? new OperationNotFoundError(operationId) : operation;
    }

    /// <summary>
    /// Finds operations a runner should pick up: pending ones, and processing ones without progress for longer
    /// than <see cref="OperationOptions.InterruptedAfter"/> (their runner died).
    /// </summary>
    /// <param name="limit">How many at most.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The operations, oldest update first.</returns>
    public async Task<IReadOnlyList<BulkOperation>> FindRunnableAsync(int limit = 10, CancellationToken cancellationToken = default)
    {
        Guard.Against.OutOfRange(limit, nameof(limit), 1, int.MaxValue);
        var stale = _tracker.Writer.Now() - _options.InterruptedAfter;
        var candidates = await _tracker.Writer.ReadAsync(ct => _operations.FindOperationsAsync(Runnable, null, limit * 4, ct), cancellationToken).ConfigureAwait(false);
        return [.. candidates.Where(o => o.Status == OperationStatus.Pending || o.LastUpdatedAt < stale).Take(limit)];
    }

    /// <summary>Removes finished operations that ended more than <see cref="OperationOptions.RetentionPeriod"/> ago. Their history entries stay.</summary>
    /// <param name="cancellationToken">Cancels the removal.</param>
    /// <returns>How many operations were removed.</returns>
    public Task<int> RemoveExpiredAsync(CancellationToken cancellationToken = default) =>
        _tracker.Writer.ReadAsync(ct => _operations.DeleteFinishedOperationsAsync(_tracker.Writer.Now() - _options.RetentionPeriod, ct), cancellationToken);

    /// <summary>Summarizes an operation for reports: affected count, duration, actor, outcome.</summary>
    /// <param name="operationId">The operation.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The summary, or <see cref="OperationNotFoundError"/>.</returns>
    public async Task<Result<OperationSummary>> GetSummaryAsync(string operationId, CancellationToken cancellationToken = default)
    {
        var found = await GetAsync(operationId, cancellationToken).ConfigureAwait(false);
        if (!found.IsSuccess)
        {
            return found.Error;
        }

        var o = found.Value;
        return new OperationSummary(o.Id, o.Status, o.Succeeded, o.Failed, o.Total, o.Duration, o.ActorId, o.ActorName);
    }

    /// <summary>Tells how many operations changed a target and when the last did, from its history.</summary>
    /// <param name="id">The target.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The counts.</returns>
    public async Task<TargetOperationStats> GetTargetStatsAsync(TargetId id, CancellationToken cancellationToken = default)
    {
        var operations = new HashSet<string>(StringComparer.Ordinal);
        DateTimeOffset? last = null;
        long? before = null;
        while (true)
        {
            var page = await _tracker.GetHistoryAsync(id, new HistoryPageRequest(before, 1000), cancellationToken).ConfigureAwait(false);
            foreach (var entry in page.Where(e => e.OperationId is not null))
            {
                operations.Add(entry.OperationId!);
                last = last is { } l && l > entry.OccurredAt ? l : entry.OccurredAt;
            }

            if (page.Count < 1000)
            {
                return new TargetOperationStats(id, operations.Count, last);
            }

            before = page[^1].Version;
        }
    }

    private static IOperationWriteSession Operations(ITargetWriteSession session) =>
        session as IOperationWriteSession ?? throw new NotSupportedException($"The write session {session.GetType().Name} does not implement {nameof(IOperationWriteSession)}.");

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Operation {OperationId}: batch attempt {Attempt} of {MaxAttempts} failed with a transient error.")]
    private static partial void LogBatchFailed(ILogger logger, string operationId, int attempt, int maxAttempts, Exception exception);
}
