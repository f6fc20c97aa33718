using Dapper;
using Microsoft.Data.Sqlite;
using TargetTracking.Conformance;

namespace TargetTracking.Sqlite.Tests;

/// <summary>
/// Corrupts a SQLite store with raw SQL on its own connection, as a script would: history only gains rows (its
/// guards refuse the rest), the unique version key can be dropped, and the column types let any text in.
/// </summary>
internal sealed class SqliteSaboteur(Linq2DbTargetStore repository) : IStoreSaboteur, IHistoryTamperer
{
    public IReadOnlySet<Malformation> Plantable { get; } = new HashSet<Malformation>(Enum.GetValues<Malformation>());

    public Task InsertHistoryAsync(HistoryEntry e) => ExecuteAsync(
        """
        INSERT INTO target_history (tenant_id, id, target_id, action, old_status, new_status, version, occurred_at, actor_name, correlation_id)
        VALUES ('default', @Id, @TargetId, @Action, @OldStatus, @NewStatus, @Version, @OccurredAt, @ActorName, @CorrelationId)
        """,
        new
        {
            Id = e.Id.ToString("D"),
            TargetId = e.TargetId.Value.ToString("D"),
            Action = e.Action.ToString(),
            e.OldStatus,
            e.NewStatus,
            e.Version,
            OccurredAt = e.OccurredAt.UtcTicks,
            e.ActorName,
            e.CorrelationId,
        });

    public Task SetTargetStateAsync(TargetId id, string? status, long version) =>
        ExecuteAsync("UPDATE targets SET status = @status, version = @version WHERE id = @id", new { id = id.Value.ToString("D"), status, version });

    public Task DeleteTargetRowAsync(TargetId id) =>
        WithoutForeignKeysAsync("DELETE FROM targets WHERE id = @id", new { id = id.Value.ToString("D") });

    public Task InsertLinkAsync(OutcomeLink link) => WithoutForeignKeysAsync(
        "INSERT INTO outcome_links (tenant_id, target_id, item_id, kind) VALUES ('default', @target, @item, @kind)",
        new { target = link.TargetId.Value.ToString("D"), item = link.ItemId.ToString("D"), kind = link.Kind.ToString() });

    public Task DeleteItemRowAsync(Guid itemId) =>
        WithoutForeignKeysAsync("DELETE FROM hierarchy_items WHERE id = @id", new { id = itemId.ToString("D") });

    public Task InsertTargetRowAsync(Target t) => ExecuteAsync(
        """
        INSERT INTO targets (tenant_id, id, name, name_norm, description, markets, status, version, created_at, updated_at, status_changed_at)
        VALUES ('default', @Id, @Name, @Name, NULL, '[]', @Status, @Version, @At, @At, @At)
        """,
        new { Id = t.Id.Value.ToString("D"), t.Name, t.Status, t.Version, At = t.CreatedAt.UtcTicks });

    // Since migration 0004 a trigger refuses any insert meeting an entry too: a script with DDL rights drops both.
    public Task AllowDuplicateVersionsAsync() =>
        ExecuteAsync("DROP INDEX IF EXISTS ux_target_history_target_version; DROP TRIGGER IF EXISTS target_history_refuse_overwrite;", null);

    public async Task<string> PlantAsync(Malformation malformation, TargetId target)
    {
        var id = Guid.CreateVersion7().ToString("D");
        var at = DateTimeOffset.UnixEpoch.UtcTicks;
        switch (malformation)
        {
            case Malformation.HistoryTargetIdNotGuid:
                await ExecuteAsync(
                    "INSERT INTO target_history (tenant_id, id, target_id, action, version, occurred_at, correlation_id) VALUES ('default', @id, 'not-a-guid', 'Created', 1, @at, 'sabotage')",
                    new { id, at });
                return id;

            case Malformation.MarketsNotJson:
                await ExecuteAsync("UPDATE targets SET markets = '{\"EU\": oops' WHERE id = @id", new { id = target.Value.ToString("D") });
                return target.Value.ToString("D");

            default:
                // The CHECK on action is the only thing in the way; a careless script can switch it off for its connection.
                await using (var connection = await OpenAsync())
                {
                    await connection.ExecuteAsync("PRAGMA ignore_check_constraints = ON");
                    await connection.ExecuteAsync(
                        "INSERT INTO target_history (tenant_id, id, target_id, action, version, occurred_at, correlation_id) VALUES ('default', @id, @target, 'Bogus', 99, @at, 'sabotage')",
                        new { id, target = target.Value.ToString("D"), at });
                    await connection.ExecuteAsync("PRAGMA ignore_check_constraints = OFF");
                }

                return id;
        }
    }

    public Task SetEntryTextAsync(Guid entryId, string column, string? value) =>
        WithoutGuardsAsync($"UPDATE target_history SET \"{column}\" = @value WHERE id = @id", new { id = entryId.ToString("D"), value });

    public Task DeleteEntryAsync(Guid entryId) => WithoutGuardsAsync("DELETE FROM target_history WHERE id = @id", new { id = entryId.ToString("D") });

    public Task CopyEntryAsync(Guid entryId, Guid newId) => WithoutGuardsAsync(
        """
        CREATE TEMP TABLE forged AS SELECT * FROM target_history WHERE id = @id;
        UPDATE forged SET id = @newId, version = version + 1000;
        INSERT INTO target_history SELECT * FROM forged;
        DROP TABLE forged;
        """,
        new { id = entryId.ToString("D"), newId = newId.ToString("D") });

    public Task SwapOrderAsync(Guid first, Guid second) => WithoutGuardsAsync(
        """
        CREATE TEMP TABLE swapped AS SELECT id, feed_seq, occurred_at, effective_at FROM target_history WHERE id IN (@first, @second);
        UPDATE target_history SET
            feed_seq = (SELECT feed_seq FROM swapped WHERE swapped.id <> target_history.id),
            occurred_at = (SELECT occurred_at FROM swapped WHERE swapped.id <> target_history.id),
            effective_at = (SELECT effective_at FROM swapped WHERE swapped.id <> target_history.id)
        WHERE id IN (@first, @second);
        DROP TABLE swapped;
        """,
        new { first = first.ToString("D"), second = second.ToString("D") });

    public Task RewindLedgerAsync(long position, string hash, string? sealedThrough) => ExecuteAsync(
        """
        DELETE FROM ledger_seals WHERE tenant_id = 'default' AND position > @position;
        UPDATE ledger_heads SET position = @position, hash = @hash, sealed_through = @sealedThrough WHERE tenant_id = 'default';
        """,
        new { position, hash, sealedThrough });

    // The owner of the file drops the append-only triggers and edits as it likes.
    private Task WithoutGuardsAsync(string sql, object parameters) => ExecuteAsync(
        "DROP TRIGGER IF EXISTS target_history_refuse_update; DROP TRIGGER IF EXISTS target_history_refuse_overwrite; DROP TRIGGER IF EXISTS target_history_refuse_delete;\n" + sql,
        parameters);

    private async Task ExecuteAsync(string sql, object? parameters)
    {
        await using var connection = await OpenAsync();
        await connection.ExecuteAsync(sql, parameters);
    }

    // A script switches the foreign keys off for its connection (they are per connection in SQLite, and the store turns them on).
    private async Task WithoutForeignKeysAsync(string sql, object parameters)
    {
        await using var connection = await OpenAsync();
        await connection.ExecuteAsync("PRAGMA foreign_keys = OFF");
        await connection.ExecuteAsync(sql, parameters);
        await connection.ExecuteAsync("PRAGMA foreign_keys = ON");
    }

    private async Task<SqliteConnection> OpenAsync() => await repository.Database().OpenAsync(CancellationToken.None);
}
