using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TargetTracking.AspNetCore;

/// <summary>
/// Runs tracked operations in the background (<see cref="TargetTrackingEndpointOptions.RunOperations"/>). It wakes at once
/// when one is started or resumed over HTTP (<see cref="Wake"/>) and also polls the store
/// (<see cref="TargetTrackingEndpointOptions.OperationPollInterval"/>), so operations started by another host or left
/// unfinished by a restart (<see cref="TargetOperations.FindRunnableAsync"/>) are resumed. Each operation runs through
/// <see cref="TargetOperations.RunAsync"/>, batch by batch; with <see cref="TargetTrackingEndpointOptions.OperationPauseBetweenBatches"/>
/// above zero it stops after each committed batch and waits, so a person can watch the progress and cancel it halfway.
/// A failing run is logged and retried at the next poll; what each run does is visible in <see cref="Running"/> and in the
/// operation itself (<c>GET operations/{id}</c>). Pauses and polls are wall-clock time: they pace work, they are not
/// timestamps (a host that fakes <see cref="TimeProvider"/> in tests still has its operations run).
/// </summary>
internal sealed partial class OperationPump(TargetOperations operations, IOptions<TargetTrackingEndpointOptions> options, ILogger<OperationPump> logger) : BackgroundService
{
    private readonly Channel<string> _started = Channel.CreateUnbounded<string>();
    private readonly ConcurrentDictionary<string, Task> _running = new(StringComparer.Ordinal);

    private TimeSpan Pause => options.Value.OperationPauseBetweenBatches;

    private TimeSpan Poll => options.Value.OperationPollInterval;

    /// <summary>Gets the operations this host is running now.</summary>
    public IReadOnlyCollection<string> Running => [.. _running.Keys];

    /// <summary>Tells the pump an operation was started, so it begins at once rather than at the next poll.</summary>
    public void Wake(string operationId)
    {
        if (options.Value.RunOperations)
        {
            _started.Writer.TryWrite(operationId);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.RunOperations)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var runnable in await operations.FindRunnableAsync(10, stoppingToken).ConfigureAwait(false))
                {
                    Launch(runnable.Id, stoppingToken);
                }

                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                wait.CancelAfter(Poll);
                while (await _started.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false))
                {
                    while (_started.Reader.TryRead(out var id))
                    {
                        Launch(id, stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // The poll interval passed: look for runnable operations again.
            }
            catch (OperationCanceledException)
            {
                return;
            }
#pragma warning disable CA1031 // The pump outlives any one failure (the store may be down): log it and poll again.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogPollFailed(logger, e);
                await Task.Delay(Poll, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(_running.Values).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Runs an operation unless this host runs it already.</summary>
    private void Launch(string id, CancellationToken stoppingToken)
    {
        var claim = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_running.TryAdd(id, claim.Task))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await RunAsync(id, stoppingToken).ConfigureAwait(false);
            }
            finally
            {
                _running.TryRemove(id, out _);
                claim.SetResult();
            }
        }, CancellationToken.None);
    }

    private async Task RunAsync(string id, CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var pause = Pause;
                using var batch = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);

                // With a pause, the run stops after one committed batch (RunAsync leaves it resumable), waits, and resumes.
                var progress = pause > TimeSpan.Zero ? new StopAfterBatch(batch) : null;
                try
                {
                    var result = await operations.RunAsync(id, progress, batch.Token).ConfigureAwait(false);
                    if (result.IsSuccess)
                    {
                        LogRan(logger, id, result.Value.Status, result.Value.Processed, result.Value.Total);
                    }

                    return;
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested && batch.IsCancellationRequested)
                {
                    await Task.Delay(pause, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host stops: the operation stays resumable and the next start resumes it.
        }
#pragma warning disable CA1031 // One operation's failure (the store down after the retries) must not stop the pump.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogRunFailed(logger, id, e);
        }
    }

    /// <summary>Ends a run after the batch it reports: its progress is committed by then.</summary>
    private sealed class StopAfterBatch(CancellationTokenSource batch) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value)
        {
            if (value.Status is OperationStatus.Processing or OperationStatus.Pending)
            {
                batch.Cancel();
            }
        }
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Operation {OperationId} ran to {Status}: {Processed} of {Total} processed.")]
    private static partial void LogRan(ILogger logger, string operationId, OperationStatus status, long processed, long total);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Error, Message = "Operation {OperationId} failed to run; it is resumed once the library deems it interrupted (OperationOptions.InterruptedAfter).")]
    private static partial void LogRunFailed(ILogger logger, string operationId, Exception exception);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Error, Message = "Looking for runnable operations failed; polling again after the interval.")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
