namespace TargetTracking.PostgreSql;

/// <summary>The SQL of tracked operations for one schema; as everywhere, values travel as parameters.</summary>
internal sealed class OperationStatements
{
    private const string Columns =
        "id AS Id, status AS Status, target_status AS TargetStatus, selection AS Selection, total AS Total, processed AS Processed, " +
        "succeeded AS Succeeded, failed AS Failed, batch_size AS BatchSize, current_batch AS CurrentBatch, cursor AS Cursor, " +
        "created_at AS CreatedAt, started_at AS StartedAt, last_updated_at AS LastUpdatedAt, completed_at AS CompletedAt, error AS Error, " +
        "retry_count AS RetryCount, max_retries AS MaxRetries, cancel_requested AS CancelRequested, actor_id AS ActorId, " +
        "actor_name AS ActorName, client_address AS ClientAddress, user_agent AS UserAgent";

    private readonly string _targets;

    public OperationStatements(string schema)
    {
        var s = PostgreSqlStatements.Quote(schema);
        _targets = $"{s}.targets";
        var operations = $"{s}.operations";
        Items = $"{s}.operation_items";
        var failures = $"{s}.operation_failures";

        Get = $"SELECT {Columns} FROM {operations} WHERE id = @id";
        Lock = $"SELECT {Columns} FROM {operations} WHERE id = @id FOR UPDATE";
        Find = $"SELECT {Columns} FROM {operations} WHERE status = ANY(@statuses) AND last_updated_at < @before ORDER BY last_updated_at, id COLLATE \"C\" LIMIT @limit";
        GetFailures =
            $"SELECT operation_id AS OperationId, target_id AS TargetId, code AS Code, message AS Message, occurred_at AS OccurredAt FROM {failures} " +
            "WHERE operation_id = @id AND target_id > @after ORDER BY target_id, seq LIMIT @limit";
        DeleteFinished = $"DELETE FROM {operations} WHERE status IN ('Completed', 'Failed', 'Cancelled') AND completed_at < @before";
        ReadItems = $"SELECT target_id FROM {Items} WHERE operation_id = @id AND target_id > @after ORDER BY target_id LIMIT @limit";

        // A concurrent start with the same id waits on the key, then inserts nothing; the caller then reads the winner's row.
        Insert =
            $"""
            INSERT INTO {operations} (id, status, target_status, selection, total, processed, succeeded, failed, batch_size, current_batch, cursor,
                created_at, started_at, last_updated_at, completed_at, error, retry_count, max_retries, cancel_requested, actor_id, actor_name, client_address, user_agent)
            VALUES (@Id, @Status, @TargetStatus, @Selection, @Total, @Processed, @Succeeded, @Failed, @BatchSize, @CurrentBatch, @Cursor::uuid,
                @CreatedAt::timestamptz, @StartedAt::timestamptz, @LastUpdatedAt::timestamptz, @CompletedAt::timestamptz, @Error, @RetryCount, @MaxRetries,
                @CancelRequested, @ActorId, @ActorName, @ClientAddress, @UserAgent)
            ON CONFLICT (id) DO NOTHING
            """;
        InsertItemsByIds = $"INSERT INTO {Items} (operation_id, target_id) SELECT @id, unnest(@ids::uuid[]) ON CONFLICT DO NOTHING";
        Update =
            $"""
            UPDATE {operations}
            SET status = @Status, target_status = @TargetStatus, selection = @Selection, total = @Total, processed = @Processed, succeeded = @Succeeded,
                failed = @Failed, batch_size = @BatchSize, current_batch = @CurrentBatch, cursor = @Cursor::uuid, created_at = @CreatedAt::timestamptz,
                started_at = @StartedAt::timestamptz, last_updated_at = @LastUpdatedAt::timestamptz, completed_at = @CompletedAt::timestamptz, error = @Error,
                retry_count = @RetryCount, max_retries = @MaxRetries, cancel_requested = @CancelRequested, actor_id = @ActorId, actor_name = @ActorName,
                client_address = @ClientAddress, user_agent = @UserAgent
            WHERE id = @Id
            """;
        InsertFailures =
            $"""
            INSERT INTO {failures} (operation_id, target_id, code, message, occurred_at)
            SELECT @id, f.target_id, f.code, f.message, f.occurred_at
            FROM unnest(@targetIds::uuid[], @codes::text[], @messages::text[], @times::timestamptz[]) WITH ORDINALITY AS f(target_id, code, message, occurred_at, n)
            ORDER BY f.n
            """;
    }

    public string Items { get; }

    public string Get { get; }

    public string Lock { get; }

    public string Find { get; }

    public string GetFailures { get; }

    public string DeleteFinished { get; }

    public string ReadItems { get; }

    public string Insert { get; }

    public string InsertItemsByIds { get; }

    public string Update { get; }

    public string InsertFailures { get; }

    /// <summary>Fixes a filter's selection: the matching target ids, copied into the operation's items in one statement.</summary>
    public string InsertItemsWhere(TargetQuery filter, bool anyStatus, bool notSet) =>
        $"INSERT INTO {Items} (operation_id, target_id) SELECT @id, id FROM {_targets} WHERE {PostgreSqlStatements.Filter(filter, anyStatus, notSet)}";
}
