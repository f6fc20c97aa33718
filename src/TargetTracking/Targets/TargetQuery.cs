namespace TargetTracking;

/// <summary>The order of a target query. Ties are broken by id, so paging is stable.</summary>
public enum TargetSort
{
    /// <summary>By name, in code-point order.</summary>
    Name = 0,

    /// <summary>By creation time.</summary>
    CreatedAt = 1,

    /// <summary>By last change.</summary>
    UpdatedAt = 2,

    /// <summary>By amount (the number, whatever the currency); targets without an amount come first in ascending order.</summary>
    Amount = 3,
}

/// <summary>A query over targets. Every filter is optional; all given filters must match.</summary>
public sealed record TargetQuery
{
    /// <summary>The largest page a query returns.</summary>
    public const int MaxTake = 1000;

    /// <summary>
    /// Gets the statuses to match, ignoring case (stored spellings included); an element that is <see langword="null"/>,
    /// <see cref="PipelineOptions.NotSet"/> or "Not Set" matches Not Set. <see langword="null"/> matches any status.
    /// </summary>
    public IReadOnlyCollection<string?>? Statuses { get; init; }

    /// <summary>Gets a market the target must have (ignoring case).</summary>
    public string? Market { get; init; }

    /// <summary>Gets text the name must contain (ignoring case).</summary>
    public string? NameContains { get; init; }

    /// <summary>Gets the owner the target must have (compared ordinally, as stored).</summary>
    public string? OwnerId { get; init; }

    /// <summary>Gets the currency the target's amount must be in (an ISO 4217 code, ignoring case).</summary>
    public string? Currency { get; init; }

    /// <summary>Gets the least amount the target must have (the number, whatever the currency: combine with <see cref="Currency"/>); a target without an amount does not match.</summary>
    public decimal? AmountAtLeast { get; init; }

    /// <summary>Gets the greatest amount the target may have; a target without an amount does not match.</summary>
    public decimal? AmountAtMost { get; init; }

    /// <summary>Gets the sort key.</summary>
    /// <value>The default value is <see cref="TargetSort.Name"/>.</value>
    public TargetSort SortBy { get; init; } = TargetSort.Name;

    /// <summary>Gets a value indicating whether to sort in descending order.</summary>
    public bool Descending { get; init; }

    /// <summary>Gets how many matching targets to skip.</summary>
    public int Skip { get; init; }

    /// <summary>Gets how many targets to return, 1 to <see cref="MaxTake"/>.</summary>
    /// <value>The default value is 50.</value>
    public int Take { get; init; } = 50;
}

/// <summary>A page of query results.</summary>
/// <param name="Items">The targets on this page, in query order.</param>
/// <param name="TotalCount">How many targets match the query in all.</param>
public sealed record TargetPage(IReadOnlyList<Target> Items, long TotalCount);
