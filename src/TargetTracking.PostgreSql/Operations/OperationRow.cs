namespace TargetTracking.PostgreSql;

/// <summary>An operation row as Dapper reads and writes it; the status is stored by name.</summary>
internal sealed class OperationRow
{
    public string Id { get; set; } = "";

    public string Status { get; set; } = "";

    public string? TargetStatus { get; set; }

    public string Selection { get; set; } = "";

    public long Total { get; set; }

    public long Processed { get; set; }

    public long Succeeded { get; set; }

    public long Failed { get; set; }

    public int BatchSize { get; set; }

    public long CurrentBatch { get; set; }

    public Guid? Cursor { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? StartedAt { get; set; }

    public DateTime LastUpdatedAt { get; set; }

    public DateTime? CompletedAt { get; set; }

    public string? Error { get; set; }

    public int RetryCount { get; set; }

    public int MaxRetries { get; set; }

    public bool CancelRequested { get; set; }

    public string? ActorId { get; set; }

    public string? ActorName { get; set; }

    public string? ClientAddress { get; set; }

    public string? UserAgent { get; set; }

    public static OperationRow From(BulkOperation o) => new()
    {
        Id = o.Id,
        Status = o.Status.ToString(),
        TargetStatus = o.TargetStatus,
        Selection = o.Selection,
        Total = o.Total,
        Processed = o.Processed,
        Succeeded = o.Succeeded,
        Failed = o.Failed,
        BatchSize = o.BatchSize,
        CurrentBatch = o.CurrentBatch,
        Cursor = o.Cursor?.Value,
        CreatedAt = o.CreatedAt.UtcDateTime,
        StartedAt = o.StartedAt?.UtcDateTime,
        LastUpdatedAt = o.LastUpdatedAt.UtcDateTime,
        CompletedAt = o.CompletedAt?.UtcDateTime,
        Error = o.Error,
        RetryCount = o.RetryCount,
        MaxRetries = o.MaxRetries,
        CancelRequested = o.CancelRequested,
        ActorId = o.ActorId,
        ActorName = o.ActorName,
        ClientAddress = o.ClientAddress,
        UserAgent = o.UserAgent,
    };

    public BulkOperation ToOperation() => new()
    {
        Id = Id,
        Status = Enum.Parse<OperationStatus>(Status, ignoreCase: false),
        TargetStatus = TargetStatus,
        Selection = Selection,
        Total = Total,
        Processed = Processed,
        Succeeded = Succeeded,
        Failed = Failed,
        BatchSize = BatchSize,
        CurrentBatch = CurrentBatch,
        Cursor = Cursor is { } cursor ? new TargetId(cursor) : null,
        CreatedAt = TargetRow.Utc(CreatedAt),
        StartedAt = StartedAt is { } started ? TargetRow.Utc(started) : null,
        LastUpdatedAt = TargetRow.Utc(LastUpdatedAt),
        CompletedAt = CompletedAt is { } completed ? TargetRow.Utc(completed) : null,
        Error = Error,
        RetryCount = RetryCount,
        MaxRetries = MaxRetries,
        CancelRequested = CancelRequested,
        ActorId = ActorId,
        ActorName = ActorName,
        ClientAddress = ClientAddress,
        UserAgent = UserAgent,
    };
}

/// <summary>A failed item row.</summary>
internal sealed class OperationFailureRow
{
    public string OperationId { get; set; } = "";

    public Guid TargetId { get; set; }

    public string Code { get; set; } = "";

    public string Message { get; set; } = "";

    public DateTime OccurredAt { get; set; }

    public OperationItemFailure ToFailure() => new(OperationId, new TargetId(TargetId), Code, Message, TargetRow.Utc(OccurredAt));
}
