namespace TargetTracking.Linq2Db;

/// <summary>A row of <c>hierarchy_items</c>: goals, sprints and commitments. Dates are day numbers (<see cref="DateOnly.DayNumber"/>) on every database.</summary>
internal sealed class ItemRecord : ITenantRow
{
    /// <summary>The tenant the row belongs to: the first column of every key.</summary>
    public string TenantId { get; set; } = string.Empty;

    public Guid Id { get; set; }

    public string Kind { get; set; } = string.Empty;

    public string Title { get; set; } = string.Empty;

    /// <summary>The title as <see cref="TextSearch.Normalize"/> gives it: what the title filter searches.</summary>
    public string TitleNorm { get; set; } = string.Empty;

    public string? Description { get; set; }

    public string? Status { get; set; }

    public int? TargetDay { get; set; }

    public string? SprintName { get; set; }

    public int? StartDay { get; set; }

    public int? EndDay { get; set; }

    public int? Priority { get; set; }

    public int? DueDay { get; set; }

    /// <summary>The day a date-range query compares (<see cref="HierarchyItem.When"/>), kept by the core.</summary>
    public int? WhenDay { get; set; }

    public long Version { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public static ItemRecord From(HierarchyItem item) => new()
    {
        Id = item.Id,
        Kind = item.Kind.ToString(),
        Title = item.Title,
        TitleNorm = TextSearch.Normalize(item.Title),
        Description = item.Description,
        Status = item.Status,
        TargetDay = item.TargetDate?.DayNumber,
        SprintName = item.SprintName,
        StartDay = item.StartDate?.DayNumber,
        EndDay = item.EndDate?.DayNumber,
        Priority = item.Priority,
        DueDay = item.DueDate?.DayNumber,
        WhenDay = item.When?.DayNumber,
        Version = item.Version,
        CreatedAt = item.CreatedAt,
        UpdatedAt = item.UpdatedAt,
    };

    public HierarchyItem ToItem() => new()
    {
        Id = Id,
        Kind = Enum.Parse<HierarchyKind>(Kind),
        Title = Title,
        Description = Description,
        Status = Status,
        TargetDate = Day(TargetDay),
        SprintName = SprintName,
        StartDate = Day(StartDay),
        EndDate = Day(EndDay),
        Priority = Priority,
        DueDate = Day(DueDay),
        Version = Version,
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
    };

    private static DateOnly? Day(int? day) => day is { } d ? DateOnly.FromDayNumber(d) : null;
}

/// <summary>A row of <c>outcome_links</c>: one outcome (target) linked to one item; the kind repeats the item's (a foreign key checks it).</summary>
internal sealed class LinkRecord : ITenantRow
{
    /// <summary>The tenant the row belongs to: the first column of every key.</summary>
    public string TenantId { get; set; } = string.Empty;

    public Guid TargetId { get; set; }

    public Guid ItemId { get; set; }

    public string Kind { get; set; } = string.Empty;

    public static LinkRecord From(OutcomeLink link) => new() { TargetId = link.TargetId.Value, ItemId = link.ItemId, Kind = link.Kind.ToString() };

    public OutcomeLink ToLink() => new(new TargetId(TargetId), ItemId, Enum.Parse<HierarchyKind>(Kind));
}

/// <summary>A row of the append-only <c>hierarchy_history</c>.</summary>
internal sealed class ItemHistoryRecord : ITenantRow
{
    /// <summary>The tenant the row belongs to: the first column of every key.</summary>
    public string TenantId { get; set; } = string.Empty;

    public Guid Id { get; set; }

    public Guid ItemId { get; set; }

    public string Kind { get; set; } = string.Empty;

    public string Action { get; set; } = string.Empty;

    public string? OldStatus { get; set; }

    public string? NewStatus { get; set; }

    public long Version { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    public string? ActorId { get; set; }

    public string? ActorName { get; set; }

    public string CorrelationId { get; set; } = string.Empty;

    public static ItemHistoryRecord From(HierarchyHistoryEntry e) => new()
    {
        Id = e.Id, ItemId = e.ItemId, Kind = e.Kind.ToString(), Action = e.Action.ToString(), OldStatus = e.OldStatus, NewStatus = e.NewStatus,
        Version = e.Version, OccurredAt = e.OccurredAt, ActorId = e.ActorId, ActorName = e.ActorName, CorrelationId = e.CorrelationId,
    };

    public HierarchyHistoryEntry ToEntry() => new()
    {
        Id = Id, ItemId = ItemId, Kind = Enum.Parse<HierarchyKind>(Kind), Action = Enum.Parse<HistoryAction>(Action), OldStatus = OldStatus,
        NewStatus = NewStatus, Version = Version, OccurredAt = OccurredAt, ActorId = ActorId, ActorName = ActorName, CorrelationId = CorrelationId,
    };
}
