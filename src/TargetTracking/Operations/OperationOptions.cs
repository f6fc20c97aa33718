namespace TargetTracking;

/// <summary>Options of tracked bulk operations.</summary>
public sealed class OperationOptions
{
    /// <summary>The largest batch an operation accepts.</summary>
    public const int MaxBatchSize = 1000;

    /// <summary>Gets or sets the batch size of operations that do not name one.</summary>
    /// <value>The default value is 100.</value>
    public int DefaultBatchSize { get; set; } = 100;

    /// <summary>Gets or sets how long finished operations are kept before <see cref="TargetOperations.RemoveExpiredAsync"/> removes them.</summary>
    /// <value>The default value is 30 days.</value>
    public TimeSpan RetentionPeriod { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Gets or sets how long a processing operation may go without progress before it counts as interrupted and may be resumed.</summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan InterruptedAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets how often the hosted runner looks for pending and interrupted operations.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    internal IEnumerable<string> Validate()
    {
        if (DefaultBatchSize is < 1 or > MaxBatchSize)
        {
            yield return $"Operations:DefaultBatchSize must be between 1 and {MaxBatchSize}; it is {DefaultBatchSize}.";
        }

        if (RetentionPeriod <= TimeSpan.Zero)
        {
            yield return $"Operations:RetentionPeriod must be positive; it is {RetentionPeriod}.";
        }

        if (InterruptedAfter <= TimeSpan.Zero)
        {
            yield return $"Operations:InterruptedAfter must be positive; it is {InterruptedAfter}.";
        }

        if (PollInterval <= TimeSpan.Zero)
        {
            yield return $"Operations:PollInterval must be positive; it is {PollInterval}.";
        }
    }
}
