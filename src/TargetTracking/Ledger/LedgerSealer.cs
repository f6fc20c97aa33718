using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TargetTracking;

/// <summary>
/// The hosted sealer (<c>AddLedger</c>): seals committed history entries shortly after their commit, in commit order, one
/// chain per tenant (docs/ledger.md). Over a tracker pinned to a tenant it seals that tenant; otherwise every tenant that has
/// targets (<see cref="ITenantStore.FindTenantsWithTargetsAsync"/>), each under its own lease, so several host instances
/// share the work and never seal one chain at once. After a pass that found nothing it waits <see cref="LedgerOptions.Interval"/>.
/// </summary>
public sealed partial class LedgerSealer : BackgroundService
{
    private readonly TargetTracker _tracker;
    private readonly LedgerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="tracker">The tracker whose store keeps the history and the seals; it must implement <see cref="ILedgerStore"/>.</param>
    /// <param name="options">The key and the sealing settings.</param>
    /// <param name="timeProvider">The clock of leases, seals and waits; <see langword="null"/> for the tracker's.</param>
    /// <param name="logger">Logs failed passes.</param>
    /// <exception cref="ArgumentException">The options are not valid; the message names each setting.</exception>
    /// <exception cref="NotSupportedException">The store keeps no seals.</exception>
    public LedgerSealer(TargetTracker tracker, LedgerOptions options, TimeProvider? timeProvider = null, ILogger<LedgerSealer>? logger = null)
    {
        // The ledger's constructor validates the options and the store.
        _ = new Ledger(tracker, options, timeProvider);
        _tracker = tracker;
        _options = options;
        _time = timeProvider ?? tracker.Time;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Runs one pass: seals what waits in each tenant whose chain this sealer gets the lease of.</summary>
    /// <param name="cancellationToken">Stops the pass; what was sealed stays sealed.</param>
    /// <returns>How many entries were sealed.</returns>
    public async Task<long> SealOnceAsync(CancellationToken cancellationToken = default)
    {
        if (_tracker.Pinned is not null || _tracker.Store is not ITenantStore tenants)
        {
            return await new Ledger(_tracker, _options, _time).SealOnceAsync(cancellationToken).ConfigureAwait(false);
        }

        long sealedCount = 0;
        foreach (var tenant in await _tracker.Writer.ReadAsync(tenants.FindTenantsWithTargetsAsync, cancellationToken).ConfigureAwait(false))
        {
            sealedCount += await new Ledger(_tracker.ForTenant(tenant), _options, _time).SealOnceAsync(cancellationToken).ConfigureAwait(false);
        }

        return sealedCount;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            long sealedCount = 0;
            try
            {
                sealedCount = await SealOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogPassFailed(_logger, ex);
            }

            if (sealedCount > 0)
            {
                continue;
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

    [LoggerMessage(EventId = 4301, EventName = "LedgerPassFailed", Level = LogLevel.Warning, Message = "A ledger sealing pass failed; the next one retries.")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
