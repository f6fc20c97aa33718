namespace TargetTracking.PostgreSql;

/// <summary>A target row as Dapper reads it; timestamps come back from <c>timestamptz</c> as UTC.</summary>
internal class TargetRow
{
    public Guid Id { get; set; }

    public string Name { get; set; } = "";

    public string? Description { get; set; }

    public string[] Markets { get; set; } = [];

    public string? Status { get; set; }

    public long Version { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public DateTime? StatusChangedAt { get; set; }

    public Target ToTarget() => new()
    {
        Id = new TargetId(Id),
        Name = Name,
        Description = Description,
        Markets = Markets,
        Status = Status,
        Version = Version,
        CreatedAt = Utc(CreatedAt),
        UpdatedAt = Utc(UpdatedAt),
        StatusChangedAt = StatusChangedAt is { } changed ? Utc(changed) : null,
    };

    internal static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc), TimeSpan.Zero);
}

/// <summary>A row of a query page: the total count, and a target unless the page is empty (then every target column is NULL and <see cref="TargetRow.Id"/> stays empty).</summary>
internal sealed class TargetPageRow : TargetRow
{
    public long Total { get; set; }
}

/// <summary>A history row as Dapper reads it.</summary>
internal sealed class HistoryRow
{
    public Guid Id { get; set; }

    public Guid TargetId { get; set; }

    public string Action { get; set; } = "";

    public string? OldStatus { get; set; }

    public string? NewStatus { get; set; }

    public long Version { get; set; }

    public DateTime OccurredAt { get; set; }

    public string? ActorId { get; set; }

    public string? ActorName { get; set; }

    public string CorrelationId { get; set; } = "";

    public string? OperationId { get; set; }

    public string? ClientAddress { get; set; }

    public string? UserAgent { get; set; }

    public HistoryEntry ToEntry() => new()
    {
        Id = Id,
        TargetId = new TargetId(TargetId),
        Action = Enum.Parse<HistoryAction>(Action, ignoreCase: false),
        OldStatus = OldStatus,
        NewStatus = NewStatus,
        Version = Version,
        OccurredAt = TargetRow.Utc(OccurredAt),
        ActorId = ActorId,
        ActorName = ActorName,
        CorrelationId = CorrelationId,
        OperationId = OperationId,
        ClientAddress = ClientAddress,
        UserAgent = UserAgent,
    };
}
