namespace TargetTracking;

/// <summary>Thresholds of the TargetTracking health checks (<c>services.AddHealthChecks().AddTargetTracking()</c>).</summary>
public sealed class TargetTrackingHealthCheckOptions
{
    /// <summary>
    /// Gets or sets how long a processing tracked operation may go without progress before the operations check reports
    /// it stuck (Degraded).
    /// </summary>
    /// <value>The default value is 15 minutes.</value>
    public TimeSpan OperationStuckAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Gets or sets how far back the operations check counts failed tracked operations.</summary>
    /// <value>The default value is 24 hours.</value>
    public TimeSpan FailedOperationsWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Gets or sets how many failed tracked operations within <see cref="FailedOperationsWindow"/> are tolerated; more is Degraded.</summary>
    /// <value>The default value is 0.</value>
    public int MaxFailedOperations { get; set; }

    /// <summary>Gets or sets the change feed lag (<see cref="ChangeFeed.LastLag"/>) above which the feed check reports Degraded.</summary>
    /// <value>The default value is 1 minute.</value>
    public TimeSpan MaxFeedLag { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets how many problems the last integrity check may have found before the integrity check reports Unhealthy.</summary>
    /// <value>The default value is 0.</value>
    public long MaxIntegrityProblems { get; set; }

    internal IEnumerable<string> Validate()
    {
        if (OperationStuckAfter <= TimeSpan.Zero)
        {
            yield return $"OperationStuckAfter must be positive; it is {OperationStuckAfter}.";
        }

        if (FailedOperationsWindow <= TimeSpan.Zero)
        {
            yield return $"FailedOperationsWindow must be positive; it is {FailedOperationsWindow}.";
        }

        if (MaxFailedOperations < 0)
        {
            yield return $"MaxFailedOperations must be 0 or more; it is {MaxFailedOperations}.";
        }

        if (MaxFeedLag <= TimeSpan.Zero)
        {
            yield return $"MaxFeedLag must be positive; it is {MaxFeedLag}.";
        }

        if (MaxIntegrityProblems < 0)
        {
            yield return $"MaxIntegrityProblems must be 0 or more; it is {MaxIntegrityProblems}.";
        }
    }
}
