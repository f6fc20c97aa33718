namespace TargetTracking;

/// <summary>Options of the change feed (<see cref="ChangeFeed"/>).</summary>
public sealed class ChangeFeedOptions
{
    /// <summary>The largest <see cref="BatchSize"/> accepted.</summary>
    public const int MaxBatchSize = 10_000;

    /// <summary>Gets or sets how many entries one read of a subscription takes at most.</summary>
    /// <value>The default value is 500.</value>
    public int BatchSize { get; set; } = 500;

    /// <summary>Gets or sets the first wait of a caught-up subscription that polls; each empty read doubles it up to <see cref="MaxPollInterval"/>.</summary>
    /// <value>The default value is 100 milliseconds.</value>
    public TimeSpan MinPollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Gets or sets the longest wait of a caught-up subscription: the polling back-off stops growing here, and where the
    /// store notifies (PostgreSQL) it is the safety net for a lost notification.
    /// </summary>
    /// <value>The default value is 2 seconds.</value>
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    internal IEnumerable<string> Validate()
    {
        if (BatchSize is < 1 or > MaxBatchSize)
        {
            yield return $"Feed:BatchSize must be between 1 and {MaxBatchSize}; it is {BatchSize}.";
        }

        if (MinPollInterval <= TimeSpan.Zero)
        {
            yield return $"Feed:MinPollInterval must be positive; it is {MinPollInterval}.";
        }

        if (MaxPollInterval < MinPollInterval)
        {
            yield return $"Feed:MaxPollInterval must be at least Feed:MinPollInterval ({MinPollInterval}); it is {MaxPollInterval}.";
        }
    }
}
