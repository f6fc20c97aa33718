using Npgsql;
using NpgsqlTypes;
using TargetTracking.Conformance;

namespace TargetTracking.PostgreSql.Tests;

/// <summary>
/// Corrupts a PostgreSQL store with raw SQL as the table owner, as a script would: history only gains rows (its
/// triggers refuse the rest), the unique version key can be dropped, and of the malformed rows only an unknown action
/// fits the column types (ids are uuid, markets text[]).
/// </summary>
internal sealed class PostgreSqlSaboteur(NpgsqlDataSource dataSource, string schema) : IStoreSaboteur, IHistoryTamperer
{
    private readonly string _s = $"\"{schema}\"";

    public IReadOnlySet<Malformation> Plantable { get; } = new HashSet<Malformation> { Malformation.UnknownAction };

    public Task InsertHistoryAsync(HistoryEntry e) => ExecuteAsync(
        $"""
        INSERT INTO {_s}.target_history (tenant_id, id, target_id, action, old_status, new_status, version, occurred_at, actor_name, correlation_id)
        VALUES ('default', $1, $2, $3, $4, $5, $6, $7, $8, $9)
        """,
        e.Id, e.TargetId.Value, e.Action.ToString(), Text(e.OldStatus), Text(e.NewStatus), e.Version, e.OccurredAt, Text(e.ActorName), e.CorrelationId);

    public Task SetTargetStateAsync(TargetId id, string? status, long version) =>
        ExecuteAsync($"UPDATE {_s}.targets SET status = $2, version = $3 WHERE id = $1", id.Value, Text(status), version);

    public Task DeleteTargetRowAsync(TargetId id) => WithoutForeignKeysAsync($"DELETE FROM {_s}.targets WHERE id = $1", id.Value);

    public Task InsertLinkAsync(OutcomeLink link) => WithoutForeignKeysAsync(
        $"INSERT INTO {_s}.outcome_links (tenant_id, target_id, item_id, kind) VALUES ('default', $1, $2, $3)", link.TargetId.Value, link.ItemId, link.Kind.ToString());

    public Task DeleteItemRowAsync(Guid itemId) => WithoutForeignKeysAsync($"DELETE FROM {_s}.hierarchy_items WHERE id = $1", itemId);

    public Task InsertTargetRowAsync(Target t) => ExecuteAsync(
        $"""
        INSERT INTO {_s}.targets (tenant_id, id, name, name_norm, description, markets, markets_norm, status, version, created_at, updated_at, status_changed_at)
        VALUES ('default', $1, $2, upper($2), NULL, ARRAY['EU'], ARRAY['EU'], $3, $4, $5, $5, $5)
        """,
        t.Id.Value, t.Name, Text(t.Status), t.Version, t.CreatedAt);

    public Task AllowDuplicateVersionsAsync() => ExecuteAsync($"ALTER TABLE {_s}.target_history DROP CONSTRAINT IF EXISTS target_history_target_version_key");

    public async Task<string> PlantAsync(Malformation malformation, TargetId target)
    {
        if (malformation != Malformation.UnknownAction)
        {
            throw new NotSupportedException($"PostgreSQL's column types refuse {malformation}.");
        }

        var id = Guid.CreateVersion7();
        await ExecuteAsync(
            $"INSERT INTO {_s}.target_history (tenant_id, id, target_id, action, version, occurred_at, correlation_id) VALUES ('default', $1, $2, 'Bogus', 99, now(), 'sabotage')",
            id, target.Value);
        return id.ToString("D");
    }

    // The owner's way past the append-only triggers: a superuser's transaction in replica mode fires none (the feed's stamp neither).
    public Task SetEntryTextAsync(Guid entryId, string column, string? value) =>
        WithoutTriggersAsync($"UPDATE {_s}.target_history SET \"{column}\" = $2 WHERE id = $1", entryId, Text(value));

    public Task DeleteEntryAsync(Guid entryId) => WithoutTriggersAsync($"DELETE FROM {_s}.target_history WHERE id = $1", entryId);

    public Task CopyEntryAsync(Guid entryId, Guid newId) => WithoutTriggersAsync(
        $"""
        INSERT INTO {_s}.target_history
        SELECT (jsonb_populate_record(h, jsonb_build_object('id', $2::uuid, 'version', h.version + 1000))).* FROM {_s}.target_history AS h WHERE h.id = $1
        """,
        entryId, newId);

    public Task SwapOrderAsync(Guid first, Guid second) => WithoutTriggersAsync(
        $"""
        UPDATE {_s}.target_history AS h SET feed_seq = o.feed_seq, occurred_at = o.occurred_at, effective_at = o.effective_at
        FROM {_s}.target_history AS o WHERE (h.id, o.id) IN (($1, $2), ($2, $1))
        """,
        first, second);

    public Task RewindLedgerAsync(long position, string hash, string? sealedThrough) => WithoutTriggersAsync(
        $"""
        WITH gone AS (DELETE FROM {_s}.ledger_seals WHERE tenant_id = 'default' AND position > $1)
        UPDATE {_s}.ledger_heads SET position = $1, hash = $2, sealed_through = $3 WHERE tenant_id = 'default'
        """,
        position, hash, Text(sealedThrough));

    private static NpgsqlParameter Text(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    private async Task ExecuteAsync(string sql, params object[] parameters)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await ExecuteAsync(connection, sql, parameters);
    }

    // Foreign keys are triggers in PostgreSQL; a superuser's transaction in replica mode fires none of them. SET LOCAL, in one
    // transaction: behind PgBouncer in transaction mode a session's SET would reach another server connection than the statement.
    private Task WithoutTriggersAsync(string sql, params object[] parameters) => WithoutForeignKeysAsync(sql, parameters);

    private async Task WithoutForeignKeysAsync(string sql, params object[] parameters)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await ExecuteAsync(connection, "SET LOCAL session_replication_role = replica");
        await ExecuteAsync(connection, sql, parameters);
        await transaction.CommitAsync();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter as NpgsqlParameter ?? new NpgsqlParameter { Value = parameter });
        }

        await command.ExecuteNonQueryAsync();
    }
}
