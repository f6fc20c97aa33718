using System.Collections.Concurrent;

namespace TargetTracking.PostgreSql;

/// <summary>
/// The write statements of one store (reads are LINQ, in TargetTracking.Linq2Db), built once for its schema. Only the validated, quoted schema name is placed
/// into the text; every value travels as a parameter. Every statement names the unit of work's tenant, the first column of
/// every key: a parameter of its own (the last), or the rows' <c>tenant_id</c> (<see cref="UnnestRows.Constant{T}"/>).
/// </summary>
internal sealed class PostgreSqlStatements
{
    private readonly ConcurrentDictionary<(ulong Rows, ulong Moves), string> _guardedByShape = new();

    public PostgreSqlStatements(string schema)
    {
        var s = Quote(schema);
        Targets = $"{s}.targets";
        History = $"{s}.target_history";
        Stays = $"{s}.target_stays";

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
            INSERT INTO {Targets} (tenant_id, id, name, name_norm, description, markets, markets_norm, status, version, created_at, updated_at, status_changed_at,
                                   amount_units, currency, owner_id)
            SELECT $13::text, r.id, r.name, r.name_norm, r.description, COALESCE(m.markets, ARRAY[]::text[]), COALESCE(m.markets_norm, ARRAY[]::text[]),
                   r.status, r.version, r.created_at, r.updated_at, r.status_changed_at, r.amount_units, r.currency, r.owner_id
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $9::bigint[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[],
                        $14::bigint[], $15::text[], $16::text[])
                 WITH ORDINALITY AS r(id, name, name_norm, description, status, version, created_at, updated_at, status_changed_at, amount_units, currency, owner_id, row_no)
            LEFT JOIN ({marketsByRow}) AS m ON m.row_no = r.row_no
            """;

        UpdateTargets =
            $"""
            UPDATE {Targets} AS t
            SET name = r.name, name_norm = r.name_norm, description = r.description,
                markets = COALESCE(m.markets, ARRAY[]::text[]), markets_norm = COALESCE(m.markets_norm, ARRAY[]::text[]),
                status = r.status, version = r.version, created_at = r.created_at, updated_at = r.updated_at, status_changed_at = r.status_changed_at,
                amount_units = r.amount_units, currency = r.currency, owner_id = r.owner_id
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $9::bigint[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[], $13::bigint[],
                        $15::bigint[], $16::text[], $17::text[])
                 WITH ORDINALITY AS r(id, name, name_norm, description, status, version, created_at, updated_at, status_changed_at, expected_version,
                                      amount_units, currency, owner_id, row_no)
            LEFT JOIN ({marketsByRow}) AS m ON m.row_no = r.row_no
            WHERE t.tenant_id = $14::text AND t.id = r.id AND t.version = r.expected_version
            """;

        // Rows whose name, description, markets and creation time are as locked (every status change): only the
        // changed columns travel and are written.
        DeleteTargets =
            $"""
            DELETE FROM {Targets} AS t
            USING unnest($1::uuid[], $2::bigint[]) AS r(id, expected_version)
            WHERE t.tenant_id = $3::text AND t.id = r.id AND t.version = r.expected_version
            """;

        // The append-only trigger lets a DELETE of history through only inside this function (migration 0004), which
        // deletes the targets at their expected versions and the history of exactly those, in the transaction's tenant
        // (the setting SetTenant makes; migration 0012); it returns how many it deleted.
        DeleteTargetsPurgingHistory = $"SELECT {s}.delete_targets_purging_history($1::uuid[], $2::bigint[])";

        // Every row of the transaction's tenant and the record of its deletion (migration 0014), through linq2db: its
        // first command of the transaction sets the tenant (TenantSetting).
        DeleteTenant = $"SELECT deleted_targets, deleted_history_entries FROM {s}.delete_tenant(@id, @deleted_at, @reason, @actor_id, @actor_name, @correlation_id, @client_address, @user_agent)";
        EraseHistory = $"SELECT {s}.erase_history(@id, @erased_at, @reason, @actor_id, @actor_name, @correlation_id, @client_address, @user_agent, @subject, @target_id, @targets, @erased_actor)";


    }

    public string Targets { get; }

    public string History { get; }

    public string Stays { get; }


    public string InsertTargets { get; }

    public string UpdateTargets { get; }

    /// <summary>Status changes from rows (<see cref="UnnestRows"/>): only the state columns are written, at each row's expected version.</summary>
    public string UpdateTargetStates(string rows) =>
        $"""
        UPDATE {Targets} AS t
        SET status = r.status, version = r.version, updated_at = r.updated_at, status_changed_at = r.status_changed_at
        FROM {rows} AS r
        WHERE t.tenant_id = r.tenant_id AND t.id = r.id AND t.version = r.expected_version
        """;

    public string DeleteTargets { get; }

    /// <summary>Locks the targets in the array <c>$1</c> of the tenant <c>$2</c>, in id order (as the write session's lock does).</summary>
    public string LockTargets => $"SELECT id FROM {Targets} WHERE tenant_id = $2::text AND id = ANY($1::uuid[]) ORDER BY id FOR UPDATE";

    /// <summary>
    /// Sets the transaction's tenant (<c>$1</c>) for the row-level security policies (migration 0012) and the purge function:
    /// transaction-local, so nothing outlives the transaction on a pooled connection. Sent first in a batch without a
    /// transaction, it covers the batch, which PostgreSQL runs as one implicit transaction.
    /// </summary>
    public const string SetTenant = "SELECT set_config('targettracking.tenant', $1, true)";

    /// <summary>
    /// Guarded status changes (<see cref="GuardedStatusChange"/>) in one statement: one round trip for one change or ten
    /// thousand, which commits itself when no transaction is open. A row is locked (in id order, so writers that overlap queue
    /// rather than deadlock) only where it passes its checks, and every other part reads those locked rows, so each change
    /// applies whole or not at all. The data-modifying parts of a WITH see the snapshot from before the statement, which holds
    /// the open stays they close. Answers the changed rows' untouched fields, by the ordinal of their change: each row found is
    /// changed (it is locked, and the update joins it by its key), so the answer reads the found rows without joining the update's.
    /// </summary>
    /// <param name="rows">
    /// The changes: tenant_id, id, expected_version, status, entry_id, at, at_us, effective_at, the audit columns, ord. A backdated
    /// change (effective_at before at) is checked against the row's previous effective change in the same WHERE as the version.
    /// </param>
    /// <param name="moves">The allowed moves into the statuses asked for: from_status, to_status.</param>
    /// <returns>The statement, its text built once per shape of the rows (a single change's text is not rebuilt per call).</returns>
    /// <remarks>
    /// Inside a transaction with more than one change, <see cref="LockTargets"/> goes first in the same batch: the statement's
    /// history insert takes the change feed's clock (migration 0008) while its row locks are still being taken, so without all
    /// rows locked up front two such statements could each hold what the other waits for.
    /// </remarks>
    public string ChangeStatusesGuarded(UnnestRows rows, UnnestRows moves) =>
        _guardedByShape.GetOrAdd((rows.Shape, moves.Shape), static (_, a) => a.Self.GuardedText(a.Rows.Sql(), a.Moves.Sql()), (Self: this, Rows: rows, Moves: moves));

    private string GuardedText(string rows, string moves) =>
        $"""
        WITH found AS (
            SELECT i.ord, i.tenant_id, i.id, i.expected_version, i.status, i.entry_id, i.at, i.at_us, i.effective_at, i.actor_id, i.actor_name, i.correlation_id, i.operation_id,
                   i.client_address, i.user_agent, t.name, t.description, t.markets, t.status AS old_status, t.created_at, t.amount_units, t.currency, t.owner_id
            FROM {rows} AS i
            JOIN {Targets} AS t ON t.tenant_id = i.tenant_id AND t.id = i.id
            WHERE t.version = i.expected_version
              AND (i.effective_at = i.at OR COALESCE(t.status_changed_at, t.created_at) <= i.effective_at)
              AND EXISTS (SELECT 1 FROM {moves} AS m WHERE m.to_status IS NOT DISTINCT FROM i.status AND m.from_status IS NOT DISTINCT FROM t.status)
            ORDER BY t.id
            FOR UPDATE OF t
        ), changed AS (
            UPDATE {Targets} AS t SET status = f.status, version = f.expected_version + 1, updated_at = f.at, status_changed_at = f.effective_at
            FROM found AS f WHERE t.tenant_id = f.tenant_id AND t.id = f.id
        ), entries AS (
            INSERT INTO {History} (tenant_id, id, target_id, action, old_status, new_status, version, occurred_at, effective_at, actor_id, actor_name, correlation_id, operation_id, client_address, user_agent, note)
            SELECT f.tenant_id, f.entry_id, f.id, 'StatusChanged', f.old_status, f.status, f.expected_version + 1, f.at, f.effective_at, f.actor_id, f.actor_name, f.correlation_id, f.operation_id,
                   f.client_address, f.user_agent, NULL
            FROM found AS f ORDER BY f.ord
        ), closed AS (
            UPDATE {Stays} AS s SET exited_us = f.at_us, next_status = f.status, ended_by_delete = 0
            FROM found AS f WHERE s.tenant_id = f.tenant_id AND s.target_id = f.id AND s.exited_us IS NULL
        ), opened AS (
            INSERT INTO {Stays} (tenant_id, target_id, version, status, entered_us, exited_us, next_status, ended_by_delete)
            SELECT f.tenant_id, f.id, f.expected_version + 1, f.status, f.at_us, NULL, NULL, 0 FROM found AS f
        )
        SELECT f.ord, f.name, f.description, f.markets, f.created_at, f.amount_units, f.currency, f.owner_id FROM found AS f
        """;

    public string DeleteTargetsPurgingHistory { get; }

    public string DeleteTenant { get; }

    /// <summary>Gets the call of <c>erase_history</c>, the privileged path of an erasure (migration 0018).</summary>
    public string EraseHistory { get; }

    /// <summary>
    /// History entries from rows (<see cref="UnnestRows"/>); with <paramref name="deals"/>, the rows carry the amount and owner
    /// columns too; with <paramref name="reasons"/>, the lost reason (migration 0017).
    /// </summary>
    public string InsertHistory(string rows, bool deals, bool reasons)
    {
        var extra = (deals ? ", old_amount_units, old_currency, new_amount_units, new_currency, old_owner_id, new_owner_id" : string.Empty)
            + (reasons ? ", reason" : string.Empty);
        return $"""
            INSERT INTO {History} (tenant_id, id, target_id, action, old_status, new_status, version, occurred_at, effective_at, actor_id, actor_name, correlation_id, operation_id, client_address, user_agent, note{extra})
            SELECT r.tenant_id, r.id, r.target_id, r.action, r.old_status, r.new_status, r.version, r.occurred_at, r.effective_at, r.actor_id, r.actor_name, r.correlation_id, r.operation_id, r.client_address, r.user_agent, r.note{extra.Replace(", ", ", r.", StringComparison.Ordinal)}
            FROM {rows} AS r
            """;
    }

    /// <summary>Closes the open stay of each target in the rows (found through target_stays_open_by_target_ix, migration 0011).</summary>
    public string CloseStays(string rows) =>
        $"""
        UPDATE {Stays} AS s
        SET exited_us = r.exited_us, next_status = r.next_status, ended_by_delete = r.ended_by_delete
        FROM {rows} AS r
        WHERE s.tenant_id = r.tenant_id AND s.target_id = r.target_id AND s.exited_us IS NULL
        """;

    /// <summary>Stays from rows (<see cref="UnnestRows"/>).</summary>
    public string InsertStays(string rows) =>
        $"""
        INSERT INTO {Stays} (tenant_id, target_id, version, status, entered_us, exited_us, next_status, ended_by_delete)
        SELECT r.tenant_id, r.target_id, r.version, r.status, r.entered_us, r.exited_us, r.next_status, r.ended_by_delete FROM {rows} AS r
        """;

    /// <summary>The stays of the targets in the array <c>$1</c> of the tenant <c>$2</c>, whose history a purge removed.</summary>
    public string DeleteStays => $"DELETE FROM {Stays} WHERE tenant_id = $2::text AND target_id = ANY($1::uuid[])";

    /// <summary>Quotes a schema name that <see cref="PostgreSqlStoreOptions.Validate"/> accepted (no quote can occur in it).</summary>
    public static string Quote(string schema) => $"\"{schema}\"";
}
