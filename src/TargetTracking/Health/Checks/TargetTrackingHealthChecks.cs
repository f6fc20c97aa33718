using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TargetTracking;

/// <summary>
/// The TargetTracking health checks. Each reads little: one indexed read, one bounded query, or state this process
/// already holds (the feed's last lag, the last integrity check). Names and thresholds: docs/observability.md.
/// </summary>
internal sealed class TargetTrackingHealthChecks(TargetTracker tracker, ChangeFeed feed, TargetHealth health, TargetTrackingHealthCheckOptions options, Ledger? ledger = null)
{
    internal const string Store = "targettracking.store";
    internal const string Operations = "targettracking.operations";
    internal const string Feed = "targettracking.feed";
    internal const string Statuses = "targettracking.statuses";
    internal const string Integrity = "targettracking.integrity";
    internal const string LedgerCheck = "targettracking.ledger";

    /// <summary>The store answers a read (one primary-key lookup).</summary>
    public async Task<HealthCheckResult> StoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            await tracker.Repository.GetAsync(new TargetId(Guid.Empty), cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy("The store answers.");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"The store does not answer: {e.Message}", e);
        }
    }

    /// <summary>No tracked operation stuck (processing without progress) and few enough failed.</summary>
    public async Task<HealthCheckResult> OperationsAsync(CancellationToken cancellationToken)
    {
        if (!tracker.Supports<IOperationStore>())
        {
            return HealthCheckResult.Healthy("The store has no tracked operations.");
        }

        var operations = tracker.Port<IOperationStore>();

        var now = tracker.Writer.Now();
        var stuck = await operations.FindOperationsAsync([OperationStatus.Processing], now - options.OperationStuckAfter, 100, cancellationToken).ConfigureAwait(false);
        var failed = (await operations.FindOperationsAsync([OperationStatus.Failed], null, options.MaxFailedOperations + 100, cancellationToken).ConfigureAwait(false))
            .Count(o => o.LastUpdatedAt >= now - options.FailedOperationsWindow);
        var data = new Dictionary<string, object> { ["stuck"] = stuck.Count, ["failed"] = failed };
        if (stuck.Count > 0)
        {
            return HealthCheckResult.Degraded($"{stuck.Count} tracked operation(s) processing without progress for over {options.OperationStuckAfter}.", data: data);
        }

        return failed > options.MaxFailedOperations
            ? HealthCheckResult.Degraded($"{failed} tracked operation(s) failed within {options.FailedOperationsWindow} (tolerated: {options.MaxFailedOperations}).", data: data)
            : HealthCheckResult.Healthy("No tracked operation stuck or failed beyond the thresholds.", data);
    }

    /// <summary>The change feed read by this process keeps up.</summary>
    public Task<HealthCheckResult> FeedAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (feed.LastLag is not { } last)
        {
            return Task.FromResult(HealthCheckResult.Healthy("The change feed has not been read in this process."));
        }

        var data = new Dictionary<string, object> { ["lag_seconds"] = last.Lag.TotalSeconds, ["read_at"] = last.At };
        return Task.FromResult(last.Lag > options.MaxFeedLag
            ? HealthCheckResult.Degraded($"The change feed lags {last.Lag} behind (threshold {options.MaxFeedLag}).", data: data)
            : HealthCheckResult.Healthy($"The change feed lags {last.Lag}.", data));
    }

    /// <summary>Every stored status is one the pipeline knows.</summary>
    public async Task<HealthCheckResult> StatusesAsync(CancellationToken cancellationToken)
    {
        var unknown = await tracker.FindUnconfiguredStatusesAsync(cancellationToken).ConfigureAwait(false);
        if (unknown.Count == 0)
        {
            return HealthCheckResult.Healthy("Every stored status is in the pipeline.");
        }

        var data = unknown.ToDictionary(s => s.Status ?? PipelineOptions.NotSet, s => (object)s.Count);
        return HealthCheckResult.Degraded(
            $"{unknown.Sum(s => s.Count)} target(s) are in statuses the pipeline does not have: {string.Join(", ", unknown.Select(s => s.Status))}.", data: data);
    }

    /// <summary>The last integrity check found no more problems than tolerated.</summary>
    public Task<HealthCheckResult> IntegrityAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (health.LastCheck is not { } last)
        {
            return Task.FromResult(HealthCheckResult.Healthy("No integrity check has run in this process."));
        }

        var data = last.CountByKind.ToDictionary(k => k.Key.ToString(), k => (object)k.Value);
        data["checked_at"] = last.CheckedAt;
        return Task.FromResult(last.ProblemCount > options.MaxIntegrityProblems
            ? HealthCheckResult.Unhealthy($"The last integrity check ({last.CheckedAt:O}) found {last.ProblemCount} problem(s).", data: data)
            : HealthCheckResult.Healthy($"The last integrity check ({last.CheckedAt:O}) found {last.ProblemCount} problem(s).", data));
    }

    /// <summary>The last ledger verification of this process found the chain intact (docs/ledger.md).</summary>
    public Task<HealthCheckResult> LedgerAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (ledger?.LastVerification is not { } last)
        {
            return Task.FromResult(HealthCheckResult.Healthy(ledger is null ? "No ledger is configured." : "No ledger verification has run in this process."));
        }

        var data = new Dictionary<string, object> { ["tenant"] = last.Tenant, ["position"] = last.Position, ["verified_at"] = last.VerifiedAt };
        return Task.FromResult(last.FirstBreak is { } broken
            ? HealthCheckResult.Unhealthy($"The ledger of tenant '{last.Tenant}' is broken at position {broken.Position} ({broken.Kind}): {broken.Detail}", data: data)
            : HealthCheckResult.Healthy($"The ledger of tenant '{last.Tenant}' verified through position {last.Position} ({last.VerifiedAt:O}).", data));
    }
}
