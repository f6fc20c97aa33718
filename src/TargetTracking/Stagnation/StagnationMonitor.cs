using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TargetTracking;

/// <summary>
/// An opt-in hosted service (<c>AddStagnationMonitor</c>) that checks on a schedule for targets stuck in a status
/// longer than its threshold (<see cref="TargetHealth.FindStagnantAsync"/>: the latest stay's age) and notifies the
/// host's <see cref="IStagnationNotifier"/> once per stay, in every tenant (or the one its tracker is pinned to), with the tenant: it claims each stay in the store first
/// (<see cref="IStagnationClaims"/>), so restarts and several host instances never notify a stay twice. Each notice
/// logs event 4101 (<c>StagnantTargetNotified</c>) and adds one to the counter
/// <c>targettracking.stagnation.notifications</c> (meter <c>TargetTracking</c>, tag <c>status</c>). A notifier that
/// throws gives the claim back (event 4102), so the stay is offered again at the next check. It also makes the pipeline's
/// timed moves (<see cref="PipelineOptions.TimedMoves"/>), each guarded by the version it read.
/// </summary>
public sealed partial class StagnationMonitor : BackgroundService
{
    private readonly TargetTracker _tracker;
    private readonly TargetHealth _health;
    private readonly TargetReports? _reports;
    private readonly IStagnationClaims _claims;
    private readonly IStagnationNotifier _notifier;
    private readonly StagnationMonitorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="tracker">The tracker whose store is watched; the store must implement <see cref="IStagnationClaims"/>.</param>
    /// <param name="notifier">The host's notifier.</param>
    /// <param name="options">Thresholds and interval.</param>
    /// <param name="timeProvider">The clock of the schedule.</param>
    /// <param name="logger">Logs notices and failures.</param>
    /// <exception cref="NotSupportedException">The store cannot claim stays.</exception>
    public StagnationMonitor(TargetTracker tracker, IStagnationNotifier notifier, StagnationMonitorOptions options, TimeProvider timeProvider, ILogger<StagnationMonitor>? logger = null)
    {
        Guard.Against.Null(tracker);
        Guard.Against.Null(notifier);
        Guard.Against.Null(options);
        Guard.Against.Null(timeProvider);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        _tracker = tracker;
        _health = new TargetHealth(tracker);
        _reports = tracker.Supports<IReportStore>() ? new TargetReports(tracker) : null;
        _claims = tracker.Port<IStagnationClaims>();
        _notifier = notifier;
        _options = options;
        _time = timeProvider;
        _logger = logger ?? NullLogger<StagnationMonitor>.Instance;
    }

    /// <summary>
    /// Checks once: finds the stagnant targets, claims each stay not claimed before, and notifies the claimed ones. A monitor
    /// over a tracker pinned to a tenant (<see cref="TargetTracker.ForTenant"/>) checks that tenant; otherwise it checks every
    /// tenant that has targets (<see cref="ITenantStore.FindTenantsWithTargetsAsync"/>), each in its own tenant, and each
    /// notice names its tenant (<see cref="StagnationNotice.Tenant"/>).
    /// </summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>How many notices the host took.</returns>
    public async Task<int> CheckOnceAsync(CancellationToken cancellationToken = default)
    {
        if (_options.Thresholds.Count == 0 && _tracker.Pipeline.TimedMoves.Count == 0)
        {
            return 0;
        }

        var thresholds = new Dictionary<string, TimeSpan>(_options.Thresholds, StringComparer.OrdinalIgnoreCase);
        if (_tracker.Pinned is not null || _tracker.Store is not ITenantStore tenants)
        {
            return await CheckAsync(_tracker, _health, _reports, _claims, _tracker.Pinned ?? TenantIds.Default, thresholds, cancellationToken).ConfigureAwait(false);
        }

        var notified = 0;
        foreach (var tenant in await _tracker.Writer.ReadAsync(tenants.FindTenantsWithTargetsAsync, cancellationToken).ConfigureAwait(false))
        {
            var scoped = _tracker.ForTenant(tenant);
            var reports = scoped.Supports<IReportStore>() ? new TargetReports(scoped) : null;
            notified += await CheckAsync(scoped, new TargetHealth(scoped), reports, scoped.Port<IStagnationClaims>(), tenant, thresholds, cancellationToken).ConfigureAwait(false);
        }

        return notified;
    }

    /// <summary>Checks one tenant through a tracker in it.</summary>
    private async Task<int> CheckAsync(TargetTracker tracker, TargetHealth health, TargetReports? reports, IStagnationClaims claims, string tenant, Dictionary<string, TimeSpan> thresholds, CancellationToken cancellationToken)
    {
        await MoveTimedAsync(tracker, health, tenant, cancellationToken).ConfigureAwait(false);
        if (thresholds.Count == 0)
        {
            return 0;
        }

        var stagnant = await health.FindStagnantAsync(thresholds, cancellationToken).ConfigureAwait(false);
        var notified = 0;
        foreach (var s in stagnant)
        {
            tracker.Pipeline.TryNormalize(s.Target.Status, out var status);
            var claim = new StagnationClaim(s.Target.Id, s.InStatusSince, status, tracker.Writer.Now());
            if (!await claims.TryClaimAsync(claim, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            var threshold = thresholds[status ?? PipelineOptions.NotSet];
            var cumulative = s.Age;
            if (reports is not null)
            {
                var stays = await reports.GetStaysAsync(s.Target.Id, cancellationToken).ConfigureAwait(false);
                cumulative = stays.ByStatus.FirstOrDefault(t => StatusStateMachine.SameStatus(t.Status, s.Target.Status))?.Cumulative ?? s.Age;
            }

            try
            {
                await _notifier.NotifyAsync(new StagnationNotice(s.Target, status, s.InStatusSince, s.Age, cumulative, threshold) { Tenant = tenant }, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The host did not take it: give the claim back, so the next check offers the stay again.
                await claims.ReleaseAsync(claim, CancellationToken.None).ConfigureAwait(false);
                LogNotifierFailed(_logger, ex, s.Target.Id, StatusStateMachine.Display(status), tenant);
                continue;
            }

            notified++;
            TargetTrackingTelemetry.StagnationNotified(StatusStateMachine.Display(status), tracker.MetricsTenant);
            LogNotified(_logger, s.Target.Id, StatusStateMachine.Display(status), s.Age, threshold, s.InStatusSince, tenant);
        }

        return notified;
    }

    /// <summary>
    /// Makes the timed moves of one tenant (<see cref="PipelineOptions.TimedMoves"/>): every target whose latest stay in a timed
    /// move's status is older than its delay moves, as <see cref="PipelineOptions.TimedMoveActor"/>, guarded by the version read.
    /// So each stay moves once: another monitor making the same move, or anyone's change since the read, leaves a newer version
    /// (the move then does nothing), and a moved target is no longer in the status. A move the pipeline refuses (a guard,
    /// required fields) is logged and tried again at the next check.
    /// </summary>
    private async Task MoveTimedAsync(TargetTracker tracker, TargetHealth health, string tenant, CancellationToken cancellationToken)
    {
        var moves = tracker.Pipeline.TimedMoves;
        if (moves.Count == 0)
        {
            return;
        }

        var after = moves.ToDictionary(m => m.From, m => m.After, StringComparer.OrdinalIgnoreCase);
        foreach (var s in await health.FindStagnantAsync(after, cancellationToken).ConfigureAwait(false))
        {
            var move = moves.First(m => StatusStateMachine.SameStatus(m.From, s.Target.Status));
            var result = await tracker.ChangeStatusAsync(s.Target.Id, s.Target.Version, move.To, move.Reason, tracker.Pipeline.TimedMoveActor, cancellationToken).ConfigureAwait(false);
            if (result.IsSuccess)
            {
                LogTimedMove(_logger, s.Target.Id, move.From, move.To, s.Age, tenant);
            }
            else if (result.Error is not (VersionConflictError or NotFoundError))
            {
                LogTimedMoveRefused(_logger, s.Target.Id, move.From, move.To, tenant, result.Error!.Message);
            }
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await CheckOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // A failed check (store unavailable) is retried at the next interval; the host keeps running.
                LogCheckFailed(_logger, ex);
            }

            try
            {
                await Task.Delay(_options.Interval, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 4101, EventName = "StagnantTargetNotified", Level = LogLevel.Information,
        Message = "Target {TargetId} of tenant {Tenant} has been {Status} for {Age} (threshold {Threshold}, since {Since}); notified.")]
    private static partial void LogNotified(ILogger logger, TargetId targetId, string status, TimeSpan age, TimeSpan threshold, DateTimeOffset since, string tenant);

    [LoggerMessage(EventId = 4102, EventName = "StagnationNotifierFailed", Level = LogLevel.Warning,
        Message = "The stagnation notifier failed for target {TargetId} of tenant {Tenant} ({Status}); the stay is offered again at the next check.")]
    private static partial void LogNotifierFailed(ILogger logger, Exception exception, TargetId targetId, string status, string tenant);

    [LoggerMessage(EventId = 4104, EventName = "TimedMoveMade", Level = LogLevel.Information,
        Message = "Target {TargetId} of tenant {Tenant} moved from {From} to {To} after {Age} (timed move).")]
    private static partial void LogTimedMove(ILogger logger, TargetId targetId, string from, string to, TimeSpan age, string tenant);

    [LoggerMessage(EventId = 4105, EventName = "TimedMoveRefused", Level = LogLevel.Warning,
        Message = "The timed move of target {TargetId} of tenant {Tenant} from {From} to {To} was refused ({Reason}); it is tried again at the next check.")]
    private static partial void LogTimedMoveRefused(ILogger logger, TargetId targetId, string from, string to, string tenant, string reason);

    [LoggerMessage(EventId = 4103, EventName = "StagnationCheckFailed", Level = LogLevel.Warning,
        Message = "A stagnation check failed; the next runs at the next interval.")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}
