namespace TargetTracking.PostgreSql;

/// <summary>
/// The SQL of one store, built once for its schema. Only the validated, quoted schema name is placed
/// into the text; every value travels as a parameter.
/// </summary>
internal sealed class PostgreSqlStatements
{
    /// <summary>The target columns, aliased to <see cref="TargetRow"/>'s properties.</summary>
    private const string TargetColumns =
        "id AS Id, name AS Name, description AS Description, markets AS Markets, status AS Status, version AS Version, " +
        "created_at AS CreatedAt, updated_at AS UpdatedAt, status_changed_at AS StatusChangedAt";

    private const string HistoryColumns =
        "id AS Id, target_id AS TargetId, action AS Action, old_status AS OldStatus, new_status AS NewStatus, version AS Version, " +
        "occurred_at AS OccurredAt, actor_id AS ActorId, actor_name AS ActorName, correlation_id AS CorrelationId, " +
        "operation_id AS OperationId, client_address AS ClientAddress, user_agent AS UserAgent";

    public PostgreSqlStatements(string schema)
    {
        var s = Quote(schema);
        Targets = $"{s}.targets";
        History = $"{s}.history";
        Operations = new OperationStatements(schema);

        GetTarget = $"SELECT {TargetColumns} FROM {Targets} WHERE id = @id";

        // Rows are locked in id order, so two writers that touch overlapping sets queue instead of deadlocking.
        LockTargets = $"SELECT {TargetColumns} FROM {Targets} WHERE id = ANY(@ids) ORDER BY id FOR UPDATE";

        GetHistory = $"SELECT {HistoryColumns} FROM {History} WHERE target_id = @id AND version < @before ORDER BY version DESC LIMIT @limit";
        GetHistoryFeedFrom = $"SELECT {HistoryColumns} FROM {History} WHERE occurred_at >= @since ORDER BY occurred_at, id LIMIT @limit";
        GetHistoryFeedAfter = $"SELECT {HistoryColumns} FROM {History} WHERE (occurred_at, id) > (@since, @after) ORDER BY occurred_at, id LIMIT @limit";

        // Markets of all rows travel as one flat array with each market's row number (PostgreSQL arrays are
        // rectangular, so a text[] per row cannot be unnested from a text[][]), and are grouped back per row in
        // one pass. Slicing the flat array per row instead would walk it from its start for every row: quadratic.
        const string marketsByRow =
            """
            SELECT m.row_no, array_agg(m.market ORDER BY m.pos) AS markets, array_agg(m.market_norm ORDER BY m.pos) AS markets_norm
            FROM unnest($6::text[], $7::text[], $8::int[]) WITH ORDINALITY AS m(market, market_norm, row_no, pos)
            GROUP BY m.row_no
            """;

        InsertTargets =
            $"""
            INSERT INTO {Targets} (id, name, name_norm, description, markets, markets_norm, status, version, created_at, updated_at, status_changed_at)
            SELECT r.id, r.name, r.name_norm, r.description, COALESCE(m.markets, ARRAY[]::text[]), COALESCE(m.markets_norm, ARRAY[]::text[]),
                   r.status, r.version, r.created_at, r.updated_at, r.status_changed_at
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $9::bigint[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[])
                 WITH ORDINALITY AS r(id, name, name_norm, description, status, version, created_at, updated_at, status_changed_at, row_no)
            LEFT JOIN ({marketsByRow}) AS m ON m.row_no = r.row_no
            """;

        UpdateTargets =
            $"""
            UPDATE {Targets} AS t
            SET name = r.name, name_norm = r.name_norm, description = r.description,
                markets = COALESCE(m.markets, ARRAY[]::text[]), markets_norm = COALESCE(m.markets_norm, ARRAY[]::text[]),
                status = r.status, version = r.version, created_at = r.created_at, updated_at = r.updated_at, status_changed_at = r.status_changed_at
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $9::bigint[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[], $13::bigint[])
                 WITH ORDINALITY AS r(id, name, name_norm, description, status, version, created_at, updated_at, status_changed_at, expected_version, row_no)
            LEFT JOIN ({marketsByRow}) AS m ON m.row_no = r.row_no
            WHERE t.id = r.id AND t.version = r.expected_version
            """;

        // Rows whose name, description, markets and creation time are as locked (every status change): only the
        // changed columns travel and are written.
        UpdateTargetStates =
            $"""
            UPDATE {Targets} AS t
            SET status = r.status, version = r.version, updated_at = r.updated_at, status_changed_at = r.status_changed_at
            FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::timestamptz[], $5::timestamptz[], $6::bigint[])
                 AS r(id, status, version, updated_at, status_changed_at, expected_version)
            WHERE t.id = r.id AND t.version = r.expected_version
            """;

        DeleteTargets =
            $"""
            DELETE FROM {Targets} AS t
            USING unnest($1::uuid[], $2::bigint[]) AS r(id, expected_version)
            WHERE t.id = r.id AND t.version = r.expected_version
            """;

        // The append-only trigger lets DELETE through only while this transaction-local setting is on.
        AllowHistoryPurge = "SELECT set_config('targettracking.allow_history_purge', 'on', true)";
        PurgeHistory = $"DELETE FROM {History} WHERE target_id = ANY($1::uuid[])";
        ForbidHistoryPurge = "SELECT set_config('targettracking.allow_history_purge', 'off', true)";

        InsertHistory =
            $"""
            INSERT INTO {History} (id, target_id, action, old_status, new_status, version, occurred_at, actor_id, actor_name, correlation_id, operation_id, client_address, user_agent)
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::timestamptz[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
            """;
    }

    public string Targets { get; }

    public OperationStatements Operations { get; }

    public string History { get; }

    public string GetTarget { get; }

    public string LockTargets { get; }

    public string GetHistory { get; }

    public string GetHistoryFeedFrom { get; }

    public string GetHistoryFeedAfter { get; }

    public string InsertTargets { get; }

    public string UpdateTargets { get; }

    public string UpdateTargetStates { get; }

    public string DeleteTargets { get; }

    public string AllowHistoryPurge { get; }

    public string PurgeHistory { get; }

    public string ForbidHistoryPurge { get; }

    public string InsertHistory { get; }

    /// <summary>Quotes a schema name that <see cref="PostgreSqlStoreOptions.Validate"/> accepted (no quote can occur in it).</summary>
    public static string Quote(string schema) => $"\"{schema}\"";

    /// <summary>
    /// Builds a target query from fixed fragments chosen by which filters are set. The count and the page
    /// come from one statement, so they agree even while writers commit.
    /// </summary>
    public string Query(TargetQuery query, bool anyStatus, bool notSet)
    {
        var filter = Filter(query, anyStatus, notSet);
        var direction = query.Descending ? "DESC" : "ASC";
        var key = query.SortBy switch
        {
            TargetSort.CreatedAt => "created_at",
            TargetSort.UpdatedAt => "updated_at",
            _ => "name COLLATE \"C\"",
        };

        return $"""
            SELECT c.total AS Total, p.*
            FROM (SELECT count(*) AS total FROM {Targets} WHERE {filter}) AS c
            LEFT JOIN LATERAL (
                SELECT {TargetColumns}, {key} AS sort_key
                FROM {Targets}
                WHERE {filter}
                ORDER BY {key} {direction}, id {direction}
                LIMIT @take OFFSET @skip
            ) AS p ON true
            ORDER BY p.sort_key {direction}, p.Id {direction}
            """;
    }

    /// <summary>
    /// The WHERE condition of a target filter, built from fixed fragments chosen by which filters are set;
    /// the values are the parameters <c>@statuses</c>, <c>@market</c> and <c>@nameContains</c>.
    /// </summary>
    public static string Filter(TargetQuery query, bool anyStatus, bool notSet)
    {
        var where = new List<string>();
        if (query.Statuses is not null)
        {
            where.Add((anyStatus, notSet) switch
            {
                (true, true) => "(status = ANY(@statuses) OR status IS NULL)",
                (true, false) => "status = ANY(@statuses)",
                (false, true) => "status IS NULL",
                (false, false) => "false",
            });
        }

        if (query.Market is not null)
        {
            where.Add("markets_norm @> ARRAY[@market]::text[]");
        }

        if (query.NameContains is not null)
        {
            where.Add("strpos(name_norm, @nameContains) > 0");
        }

        return where.Count == 0 ? "true" : string.Join(" AND ", where);
    }
}
