using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TargetTracking;

/// <summary>
/// A hosted service that runs pending operations and resumes interrupted ones (processing, with no progress for
/// longer than <see cref="OperationOptions.InterruptedAfter"/>), polling every <see cref="OperationOptions.PollInterval"/>.
/// Failed operations are not retried on their own: resume them with <see cref="TargetOperations.RunAsync"/>.
/// Register it with <c>AddOperationRunner()</c> on the TargetTracking builder.
/// </summary>
public sealed partial class OperationRunnerService : BackgroundService
{
    private readonly TargetOperations _operations;
    private readonly OperationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<OperationRunnerService> _logger;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="operations">The operations to run.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock that paces polling.</param>
    /// <param name="logger">Logs runs and failures.</param>
    public OperationRunnerService(TargetOperations operations, IOptions<TargetTrackingOptions> options, TimeProvider timeProvider, ILogger<OperationRunnerService> logger)
    {
        Guard.Against.Null(operations);
        Guard.Against.Null(options);
        _operations = operations;
        _options = options.Value.Operations;
        _time = timeProvider;
        _logger = logger;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Every tenant's, each run in its own tenant.
                foreach (var (operations, operation) in await _operations.FindRunnableInEveryTenantAsync(10, stoppingToken).ConfigureAwait(false))
                {
                    var result = await operations.RunAsync(operation.Id, null, stoppingToken).ConfigureAwait(false);
                    if (result.IsSuccess)
                    {
                        LogRan(_logger, operation.Id, result.Value.Status, result.Value.Processed, result.Value.Total);
                    }
                }

                await Task.Delay(_options.PollInterval, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The runner outlives any one failure: log it, wait, poll again.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogFailed(_logger, e);
                await Task.Delay(_options.PollInterval, _time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Operation {OperationId} ran to {Status}: {Processed} of {Total} processed.")]
    private static partial void LogRan(ILogger logger, string operationId, OperationStatus status, long processed, long total);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "The operation runner failed; it polls again after its interval.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
