using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace TargetTracking;

/// <summary>
/// The one write path. Validates every command, then (re-run whole on a transient failure) locks the
/// touched rows, decides each command against their current state, and saves the targets and their
/// history as one set-based change in one transaction. One item or ten thousand take this path.
/// </summary>
internal sealed partial class TargetWriter
{
    private readonly ITargetRepository _repository;
    private readonly StatusStateMachine _pipeline;
    private readonly TargetTrackingOptions _options;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _retry;
    private readonly ResiliencePipeline _readRetry;
    private readonly ILogger _logger;
    private readonly ITransitionGuard[] _guards;

    // The tenant tag of the current call's metrics (null when off).
    private readonly Func<string?> _metricsTenant;

    public TargetWriter(ITargetRepository repository, StatusStateMachine pipeline, TargetTrackingOptions options, TimeProvider time, ILogger logger, Func<string?> metricsTenant)
    {
        _metricsTenant = metricsTenant;
        _repository = repository;
        _pipeline = pipeline;
        _options = options;
        _time = time;
        _logger = logger;
        _guards = [.. options.Pipeline.Guards];
        _retry = Retry(IsRetryable, (attempt, delay, e) =>
        {
            TargetTrackingTelemetry.Retry(CurrentKind.Value ?? "write", _metricsTenant());
            LogRetry(logger, attempt, options.MaxRetryAttempts + 1, delay, e);
        });
        _readRetry = Retry(repository.IsTransient, (attempt, delay, e) => LogReadRetry(logger, attempt, options.MaxRetryAttempts + 1, delay, e));
    }

    /// <summary>Gets how many times a unit of work or a read is tried before the store counts as unavailable.</summary>
    private int Attempts => _options.MaxRetryAttempts + 1;

    /// <summary>The one retry policy of the library (Polly): exponential backoff with jitter, <see cref="TargetTrackingOptions.MaxRetryAttempts"/> times.</summary>
    private ResiliencePipeline Retry(Func<Exception, bool> handles, Action<int, TimeSpan, Exception> onRetry) =>
        _options.MaxRetryAttempts == 0
            ? ResiliencePipeline.Empty
            : new ResiliencePipelineBuilder()
                .AddRetry(new RetryStrategyOptions
                {
                    ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && handles(e)),
                    MaxRetryAttempts = _options.MaxRetryAttempts,
                    Delay = _options.RetryBaseDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    OnRetry = args =>
                    {
                        onRetry(args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception!);
                        return default;
                    },
                })
                .Build();

    /// <summary>Current time, cut to whole microseconds: the precision every store keeps.</summary>
    public DateTimeOffset Now() => Stored(_time.GetUtcNow());

    /// <summary>A time as every store keeps it: UTC, cut to whole microseconds (the current time, a given effective time).</summary>
    internal static DateTimeOffset Stored(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % 10), TimeSpan.Zero);

    public async Task<BulkResult> ExecuteAsync(IReadOnlyList<WriteCommand> commands, BulkMode mode, AuditContext audit, string? operationId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (commands.Count > _options.MaxBulkItems)
        {
            throw new InvalidOperationException(
                $"A unit of work holds {commands.Count} items, more than TargetTrackingOptions.MaxBulkItems ({_options.MaxBulkItems}). Split it, or run it as a tracked operation.");
        }

        // One correlation id for every attempt: the history of a retried unit of work, its log and its failure tell one story.
        audit = audit.Sanitized();
        audit = audit.CorrelationId is null ? audit with { CorrelationId = Guid.CreateVersion7(Now()).ToString("N") } : audit;
        if (_guards.Length > 0)
        {
            commands = await GuardAsync(commands, audit, operationId, cancellationToken).ConfigureAwait(false);
        }

        var unit = new UnitOfWork(audit.CorrelationId, operationId, commands);
        var started = _time.GetTimestamp();
        var result = await RetryAsync(ct => AttemptAsync(commands, mode, audit, operationId, unit, ct), unit, cancellationToken).ConfigureAwait(false);
        if (commands.Count == 1 && operationId is null)
        {
            TargetTrackingTelemetry.Write(KindOf(commands[0]), TargetTrackingTelemetry.Outcome(result.Items[0]), _time.GetElapsedTime(started), _metricsTenant());
        }

        return result;
    }

    /// <summary>Runs a bulk unit of work (<see cref="BulkUpdate"/>) and counts its items by mode and outcome.</summary>
    public async Task<BulkResult> ExecuteBulkAsync(IReadOnlyList<WriteCommand> commands, BulkMode mode, AuditContext audit, CancellationToken cancellationToken)
    {
        var result = await ExecuteAsync(commands, mode, audit, null, cancellationToken).ConfigureAwait(false);
        var tenant = _metricsTenant();
        foreach (var group in result.Items.GroupBy(TargetTrackingTelemetry.Outcome))
        {
            TargetTrackingTelemetry.BulkItem(mode, group.Key, group.LongCount(), tenant);
        }

        return result;
    }

    // Tells the retry callback which kind of unit of work it retries (Polly's callback does not see the unit).
    private static readonly AsyncLocal<string?> CurrentKind = new();

    private static string KindOf(WriteCommand command) => command switch
    {
        CreateCommand => "create",
        UpdateCommand => "update",
        ChangeStatusCommand => "change_status",
        _ => "delete",
    };

    /// <summary>
    /// Runs a unit of work in a new write session, re-running it whole on a transient failure or a concurrent write. When
    /// the retries run out, logs <see cref="UnitOfWorkAbandonedEvent"/> once with what is needed to replay the unit, and
    /// throws <see cref="TargetStoreUnavailableException"/> carrying the same.
    /// </summary>
    internal Task<T> RunAsync<T>(Func<ITargetWriteSession, CancellationToken, Task<T>> work, UnitOfWork unit, CancellationToken cancellationToken) =>
        RetryAsync(ct => RunOnceAsync(work, ct), unit, cancellationToken);

    /// <summary>Runs the attempts of a unit of work under the retry policy; see <see cref="RunAsync{T}"/>.</summary>
    private async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> attempt, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var kind = unit.OperationId is null ? "write" : "operation";
        var started = _time.GetTimestamp();
        var activity = TargetTrackingTelemetry.StartUnitOfWork(kind);
        var outer = CurrentKind.Value;
        CurrentKind.Value = kind;
        try
        {
            var result = await _retry.ExecuteAsync(async ct => await attempt(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            TargetTrackingTelemetry.EndUnitOfWork(activity, kind, result is BulkResult { Succeeded: false, Mode: BulkMode.AllOrNothing } ? "rolled_back" : "committed", _time.GetElapsedTime(started), _metricsTenant());
            return result;
        }
        catch (Exception e)
        {
            TargetTrackingTelemetry.EndUnitOfWork(activity, kind, e is OperationCanceledException ? "cancelled" : "failed", _time.GetElapsedTime(started), _metricsTenant(), e);
            if (!IsRetryable(e))
            {
                throw;
            }

            var changes = unit.Changes();
            var unknown = unit.Probe is not null;
            LogAbandoned(_logger, Attempts, unit.CorrelationId, unit.OperationId, changes.Count, unknown, changes, e);
            var outcome = unknown
                ? $"the answer to its last commit was lost, so it may have been written: look for correlation id {unit.CorrelationId} in the history before replaying it"
                : "nothing was written";
            var what = changes.Count == 0 ? string.Empty : $" ({changes.Count} change(s): {string.Join("; ", changes.Take(3))}{(changes.Count > 3 ? "; …" : string.Empty)})";
            throw new TargetStoreUnavailableException(
                $"The target store failed {Attempts} times in a row with transient errors; {outcome}. Unit of work {unit.CorrelationId ?? unit.OperationId}{what}. Last error: {e.Message}",
                e,
                Attempts,
                unit.CorrelationId,
                unit.OperationId,
                changes,
                unknown,
                null);
        }
        finally
        {
            CurrentKind.Value = outer;
        }
    }

    /// <summary>
    /// Runs a read (or an idempotent clean-up) under the same retry policy as units of work; when the retries run out,
    /// throws <see cref="TargetStoreUnavailableException"/> instead of the driver's exception.
    /// </summary>
    internal async Task<T> ReadAsync<T>(Func<CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        try
        {
            return await _readRetry.ExecuteAsync(async ct => await read(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (_repository.IsTransient(e))
        {
            throw new TargetStoreUnavailableException(
                $"The target store failed {Attempts} times in a row with transient errors while reading. Last error: {e.Message}", e, Attempts, null, null, [], false, null);
        }
    }

    /// <summary>Runs a unit of work once in a new write session; the caller decides about retries.</summary>
    internal async Task<T> RunOnceAsync<T>(Func<ITargetWriteSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        var session = await _repository.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            return await work(session, cancellationToken).ConfigureAwait(false);
        }
    }

    internal bool IsRetryable(Exception e) => e is ConcurrentWriteException || _repository.IsTransient(e);

    /// <summary>Checks what can be checked without the store and brings input to its stored form.</summary>
    private (WriteCommand Command, TargetError? Error) Prepare(WriteCommand command)
    {
        switch (command)
        {
            case CreateCommand create:
                {
                    var fields = create.Target;
                    var error = TargetRules.Validate(fields.Name, fields.Description, fields.Markets, fields.Amount, fields.OwnerId, out var markets, out var amount);
                    if (error is not null)
                    {
                        return (command, error);
                    }

                    if (!_pipeline.TryNormalize(fields.Status, out var status))
                    {
                        return (command, new UnknownStatusError(fields.Status!, _pipeline.Statuses));
                    }

                    return (create with { Target = fields with { Markets = markets, Status = status, Amount = amount } }, null);
                }

            case UpdateCommand update:
                {
                    if (VersionError(update.ExpectedVersion) is { } versionError)
                    {
                        return (command, versionError);
                    }

                    var fields = update.Update;
                    var error = TargetRules.Validate(fields.Name, fields.Description, fields.Markets, fields.Amount, fields.OwnerId, out var markets, out var amount);
                    return error is not null ? (command, error) : (update with { Update = fields with { Markets = markets, Amount = amount } }, null);
                }

            case ChangeStatusCommand change:
                {
                    if (change.Guarded?.Refused is { } refusedByGuard)
                    {
                        return (command, refusedByGuard);
                    }

                    if (change.ExpectedVersion is { } version && VersionError(version) is { } error)
                    {
                        return (command, error);
                    }

                    if (!_pipeline.TryNormalize(change.Status, out var status))
                    {
                        return (command, new UnknownStatusError(change.Status!, _pipeline.Statuses));
                    }

                    // The reason depends on the status asked for only, so it is refused before any row is read. An effective
                    // time is kept as every store keeps times: UTC, whole microseconds.
                    return _pipeline.CheckReason(status, change.Reason, out var reason) is { } refused
                        ? (command, refused)
                        : (change with { Status = status, Reason = reason, EffectiveAt = change.EffectiveAt is { } at ? Stored(at) : null }, null);
                }

            case DeleteCommand delete:
                return (command, VersionError(delete.ExpectedVersion));

            default:
                throw new InvalidOperationException($"Unknown command {command.GetType().Name}.");
        }
    }

    /// <summary>Tells whether the host configured guards (<see cref="PipelineOptions.Guards"/>).</summary>
    internal bool HasGuards => _guards.Length > 0;

    /// <summary>
    /// Asks the host's guards about every status change of a call, before its unit of work and outside any transaction: reads
    /// the targets in a short session (rolled back at once, so no lock is held while a guard does I/O), asks each guard in order
    /// under one budget (<see cref="PipelineOptions.GuardBudget"/>), and returns the commands carrying the decision
    /// (<see cref="GuardOutcome"/>): a refusal fails the item in <see cref="Prepare"/>; the version seen is rechecked by the write.
    /// A change the core refuses anyway (invalid input, unknown target, a move to the current status) is not asked about.
    /// </summary>
    internal async Task<IReadOnlyList<WriteCommand>> GuardAsync(IReadOnlyList<WriteCommand> commands, AuditContext audit, string? operationId, CancellationToken cancellationToken)
    {
        var moves = new List<(int Index, ChangeStatusCommand Prepared)>();
        for (var i = 0; i < commands.Count; i++)
        {
            if (commands[i] is ChangeStatusCommand { Guarded: null } change && Prepare(change) is (ChangeStatusCommand prepared, null))
            {
                moves.Add((i, prepared));
            }
        }

        if (moves.Count == 0)
        {
            return commands;
        }

        var ids = moves.Select(m => m.Prepared.Id).ToHashSet();
        var stored = await ReadAsync(ct => RunOnceAsync((session, c) => session.LockAsync(ids, c), ct), cancellationToken).ConfigureAwait(false);
        var guarded = commands.ToArray();
        using var budget = new CancellationTokenSource(_options.Pipeline.GuardBudget, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        var spent = false;
        foreach (var (index, prepared) in moves)
        {
            if (!stored.TryGetValue(prepared.Id, out var target) || StatusStateMachine.SameStatus(target.Status, prepared.Status))
            {
                continue;
            }

            GuardRefusedError? refused = null;
            var move = new GuardedMove(target, prepared.Status, prepared.Reason, audit, operationId);
            foreach (var guard in _guards)
            {
                if (spent)
                {
                    break;
                }

                try
                {
                    var verdict = await guard.CheckAsync(move, linked.Token).ConfigureAwait(false);
                    if (verdict.Refusal is { } reason)
                    {
                        refused = new GuardRefusedError(target.Id, target.Status, prepared.Status, guard.GetType().Name, reason);
                        break;
                    }
                }
                catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    spent = true;
                }
            }

            // The budget ran out: this move and every later one are refused, never let through unasked.
            refused ??= spent
                ? new GuardRefusedError(target.Id, target.Status, prepared.Status, nameof(PipelineOptions.GuardBudget), $"the guards did not decide within {_options.Pipeline.GuardBudget}.")
                : null;
            guarded[index] = (ChangeStatusCommand)commands[index] with { Guarded = new GuardOutcome(target.Version, refused) };
        }

        return guarded;
    }

    private static InvalidInputError? VersionError(long expectedVersion) =>
        expectedVersion < 1 ? new InvalidInputError([new FieldError("expectedVersion", $"The expected version must be at least 1; it is {expectedVersion}.")]) : null;

    /// <summary>
    /// One attempt of a unit of work: first, after a commit whose answer was lost, whether it was applied; then a single status
    /// change as a guarded change in one round trip; otherwise (or when its checks fail) the unit in a write session.
    /// </summary>
    private async Task<BulkResult> AttemptAsync(
        IReadOnlyList<WriteCommand> commands, BulkMode mode, AuditContext audit, string? operationId, UnitOfWork unit, CancellationToken cancellationToken)
    {
        if (unit.Probe is { } probe)
        {
            // Entry ids are new for every attempt, so finding this one proves the lost commit was applied.
            var written = await _repository.GetHistoryAsync(probe.TargetId, new HistoryPageRequest(probe.Version + 1, 1), cancellationToken).ConfigureAwait(false);
            if (written.Count == 1 && written[0].Id == probe.Id)
            {
                return unit.Result ?? await AfterLostAnswerAsync(probe, cancellationToken).ConfigureAwait(false);
            }

            unit.Probe = null;
            unit.Result = null;
        }

        if (operationId is null && commands is [ChangeStatusCommand { ExpectedVersion: not null } change]
            && await TryGuardedAsync(change, audit, unit, cancellationToken).ConfigureAwait(false) is { } done)
        {
            return done;
        }

        return await RunOnceAsync((session, ct) => ExecuteOnceAsync(session, commands, mode, audit, operationId, unit, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A single status change in one round trip: the core's checks become the statement's (the expected version, the statuses
    /// the move may come from), so the store writes the row, its entry, its stays and the commit at once when they pass. Input the
    /// core refuses comes back at once; a move with nowhere to come from, or checks the row fails, go to the write session,
    /// which reads the row and says why (the same typed error as ever).
    /// </summary>
    private async Task<BulkResult?> TryGuardedAsync(ChangeStatusCommand command, AuditContext audit, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var (prepared, invalid) = Prepare(command);
        if (invalid is not null)
        {
            return new BulkResult(BulkMode.AllOrNothing, [new BulkItemOutcome(0, command.Id, BulkItemState.Failed, null, invalid)]);
        }

        if (ToGuarded((ChangeStatusCommand)prepared, audit, null, Now()) is not { } change)
        {
            return null;
        }

        Target? after;
        try
        {
            after = await _repository.TryChangeStatusAsync(change, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsRetryable(e) && e is not StoreNotReachedException)
        {
            // The statement commits itself: a lost answer may hide a commit, which the next attempt looks for first.
            unit.Probe = change.Entry;
            throw;
        }

        return after is null ? null : new BulkResult(BulkMode.AllOrNothing, [new BulkItemOutcome(0, change.Id, BulkItemState.Applied, after, null)]);
    }

    /// <summary>
    /// The outcome of a guarded change whose answer was lost but whose entry is stored: the target as the change left it. When a
    /// later write has moved it on since, the row as read with the change's state columns; when it has been deleted since, not found.
    /// </summary>
    private async Task<BulkResult> AfterLostAnswerAsync(HistoryEntry entry, CancellationToken cancellationToken)
    {
        var current = await _repository.GetAsync(entry.TargetId, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            return new BulkResult(BulkMode.AllOrNothing, [new BulkItemOutcome(0, entry.TargetId, BulkItemState.Failed, null, new NotFoundError(entry.TargetId))]);
        }

        var after = current.Version == entry.Version
            ? current
            : current with { Status = entry.NewStatus, Version = entry.Version, UpdatedAt = entry.OccurredAt, StatusChangedAt = entry.EffectiveAt };
        return new BulkResult(BulkMode.AllOrNothing, [new BulkItemOutcome(0, entry.TargetId, BulkItemState.Applied, after, null)]);
    }

    private async Task<BulkResult> ExecuteOnceAsync(
        ITargetWriteSession session, IReadOnlyList<WriteCommand> commands, BulkMode mode, AuditContext audit, string? operationId, UnitOfWork unknownCommit, CancellationToken cancellationToken)
    {
        var now = Now();
        var outcomes = new BulkItemOutcome[commands.Count];

        // Status changes whose checks the statement can make go first, all in one statement where the store has one; the rest,
        // and those whose checks failed, are decided under row locks (which say why a change is refused).
        var guarded = commands.Count > 1 ? Guardable(commands, audit, operationId, now) : [];
        var applied = guarded.Count > 0 ? await session.TryChangeStatusesAsync([.. guarded.Select(g => g.Change)], cancellationToken).ConfigureAwait(false) : [];
        HistoryEntry? firstGuarded = null;
        var rest = new List<int>(commands.Count);
        var done = new bool[commands.Count];
        for (var k = 0; k < guarded.Count; k++)
        {
            if (applied[k] is { } target)
            {
                var (index, change) = guarded[k];
                outcomes[index] = new BulkItemOutcome(index, change.Id, BulkItemState.Applied, target, null);
                done[index] = true;
                firstGuarded ??= change.Entry;
            }
        }

        for (var i = 0; i < commands.Count; i++)
        {
            if (!done[i])
            {
                rest.Add(i);
            }
        }

        var (decided, changes, removedLinks) = rest.Count == 0
            ? ([], new ChangeSet(), [])
            : await DecideAsync(session, rest.Count == commands.Count ? commands : [.. rest.Select(i => commands[i])], audit, operationId, cancellationToken, now).ConfigureAwait(false);
        for (var k = 0; k < decided.Length; k++)
        {
            outcomes[rest[k]] = decided[k] with { Index = rest[k] };
        }

        if (mode == BulkMode.AllOrNothing && outcomes.Any(o => o.State == BulkItemState.Failed))
        {
            return new BulkResult(mode, [.. outcomes.Select(o => o.Error is null ? o with { State = BulkItemState.RolledBack, Target = null } : o)]);
        }

        var result = new BulkResult(mode, [.. outcomes]);
        if (!changes.IsEmpty || firstGuarded is not null)
        {
            if (!changes.IsEmpty)
            {
                await SaveAsync(session, changes, removedLinks, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await session.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsRetryable(e) && (firstGuarded ?? changes.History.FirstOrDefault()) is { } probe)
            {
                unknownCommit.Probe = probe;
                unknownCommit.Result = result;
                throw;
            }
        }

        return result;
    }

    /// <summary>
    /// The guarded form of a prepared status change (<see cref="GuardedStatusChange"/>): its expected version, the stored statuses
    /// a move into the asked one may come from, its entry. <see langword="null"/> without an expected version (a tracked
    /// operation's move) or when no status moves into the asked one: only the locked decision can say why.
    /// </summary>
    internal GuardedStatusChange? ToGuarded(ChangeStatusCommand change, AuditContext audit, string? operationId, DateTimeOffset now)
    {
        // A status that requires fields is checked against the row, which only the locked decision reads.
        // So is a move with a lost reason: the one-statement change writes no reason (nor note). A time in the future is refused
        // whatever the row holds: the locked decision says so.
        if (change.ExpectedVersion is not { } expected || _pipeline.MovesInto(change.Status) is not { Count: > 0 } from || _pipeline.RequiresFields(change.Status)
            || change.Reason is not null || change.EffectiveAt > now)
        {
            return null;
        }

        var entry = Entry(change.Id, HistoryAction.StatusChanged, null, change.Status, expected + 1, now, audit, audit.CorrelationId!, operationId, null);
        entry = change.EffectiveAt is { } effective ? entry with { EffectiveAt = effective } : entry;
        return new GuardedStatusChange(change.Id, expected, from, change.Status, entry);
    }

    /// <summary>
    /// The status changes of a unit of work the store can check itself (<see cref="GuardedStatusChange"/>): valid input, an expected
    /// version, a move that can come from somewhere, and a target no other command of the unit touches (the others are decided in order).
    /// </summary>
    private List<(int Index, GuardedStatusChange Change)> Guardable(IReadOnlyList<WriteCommand> commands, AuditContext audit, string? operationId, DateTimeOffset now)
    {
        var seen = new Dictionary<TargetId, int>(commands.Count);
        foreach (var command in commands)
        {
            seen[command.Id] = seen.GetValueOrDefault(command.Id) + 1;
        }

        var guarded = new List<(int, GuardedStatusChange)>();
        for (var i = 0; i < commands.Count; i++)
        {
            if (commands[i] is ChangeStatusCommand command && seen[command.Id] == 1
                && Prepare(command) is (ChangeStatusCommand prepared, null)
                && ToGuarded(prepared, audit, operationId, now) is { } change)
            {
                guarded.Add((i, change));
            }
        }

        return guarded;
    }

    /// <summary>
    /// Inside an open session: validates the commands, locks the rows they touch, decides each one against the
    /// current state and returns the outcomes with the one set-based change that applies them. Writes nothing.
    /// </summary>
    internal async Task<(BulkItemOutcome[] Outcomes, ChangeSet Changes, IReadOnlyList<OutcomeLink> RemovedLinks)> DecideAsync(
        ITargetWriteSession session, IReadOnlyList<WriteCommand> commands, AuditContext audit, string? operationId, CancellationToken cancellationToken, DateTimeOffset? now = null)
    {
        var prepared = new WriteCommand[commands.Count];
        var invalid = new TargetError?[commands.Count];
        var toLock = new HashSet<TargetId>();
        for (var i = 0; i < commands.Count; i++)
        {
            (prepared[i], invalid[i]) = Prepare(commands[i]);
            if (invalid[i] is null && prepared[i] is not CreateCommand)
            {
                toLock.Add(prepared[i].Id);
            }
        }

        var original = await session.LockAsync(toLock, cancellationToken).ConfigureAwait(false);

        // A store that keeps the hierarchy: a deleted target's links go with it (or hold it, under Restrict).
        var deleted = prepared.Where((c, i) => invalid[i] is null && c is DeleteCommand && original.ContainsKey(c.Id)).Select(c => c.Id).ToHashSet();
        var links = deleted.Count > 0 && session is IHierarchyWriteSession hierarchy
            ? await hierarchy.ReadLinksAsync(deleted, [], cancellationToken).ConfigureAwait(false)
            : [];
        var decision = Decide(prepared, invalid, original, links, audit, operationId, now ?? Now());
        return (decision.Outcomes, Coalesce(decision, original), decision.RemovedLinks);
    }

    /// <summary>
    /// Saves a decided unit of work: first the links its target deletes remove (the links table references the targets),
    /// then the target changes and their history.
    /// </summary>
    internal static async Task SaveAsync(ITargetWriteSession session, ChangeSet changes, IReadOnlyList<OutcomeLink> removedLinks, CancellationToken cancellationToken)
    {
        if (removedLinks.Count > 0)
        {
            await ((IHierarchyWriteSession)session).SaveHierarchyAsync(new HierarchyChangeSet { RemovedLinks = removedLinks }, cancellationToken).ConfigureAwait(false);
        }

        await session.SaveAsync(changes, cancellationToken).ConfigureAwait(false);
    }

    private sealed record Decision(BulkItemOutcome[] Outcomes, Dictionary<TargetId, Target?> State, List<TargetId> Touched, List<HistoryEntry> History, List<OutcomeLink> RemovedLinks);

    /// <summary>Applies the commands in order to an in-memory copy of the locked rows: the pure core of every write.</summary>
    private Decision Decide(
        WriteCommand[] commands, TargetError?[] invalid, IReadOnlyDictionary<TargetId, Target> original, IReadOnlyList<OutcomeLink> links, AuditContext audit, string? operationId, DateTimeOffset now)
    {
        var correlationId = audit.CorrelationId ?? Guid.CreateVersion7(now).ToString("N");
        var state = new Dictionary<TargetId, Target?>();
        var touched = new List<TargetId>();
        var history = new List<HistoryEntry>();
        var outcomes = new BulkItemOutcome[commands.Length];

        Target? Current(TargetId id) => state.TryGetValue(id, out var t) ? t : original.GetValueOrDefault(id);

        void Record(TargetId id, Target? after, HistoryAction action, string? oldStatus, string? newStatus, long version, string? note = null)
        {
            if (!state.ContainsKey(id))
            {
                touched.Add(id);
            }

            state[id] = after;
            history.Add(Entry(id, action, oldStatus, newStatus, version, now, audit, correlationId, operationId, note));
        }

        var removedLinks = new List<OutcomeLink>();

        for (var i = 0; i < commands.Length; i++)
        {
            var command = commands[i];
            BulkItemOutcome Fail(TargetError error) => new(i, command.Id, BulkItemState.Failed, null, error);
            BulkItemOutcome Done(BulkItemState s, Target t) => new(i, command.Id, s, t, null);

            if (invalid[i] is { } error)
            {
                outcomes[i] = Fail(error);
                continue;
            }

            if (command is CreateCommand create)
            {
                var target = new Target
                {
                    Id = create.Id,
                    Name = create.Target.Name,
                    Description = create.Target.Description,
                    Markets = create.Target.Markets!,
                    Status = create.Target.Status,
                    Version = 1,
                    CreatedAt = now,
                    UpdatedAt = now,
                    StatusChangedAt = create.Target.Status is null ? null : now,
                    Amount = create.Target.Amount,
                    OwnerId = create.Target.OwnerId,
                };
                if (_pipeline.CheckRequired(target, target.Status) is { } missing)
                {
                    outcomes[i] = Fail(missing);
                    continue;
                }

                Record(target.Id, target, HistoryAction.Created, null, target.Status, 1);
                if (target.Amount is not null || target.OwnerId is not null)
                {
                    history[^1] = history[^1] with { NewAmount = target.Amount, NewOwnerId = target.OwnerId };
                }

                outcomes[i] = Done(BulkItemState.Applied, target);
                continue;
            }

            var (expected, current) = command switch
            {
                UpdateCommand u => ((long?)u.ExpectedVersion, Current(u.Id)),
                ChangeStatusCommand c => (c.ExpectedVersion, Current(c.Id)),
                DeleteCommand d => (d.ExpectedVersion, Current(d.Id)),
                _ => throw new InvalidOperationException($"Unknown command {command.GetType().Name}."),
            };

            if (current is null)
            {
                outcomes[i] = Fail(new NotFoundError(command.Id));
                continue;
            }

            // No expected version: a tracked operation, which moves whatever version is current, unless its guards decided on
            // another one (the target changed between their decision and this write).
            if ((expected ?? (command as ChangeStatusCommand)?.Guarded?.Version) is { } version && current.Version != version)
            {
                outcomes[i] = Fail(new VersionConflictError(version, current));
                continue;
            }

            switch (command)
            {
                case ChangeStatusCommand change:
                    // No expected version: a tracked operation, which may also move targets out of a status the pipeline no longer has.
                    var refused = change.ExpectedVersion is null
                        ? _pipeline.CheckTrackedMove(current.Id, current.Status, change.Status)
                        : _pipeline.Check(current.Id, current.Status, change.Status);
                    if (refused is not null)
                    {
                        outcomes[i] = Fail(refused);
                    }
                    else if (StatusStateMachine.SameStatus(change.Status, current.Status))
                    {
                        outcomes[i] = Done(BulkItemState.Unchanged, current);
                    }
                    else if (_pipeline.CheckRequired(current, change.Status) is { } missing)
                    {
                        outcomes[i] = Fail(missing);
                    }
                    else if (EffectiveTimeError(current, change.EffectiveAt, now) is { } outOfRange)
                    {
                        outcomes[i] = Fail(outOfRange);
                    }
                    else
                    {
                        // The status holds since the change took effect; the row's other times and the entry's OccurredAt are when it was recorded.
                        var next = current with { Status = change.Status, Version = current.Version + 1, UpdatedAt = now, StatusChangedAt = change.EffectiveAt ?? now };
                        Record(next.Id, next, HistoryAction.StatusChanged, current.Status, next.Status, next.Version, change.Reason?.Note);
                        if (change.Reason is not null || change.EffectiveAt is not null)
                        {
                            history[^1] = history[^1] with { Reason = change.Reason?.Code, EffectiveAt = change.EffectiveAt ?? history[^1].OccurredAt };
                        }

                        outcomes[i] = Done(BulkItemState.Applied, next);
                    }

                    break;

                case UpdateCommand update:
                    var fields = update.Update;
                    var edited = current with
                    {
                        Name = fields.Name, Description = fields.Description, Markets = fields.Markets!, Amount = fields.Amount, OwnerId = fields.OwnerId,
                        Version = current.Version + 1, UpdatedAt = now,
                    };
                    if (edited.SameAs(current with { Version = edited.Version, UpdatedAt = now }))
                    {
                        outcomes[i] = Done(BulkItemState.Unchanged, current);
                    }
                    else
                    {
                        Record(edited.Id, edited, HistoryAction.Updated, current.Status, current.Status, edited.Version);

                        // Amount and owner are audited before and after, as a status is.
                        history[^1] = history[^1] with { OldAmount = current.Amount, NewAmount = edited.Amount, OldOwnerId = current.OwnerId, NewOwnerId = edited.OwnerId };
                        outcomes[i] = Done(BulkItemState.Applied, edited);
                    }

                    break;

                case DeleteCommand:
                    var held = links.Where(l => l.TargetId == current.Id).ToList();
                    if (held.Count > 0 && _options.Hierarchy.TargetDeletePolicy == LinkDeletePolicy.Restrict)
                    {
                        outcomes[i] = Fail(new LinksExistError([.. held.Take(LinksExistError.MaxListed)], held.Count));
                        break;
                    }

                    // Cascade: each link goes with an Unlinked entry of its own version, then the delete (see HistoryAction.Linked).
                    var last = current;
                    foreach (var link in held)
                    {
                        last = last with { Version = last.Version + 1, UpdatedAt = now };
                        Record(last.Id, last, HistoryAction.Unlinked, last.Status, last.Status, last.Version, link.Note);
                        removedLinks.Add(link);
                    }

                    Record(current.Id, null, HistoryAction.Deleted, current.Status, null, last.Version + 1);
                    outcomes[i] = Done(BulkItemState.Applied, current);
                    break;
            }
        }

        return new Decision(outcomes, state, touched, history, removedLinks);
    }

    /// <summary>
    /// Checks the time a status change took effect, when one is given: not after now, not before the target's previous effective
    /// change (its <see cref="Target.StatusChangedAt"/>, or its creation). Without one the change takes effect now, unchecked: a
    /// clock a little behind another host's must not refuse an ordinary change.
    /// </summary>
    internal static EffectiveTimeOutOfRangeError? EffectiveTimeError(Target current, DateTimeOffset? effectiveAt, DateTimeOffset now)
    {
        if (effectiveAt is not { } at)
        {
            return null;
        }

        if (at > now)
        {
            return new EffectiveTimeOutOfRangeError(current.Id, at, null, now);
        }

        var bound = current.StatusChangedAt ?? current.CreatedAt;
        return at < bound ? new EffectiveTimeOutOfRangeError(current.Id, at, bound, now) : null;
    }

    /// <summary>A history entry of a target, stamped with the unit of work's time, audit context and correlation id.</summary>
    internal static HistoryEntry Entry(
        TargetId id, HistoryAction action, string? oldStatus, string? newStatus, long version, DateTimeOffset now, AuditContext audit, string correlationId, string? operationId, string? note) => new()
    {
        Id = Guid.CreateVersion7(now),
        TargetId = id,
        Action = action,
        OldStatus = oldStatus,
        NewStatus = newStatus,
        Version = version,
        OccurredAt = now,
        ActorId = audit.ActorId,
        ActorName = audit.ActorName,
        CorrelationId = correlationId,
        OperationId = operationId,
        ClientAddress = audit.ClientAddress,
        UserAgent = audit.UserAgent,
        Note = note,
    };

    /// <summary>Turns the per-item decisions into one write per target: the set-based change the store applies.</summary>
    private ChangeSet Coalesce(Decision decision, IReadOnlyDictionary<TargetId, Target> original)
    {
        var inserts = new List<Target>();
        var updates = new List<TargetWrite>();
        var deletes = new List<TargetDelete>();
        HashSet<TargetId>? purged = null;
        foreach (var id in decision.Touched)
        {
            var before = original.GetValueOrDefault(id);
            var after = decision.State[id];
            if (after is null && _options.DeletePolicy == DeletePolicy.PurgeHistory)
            {
                (purged ??= []).Add(id);
            }

            if (before is null && after is not null)
            {
                inserts.Add(after);
            }
            else if (before is not null && after is not null)
            {
                updates.Add(new TargetWrite(after, before.Version));
            }
            else if (before is not null && after is null)
            {
                deletes.Add(new TargetDelete(id, before.Version));
            }
        }

        return new ChangeSet
        {
            Inserts = inserts,
            Updates = updates,
            Deletes = deletes,
            PurgeHistory = purged is null ? [] : [.. purged.Where(original.ContainsKey)],
            History = purged is null ? decision.History : [.. decision.History.Where(h => !purged.Contains(h.TargetId))],
        };
    }

    /// <summary>The event logged once when a unit of work gives up: what is needed to replay it.</summary>
    internal static readonly EventId UnitOfWorkAbandonedEvent = new(3, "UnitOfWorkAbandoned");

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Unit of work attempt {Attempt} of {MaxAttempts} failed with a transient error; retrying in {Delay}.")]
    private static partial void LogRetry(ILogger logger, int attempt, int maxAttempts, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 3, EventName = "UnitOfWorkAbandoned", Level = LogLevel.Error,
        Message = "The target store failed {Attempts} times in a row with transient errors; the unit of work {CorrelationId} (operation {OperationId}) gave up. " +
                  "Commit outcome unknown: {CommitOutcomeUnknown}. {ChangeCount} change(s) to replay: {Changes}")]
    private static partial void LogAbandoned(
        ILogger logger, int attempts, string? correlationId, string? operationId, int changeCount, bool commitOutcomeUnknown, IReadOnlyList<RequestedChange> changes, Exception exception);

    [LoggerMessage(EventId = 4, EventName = "ReadRetry", Level = LogLevel.Warning, Message = "Read attempt {Attempt} of {MaxAttempts} failed with a transient error; retrying in {Delay}.")]
    private static partial void LogReadRetry(ILogger logger, int attempt, int maxAttempts, TimeSpan delay, Exception exception);
}

/// <summary>
/// One unit of work as the retry loop sees it: its correlation id and commands (described only when it gives up), and a
/// commit whose answer was lost (it may or may not have been applied): the next attempt looks for the first history entry
/// it wrote before deciding again.
/// </summary>
internal sealed class UnitOfWork(string? correlationId, string? operationId, IReadOnlyList<WriteCommand> commands)
{
    public string? CorrelationId => correlationId;

    public string? OperationId => operationId;

    public HistoryEntry? Probe { get; set; }

    public BulkResult? Result { get; set; }

    /// <summary>The bookkeeping of a tracked operation (start, cancel): no target changes.</summary>
    public static UnitOfWork OfOperation(string operationId) => new(null, operationId, []);

    public IReadOnlyList<RequestedChange> Changes() => [.. commands.Select(RequestedChange.Of)];
}
