using MySqlConnector;
using TargetTracking.Conformance;

namespace TargetTracking.MySql.Tests;

/// <summary>
/// Corrupts a MariaDB store with raw SQL as its owner, as a script would: history only gains rows (its triggers refuse
/// the rest), the unique version key can be dropped, ids are binary (always a GUID), markets are JSON but need not be
/// an array of text, and the CHECK on action can be switched off for a session.
/// </summary>
internal sealed class MySqlSaboteur(string connectionString) : IStoreSaboteur, IHistoryTamperer
{
    private const string Key = "UNHEX(REPLACE(@{0}, '-', ''))";

    public IReadOnlySet<Malformation> Plantable { get; } = new HashSet<Malformation> { Malformation.MarketsNotJson, Malformation.UnknownAction };

    public Task InsertHistoryAsync(HistoryEntry e) => ExecuteAsync(
        $"""
        INSERT INTO target_history (tenant_id, id, target_id, action, old_status, new_status, version, occurred_at, actor_name, correlation_id)
        VALUES ('default', {K("id")}, {K("target")}, @action, @old, @new, @version, @at, @actor, @correlation)
        """,
        ("id", e.Id.ToString("D")), ("target", e.TargetId.Value.ToString("D")), ("action", e.Action.ToString()), ("old", e.OldStatus), ("new", e.NewStatus),
        ("version", e.Version), ("at", e.OccurredAt.UtcDateTime), ("actor", e.ActorName), ("correlation", e.CorrelationId));

    public Task SetTargetStateAsync(TargetId id, string? status, long version) =>
        ExecuteAsync($"UPDATE targets SET status = @status, version = @version WHERE id = {K("id")}", ("id", id.Value.ToString("D")), ("status", status), ("version", version));

    public Task DeleteTargetRowAsync(TargetId id) => WithoutForeignKeysAsync($"DELETE FROM targets WHERE id = {K("id")}", ("id", id.Value.ToString("D")));

    public Task InsertLinkAsync(OutcomeLink link) => WithoutForeignKeysAsync(
        $"INSERT INTO outcome_links (tenant_id, target_id, item_id, kind) VALUES ('default', {K("target")}, {K("item")}, @kind)",
        ("target", link.TargetId.Value.ToString("D")), ("item", link.ItemId.ToString("D")), ("kind", link.Kind.ToString()));

    public Task DeleteItemRowAsync(Guid itemId) => WithoutForeignKeysAsync($"DELETE FROM hierarchy_items WHERE id = {K("id")}", ("id", itemId.ToString("D")));

    public Task InsertTargetRowAsync(Target t) => ExecuteAsync(
        $"""
        INSERT INTO targets (tenant_id, id, name, name_norm, description, markets, status, version, created_at, updated_at, status_changed_at)
        VALUES ('default', {K("id")}, @name, UPPER(@name), NULL, '[]', @status, @version, @at, @at, @at)
        """,
        ("id", t.Id.Value.ToString("D")), ("name", t.Name), ("status", t.Status), ("version", t.Version), ("at", t.CreatedAt.UtcDateTime));

    public Task AllowDuplicateVersionsAsync() => ExecuteAsync("ALTER TABLE target_history DROP INDEX IF EXISTS ux_target_history_target_version");

    public async Task<string> PlantAsync(Malformation malformation, TargetId target)
    {
        switch (malformation)
        {
            case Malformation.MarketsNotJson:
                // JSON, so the column's own check lets it in, but not an array of text.
                await ExecuteAsync($"UPDATE targets SET markets = '{{\"EU\": 1}}' WHERE id = {K("id")}", ("id", target.Value.ToString("D")));
                return target.Value.ToString("D");

            case Malformation.UnknownAction:
                var id = Guid.CreateVersion7().ToString("D");
                await ExecuteAsync(
                    $"""
                    SET SESSION check_constraint_checks = 0;
                    INSERT INTO target_history (tenant_id, id, target_id, action, version, occurred_at, correlation_id) VALUES ('default', {K("id")}, {K("target")}, 'Bogus', 99, UTC_TIMESTAMP(6), 'sabotage');
                    SET SESSION check_constraint_checks = 1;
                    """,
                    ("id", id),
                    ("target", target.Value.ToString("D")));
                return id;

            default:
                throw new NotSupportedException($"MariaDB's binary ids refuse {malformation}.");
        }
    }

    public Task SetEntryTextAsync(Guid entryId, string column, string? value) =>
        WithoutGuardsAsync($"UPDATE target_history SET `{column}` = @value WHERE id = {K("id")}", ("id", entryId.ToString("D")), ("value", value));

    public Task DeleteEntryAsync(Guid entryId) => WithoutGuardsAsync($"DELETE FROM target_history WHERE id = {K("id")}", ("id", entryId.ToString("D")));

    public Task CopyEntryAsync(Guid entryId, Guid newId) => WithoutGuardsAsync(
        $"""
        CREATE TEMPORARY TABLE forged AS SELECT * FROM target_history WHERE id = {K("id")};
        UPDATE forged SET id = {K("newId")}, version = version + 1000;
        INSERT INTO target_history SELECT * FROM forged;
        DROP TEMPORARY TABLE forged
        """,
        ("id", entryId.ToString("D")), ("newId", newId.ToString("D")));

    public Task SwapOrderAsync(Guid first, Guid second) => WithoutGuardsAsync(
        $"""
        UPDATE target_history AS h JOIN target_history AS o ON (h.id = {K("first")} AND o.id = {K("second")}) OR (h.id = {K("second")} AND o.id = {K("first")})
        SET h.feed_seq = o.feed_seq, h.occurred_at = o.occurred_at, h.effective_at = o.effective_at
        """,
        ("first", first.ToString("D")), ("second", second.ToString("D")));

    public Task RewindLedgerAsync(long position, string hash, string? sealedThrough) => ExecuteAsync(
        """
        DELETE FROM ledger_seals WHERE tenant_id = 'default' AND position > @position;
        UPDATE ledger_heads SET position = @position, hash = @hash, sealed_through = @sealedThrough WHERE tenant_id = 'default'
        """,
        ("position", position), ("hash", hash), ("sealedThrough", sealedThrough));

    // The owner drops the append-only triggers (and the feed's stamp, which would renumber a copy) and edits as it likes.
    private Task WithoutGuardsAsync(string sql, params (string Name, object? Value)[] parameters) => WithoutForeignKeysAsync(
        "DROP TRIGGER IF EXISTS target_history_refuse_update; DROP TRIGGER IF EXISTS target_history_refuse_delete; DROP TRIGGER IF EXISTS target_history_feed_stamp; " + sql,
        parameters);

    private static string K(string name) => string.Format(System.Globalization.CultureInfo.InvariantCulture, Key, name);

    // The session's switch a script uses to load rows in any order.
    private Task WithoutForeignKeysAsync(string sql, params (string Name, object? Value)[] parameters) =>
        ExecuteAsync($"SET SESSION foreign_key_checks = 0; {sql}; SET SESSION foreign_key_checks = 1;", parameters);

    private async Task ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue("@" + name, value ?? DBNull.Value);
        }

        await command.ExecuteNonQueryAsync();
    }
}
