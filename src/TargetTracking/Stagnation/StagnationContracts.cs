namespace TargetTracking;

/// <summary>
/// What the host implements to hear about stagnant targets (email, chat, a ticket…). The
/// <see cref="StagnationMonitor"/> calls it once per stay: a target stuck in a status is reported once until it moves.
/// </summary>
public interface IStagnationNotifier
{
    /// <summary>Tells the host a target has stayed in its status longer than allowed.</summary>
    /// <param name="notice">What is stuck, where and for how long.</param>
    /// <param name="cancellationToken">Cancels the notification (the host is stopping).</param>
    /// <returns>A task that completes when the host has taken the notice; if it throws, the stay is offered again at the next check.</returns>
    Task NotifyAsync(StagnationNotice notice, CancellationToken cancellationToken = default);
}

/// <summary>A target that has stayed in its status longer than its threshold.</summary>
/// <param name="Target">The target as stored.</param>
/// <param name="Status">Its status in the configured spelling (<see langword="null"/>: Not Set).</param>
/// <param name="InStatusSince">When its latest stay in the status began.</param>
/// <param name="Age">How long the latest stay has lasted (what the threshold is compared with).</param>
/// <param name="Cumulative">The target's cumulative time in the status over all its stays (open stay up to now).</param>
/// <param name="Threshold">The threshold of the status.</param>
public sealed record StagnationNotice(Target Target, string? Status, DateTimeOffset InStatusSince, TimeSpan Age, TimeSpan Cumulative, TimeSpan Threshold)
{
    /// <summary>Gets the tenant whose target it is.</summary>
    /// <value>The default value is <see cref="TenantIds.Default"/>.</value>
    public string Tenant { get; init; } = TenantIds.Default;
}

/// <summary>Options of the <see cref="StagnationMonitor"/>.</summary>
public sealed class StagnationMonitorOptions
{
    /// <summary>
    /// Gets how long each status may last, keyed by status (matched ignoring case; Not Set as
    /// <see cref="PipelineOptions.NotSet"/>). A status not listed never stagnates. Compared with the latest stay's age.
    /// </summary>
    /// <value>The default value is empty: the monitor notifies nothing until thresholds are set.</value>
    public IDictionary<string, TimeSpan> Thresholds { get; } = new Dictionary<string, TimeSpan>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets how often the monitor checks.</summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Lists what is wrong with the options.</summary>
    /// <returns>The problems, naming the setting; empty when valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Interval <= TimeSpan.Zero)
        {
            problems.Add($"{nameof(StagnationMonitorOptions)}.{nameof(Interval)} must be positive (it is {Interval}).");
        }

        problems.AddRange(Thresholds.Where(t => t.Value <= TimeSpan.Zero)
            .Select(t => $"{nameof(StagnationMonitorOptions)}.{nameof(Thresholds)}['{t.Key}'] must be positive (it is {t.Value})."));
        return problems;
    }
}
