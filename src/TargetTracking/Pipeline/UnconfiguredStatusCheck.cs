using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TargetTracking;

/// <summary>
/// Logs, when the host starts, the stored statuses the pipeline does not have (targets stranded by a change of
/// <see cref="PipelineOptions.Statuses"/>), one warning per status with how many targets are in it. It runs in the background
/// and never stops the host: a store that cannot answer yet is logged too. <c>AddTargetTracking</c> registers it.
/// </summary>
internal sealed partial class UnconfiguredStatusCheck(TargetTracker tracker, ILogger<UnconfiguredStatusCheck> logger) : BackgroundService
{
    /// <summary>The event of a stored status the pipeline does not have.</summary>
    internal static readonly EventId UnconfiguredStatusEvent = new(20, "UnconfiguredStatus");

    /// <summary>The event of a check that could not read the store.</summary>
    internal static readonly EventId CheckFailedEvent = new(21, "UnconfiguredStatusCheckFailed");

    /// <summary>Runs the check once and logs what it finds.</summary>
    internal async Task CheckAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<StatusCount> unconfigured;
        try
        {
            unconfigured = await tracker.FindUnconfiguredStatusesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
#pragma warning disable CA1031 // A start-up diagnostic must not stop the host: report the failure and carry on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogCheckFailed(logger, e);
            return;
        }

        foreach (var status in unconfigured)
        {
            LogUnconfigured(logger, status.Status!, status.Count, string.Join(", ", tracker.Pipeline.Statuses));
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the other hosted services (the store's initializer) start first.
        await Task.Yield();
        await CheckAsync(stoppingToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 20, EventName = "UnconfiguredStatus", Level = LogLevel.Warning,
        Message = "{Count} target(s) are stored in status '{Status}', which the pipeline does not have (configured: {ConfiguredStatuses}). " +
                  "They can be read, updated and deleted, but not moved one by one: move them with a tracked operation " +
                  "(StartOperationRequest.MoveOutOfUnconfiguredStatus), or configure the status again.")]
    private static partial void LogUnconfigured(ILogger logger, string status, long count, string configuredStatuses);

    [LoggerMessage(EventId = 21, EventName = "UnconfiguredStatusCheckFailed", Level = LogLevel.Warning,
        Message = "Could not check the stored statuses against the pipeline at start-up; TargetTracker.FindUnconfiguredStatusesAsync runs the check on demand.")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}
