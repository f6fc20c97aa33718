namespace TargetTracking;

/// <summary>What happens to a target's history when the target is deleted.</summary>
public enum DeletePolicy
{
    /// <summary>Keep the history and append a <see cref="HistoryAction.Deleted"/> entry.</summary>
    KeepHistory = 0,

    /// <summary>Remove the target's history with it (for data that must be erased).</summary>
    PurgeHistory = 1,
}

/// <summary>Options of TargetTracking, validated at start-up.</summary>
public sealed class TargetTrackingOptions
{
    /// <summary>The largest value <see cref="MaxBulkItems"/> accepts.</summary>
    public const int MaxBulkItemsLimit = 100_000;

    /// <summary>Gets the pipeline: statuses and allowed moves.</summary>
    public PipelineOptions Pipeline { get; } = new();

    /// <summary>Gets the options of the hierarchy of goals, sprints and commitments (their statuses, roll-up weights, delete policy).</summary>
    public HierarchyOptions Hierarchy { get; } = new();

    /// <summary>Gets the options of tracked bulk operations.</summary>
    public OperationOptions Operations { get; } = new();

    /// <summary>Gets the options of tenancy (whether every call must name its tenant).</summary>
    public TenancyOptions Tenancy { get; } = new();

    /// <summary>Gets the options of the change feed.</summary>
    public ChangeFeedOptions Feed { get; } = new();

    /// <summary>Gets or sets the most items one bulk unit of work may hold (it commits in one transaction).</summary>
    /// <value>The default value is 10,000.</value>
    public int MaxBulkItems { get; set; } = 10_000;

    /// <summary>Gets or sets what a delete does to history.</summary>
    /// <value>The default value is <see cref="DeletePolicy.KeepHistory"/>.</value>
    public DeletePolicy DeletePolicy { get; set; } = DeletePolicy.KeepHistory;

    /// <summary>Gets or sets how many times a unit of work is re-run after a transient failure.</summary>
    /// <value>The default value is 3.</value>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>Gets or sets the first retry delay; later ones grow exponentially, with jitter.</summary>
    /// <value>The default value is 50 milliseconds.</value>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Checks the options.</summary>
    /// <returns>Every problem found, each naming the setting; empty when valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>(Pipeline.Validate());
        if (MaxBulkItems is < 1 or > MaxBulkItemsLimit)
        {
            problems.Add($"MaxBulkItems must be between 1 and {MaxBulkItemsLimit}; it is {MaxBulkItems}.");
        }

        if (MaxRetryAttempts is < 0 or > 100)
        {
            problems.Add($"MaxRetryAttempts must be between 0 and 100; it is {MaxRetryAttempts}.");
        }

        if (RetryBaseDelay < TimeSpan.Zero || RetryBaseDelay > TimeSpan.FromMinutes(1))
        {
            problems.Add($"RetryBaseDelay must be between 0 and 1 minute; it is {RetryBaseDelay}.");
        }

        if (!Enum.IsDefined(DeletePolicy))
        {
            problems.Add($"DeletePolicy '{DeletePolicy}' is not a defined policy.");
        }

        problems.AddRange(Operations.Validate());
        problems.AddRange(Hierarchy.Validate());
        problems.AddRange(Feed.Validate());
        return problems;
    }
}
