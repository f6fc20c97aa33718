using Microsoft.Extensions.Logging;
using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>The tracker the database tests drive a store with.</summary>
public static class TestTracker
{
    /// <summary>
    /// Creates a tracker over <paramref name="repository"/> whose retries wait a millisecond (the tests provoke conflicts
    /// and lost connections, and would otherwise sleep through the default back-off) on a fake clock unless given one.
    /// </summary>
    /// <param name="repository">The store.</param>
    /// <param name="configure">Changes the options further.</param>
    /// <param name="clock">The clock; a new <see cref="FakeTimeProvider"/> by default.</param>
    /// <param name="logger">The tracker's logger.</param>
    /// <returns>The tracker.</returns>
    public static TargetTracker For(ITargetRepository repository, Action<TargetTrackingOptions>? configure = null, TimeProvider? clock = null, ILogger<TargetTracker>? logger = null)
    {
        var options = new TargetTrackingOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(1) };
        configure?.Invoke(options);
        return new TargetTracker(repository, options, clock ?? new FakeTimeProvider(), logger: logger);
    }
}
