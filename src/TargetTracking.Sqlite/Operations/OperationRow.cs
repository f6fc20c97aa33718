namespace TargetTracking.Sqlite;

/// <summary>A row of <c>target_operations</c>, as Dapper reads and writes it.</summary>
internal sealed class OperationRow
{
    /// <summary>The select list that fills this row from <c>target_operations o</c>.</summary>
    public const string Columns =
        "o.id AS Id, o.status AS Status, o.target_status AS TargetStatus, o.selection AS Selection, o.total AS Total, " +
        "o.processed AS Processed, o.succeeded AS Succeeded, o.failed AS Failed, o.batch_size AS BatchSize, " +
        "o.current_batch AS CurrentBatch, o.cursor_id AS CursorId, o.created_at AS CreatedAt, o.started_at AS StartedAt, " +
        "o.last_updated_at AS LastUpdatedAt, o.completed_at AS CompletedAt, o.error AS Error, o.retry_count AS RetryCount, " +
        "o.max_retries AS MaxRetries, o.cancel_requested AS CancelRequested, o.actor_id AS ActorId, o.actor_name AS ActorName, " +
        "o.client_address AS ClientAddress, o.user_agent AS UserAgent";

    public string Id { get; set; } = string.Empty;

    public string Status { get; set; } = string.Empty;

    public string? TargetStatus { get; set; }

    public string Selection { get; set; } = string.Empty;

    public long Total { get; set; }

    public long Processed { get; set; }

    public long Succeeded { get; set; }

    public long Failed { get; set; }

    public long BatchSize { get; set; }

    public long CurrentBatch { get; set; }

    public string? CursorId { get; set; }

    public long CreatedAt { get; set; }

    public long? StartedAt { get; set; }

    public long LastUpdatedAt { get; set; }

    public long? CompletedAt { get; set; }

    public string? Error { get; set; }

    public long RetryCount { get; set; }

    public long MaxRetries { get; set; }

    public long CancelRequested { get; set; }

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
        CursorId = o.Cursor is { } cursor ? Stored.Id(cursor) : null,
        CreatedAt = Stored.Time(o.CreatedAt),
        StartedAt = Stored.Time(o.StartedAt),
        LastUpdatedAt = Stored.Time(o.LastUpdatedAt),
        CompletedAt = Stored.Time(o.CompletedAt),
        Error = o.Error,
        RetryCount = o.RetryCount,
        MaxRetries = o.MaxRetries,
        CancelRequested = o.CancelRequested ? 1 : 0,
        ActorId = o.ActorId,
        ActorName = o.ActorName,
        ClientAddress = o.ClientAddress,
        UserAgent = o.UserAgent,
    };

    public BulkOperation ToOperation() => new()
    {
        Id = Id,
        Status = Enum.Parse<OperationStatus>(Status),
        TargetStatus = TargetStatus,
        Selection = Selection,
        Total = Total,
        Processed = Processed,
        Succeeded = Succeeded,
        Failed = Failed,
        BatchSize = checked((int)BatchSize),
        CurrentBatch = CurrentBatch,
        Cursor = CursorId is { } cursor ? new TargetId(Guid.Parse(cursor)) : null,
        CreatedAt = Stored.Time(CreatedAt),
        StartedAt = StartedAt is { } started ? Stored.Time(started) : null,
        LastUpdatedAt = Stored.Time(LastUpdatedAt),
        CompletedAt = CompletedAt is { } completed ? Stored.Time(completed) : null,
        Error = Error,
        RetryCount = checked((int)RetryCount),
        MaxRetries = checked((int)MaxRetries),
        CancelRequested = CancelRequested != 0,
        ActorId = ActorId,
        ActorName = ActorName,
        ClientAddress = ClientAddress,
        UserAgent = UserAgent,
    };
}

/// <summary>A row of <c>target_operation_failures</c>, as Dapper reads it.</summary>
internal sealed class OperationFailureRow
{
    public string OperationId { get; set; } = string.Empty;

    public string TargetId { get; set; } = string.Empty;

    public string Code { get; set; } = string.Empty;

    public string Message { get; set; } = string.Empty;

    public long OccurredAt { get; set; }

    public OperationItemFailure ToFailure() => new(OperationId, new TargetId(Guid.Parse(TargetId)), Code, Message, Stored.Time(OccurredAt));
}

/// <summary>The SQL of tracked operations.</summary>
internal static class OperationSql
{
    public const string Select = $"SELECT {OperationRow.Columns} FROM target_operations o";

    public const string Insert = """
        INSERT INTO target_operations (id, status, target_status, selection, total, processed, succeeded, failed, batch_size,
            current_batch, cursor_id, created_at, started_at, last_updated_at, completed_at, error, retry_count, max_retries,
            cancel_requested, actor_id, actor_name, client_address, user_agent)
        VALUES (@Id, @Status, @TargetStatus, @Selection, @Total, @Processed, @Succeeded, @Failed, @BatchSize,
            @CurrentBatch, @CursorId, @CreatedAt, @StartedAt, @LastUpdatedAt, @CompletedAt, @Error, @RetryCount, @MaxRetries,
            @CancelRequested, @ActorId, @ActorName, @ClientAddress, @UserAgent)
        ON CONFLICT (id) DO NOTHING
        """;

    public const string Update = """
        UPDATE target_operations
        SET status = @Status, target_status = @TargetStatus, selection = @Selection, total = @Total, processed = @Processed,
            succeeded = @Succeeded, failed = @Failed, batch_size = @BatchSize, current_batch = @CurrentBatch, cursor_id = @CursorId,
            created_at = @CreatedAt, started_at = @StartedAt, last_updated_at = @LastUpdatedAt, completed_at = @CompletedAt,
            error = @Error, retry_count = @RetryCount, max_retries = @MaxRetries, cancel_requested = @CancelRequested,
            actor_id = @ActorId, actor_name = @ActorName, client_address = @ClientAddress, user_agent = @UserAgent
        WHERE id = @Id
        """;

    public const string InsertIds = """
        INSERT INTO target_operation_items (operation_id, target_id)
        SELECT @OperationId, value FROM json_each(@Ids) WHERE true
        ON CONFLICT DO NOTHING
        """;

    /// <summary>Fixes a filter's matches in the store, set-based; append the filter's WHERE clause over <c>targets t</c>.</summary>
    public const string InsertMatchesOf = "INSERT INTO target_operation_items (operation_id, target_id) SELECT @OperationId, t.id FROM targets t";

    public const string ReadItems = "SELECT target_id FROM target_operation_items WHERE operation_id = @OperationId ORDER BY target_id LIMIT @Limit";

    public const string ReadItemsAfter = "SELECT target_id FROM target_operation_items WHERE operation_id = @OperationId AND target_id > @After ORDER BY target_id LIMIT @Limit";

    public const string InsertFailure = """
        INSERT INTO target_operation_failures (operation_id, target_id, code, message, occurred_at)
        VALUES (@OperationId, @TargetId, @Code, @Message, @OccurredAt)
        """;

    public const string Failures = """
        SELECT operation_id AS OperationId, target_id AS TargetId, code AS Code, message AS Message, occurred_at AS OccurredAt
        FROM target_operation_failures WHERE operation_id = @OperationId AND (@After IS NULL OR target_id > @After)
        ORDER BY target_id, rowid LIMIT @Limit
        """;

    /// <summary>Items and failures go with their operation (ON DELETE CASCADE).</summary>
    public const string DeleteFinished = """
        DELETE FROM target_operations
        WHERE status IN ('Completed', 'Failed', 'Cancelled') AND completed_at < @Before
        """;
}
