using System.Text.Json;
using LinqToDB;
using LinqToDB.Data;
using MySqlConnector;
using TargetTracking.Linq2Db;

namespace TargetTracking.MySql;

/// <summary>
/// The unit-of-work write of MariaDB/MySQL: updates and deletes join the rows to one JSON parameter read by
/// <c>JSON_TABLE</c>, each checked against its expected version; inserts are multi-row <c>INSERT</c>s; all of it sent in
/// as few <see cref="MySqlBatch"/>es as the size budget allows (one for a status change of 10,000 targets). Every statement
/// names the unit of work's tenant, the first column of every key: a column of the inserted rows, or a parameter after the JSON.
/// </summary>
internal sealed class MySqlBulkWriter(Linq2DbDialect dialect) : DialectWriter
{
    /// <summary>Rows per multi-row <c>INSERT</c>.</summary>
    internal const int InsertRows = 1000;

    /// <summary>Rows per <c>JSON_TABLE</c> statement.</summary>
    internal const int JsonRows = 5000;

    private const string InsertTargets =
        "INSERT INTO targets (tenant_id, id, name, name_norm, description, markets, status, version, created_at, updated_at, status_changed_at, amount_units, currency, owner_id) VALUES";

    private const string InsertMarkets = "INSERT INTO target_markets (tenant_id, target_id, market_norm) VALUES";

    private const string InsertHistory =
        "INSERT INTO target_history (tenant_id, id, target_id, action, old_status, new_status, version, occurred_at, effective_at, actor_id, actor_name, correlation_id, operation_id, client_address, user_agent, note";

    // Entries with an amount or owner (creates and updates): the columns of migration 0014 too.
    private const string DealColumns = ", old_amount_units, old_currency, new_amount_units, new_currency, old_owner_id, new_owner_id";

    // Moves into a closed-lost status with a reason: the column of migration 0016.
    private const string ReasonColumn = ", reason";

    // Status changes (StateUpdates.Split): JSON_TABLE drives (STRAIGHT_JOIN), each row found by primary key at its expected version.
    private const string UpdateStates = """
        UPDATE JSON_TABLE(?, '$[*]' COLUMNS (
                   id CHAR(32) PATH '$[0]', status VARCHAR(64) PATH '$[1]', version BIGINT PATH '$[2]',
                   updated_at DATETIME(6) PATH '$[3]', status_changed_at DATETIME(6) PATH '$[4]', expected BIGINT PATH '$[5]')) AS v
        STRAIGHT_JOIN targets AS t FORCE INDEX (PRIMARY) ON t.tenant_id = ? AND t.id = UNHEX(v.id) AND t.version = v.expected
        SET t.status = v.status, t.version = v.version, t.updated_at = v.updated_at, t.status_changed_at = v.status_changed_at
        """;

    private const string UpdateTargets = """
        UPDATE JSON_TABLE(?, '$[*]' COLUMNS (
                   id CHAR(32) PATH '$[0]', name VARCHAR(255) PATH '$[1]', name_norm VARCHAR(255) PATH '$[2]', description TEXT PATH '$[3]',
                   markets LONGTEXT PATH '$[4]', status VARCHAR(64) PATH '$[5]', version BIGINT PATH '$[6]', created_at DATETIME(6) PATH '$[7]',
                   updated_at DATETIME(6) PATH '$[8]', status_changed_at DATETIME(6) PATH '$[9]', expected BIGINT PATH '$[10]',
                   amount_units BIGINT PATH '$[11]', currency CHAR(3) PATH '$[12]', owner_id VARCHAR(256) PATH '$[13]')) AS v
        STRAIGHT_JOIN targets AS t FORCE INDEX (PRIMARY) ON t.tenant_id = ? AND t.id = UNHEX(v.id) AND t.version = v.expected
        SET t.name = v.name, t.name_norm = v.name_norm, t.description = v.description, t.markets = v.markets, t.status = v.status,
            t.version = v.version, t.created_at = v.created_at, t.updated_at = v.updated_at, t.status_changed_at = v.status_changed_at,
            t.amount_units = v.amount_units, t.currency = v.currency, t.owner_id = v.owner_id
        """;

    // target_markets rows go with their target (ON DELETE CASCADE).
    private const string DeleteTargets = """
        DELETE t FROM JSON_TABLE(?, '$[*]' COLUMNS (id CHAR(32) PATH '$[0]', expected BIGINT PATH '$[1]')) AS v
        STRAIGHT_JOIN targets AS t FORCE INDEX (PRIMARY) ON t.tenant_id = ? AND t.id = UNHEX(v.id) AND t.version = v.expected
        """;

    private const string IdsOf = "(SELECT UNHEX(j.id) FROM JSON_TABLE(?, '$[*]' COLUMNS (id CHAR(32) PATH '$')) AS j)";

    // JSON_TABLE drives, each target's rows found by key: an IN over JSON_TABLE ran as a dependent subquery over the whole table.
    private const string DeleteMarkets = "DELETE m FROM " + IdRows + " STRAIGHT_JOIN target_markets AS m ON m.tenant_id = ? AND m.target_id = UNHEX(j.id)";

    private const string IdRows = "JSON_TABLE(?, '$[*]' COLUMNS (id CHAR(32) PATH '$')) AS j";

    // A target's open stay, by ix_target_stays_open_by_target (migration 0010): one seek, however long its history.
    private const string CloseStays = """
        UPDATE JSON_TABLE(?, '$[*]' COLUMNS (
                   id CHAR(32) PATH '$[0]', exited BIGINT PATH '$[1]', next_status VARCHAR(64) PATH '$[2]', ended_by_delete INT PATH '$[3]')) AS v
        STRAIGHT_JOIN target_stays AS s FORCE INDEX (ix_target_stays_open_by_target) ON s.tenant_id = ? AND s.target_id = UNHEX(v.id) AND s.exited_us IS NULL
        SET s.exited_us = v.exited, s.next_status = v.next_status, s.ended_by_delete = v.ended_by_delete
        """;

    private const string InsertStays = "INSERT INTO target_stays (tenant_id, target_id, version, status, entered_us, exited_us, next_status, ended_by_delete) VALUES";

    private const string DeleteStays = "DELETE s FROM " + IdRows + " STRAIGHT_JOIN target_stays AS s ON s.tenant_id = ? AND s.target_id = UNHEX(j.id)";

    // The delete trigger of target_history lets a row go only while this connection holds the permit, and only this
    // procedure (SQL SECURITY DEFINER, migration 0004) may write one: it deletes the targets at their expected versions
    // and the history of exactly those, and refuses a count that differs.
    private const string DeleteTargetsPurgingHistory = "CALL targettracking_delete_targets_purging_history(?, ?)";

    private const string DeleteTenant = "CALL targettracking_delete_tenant(@tenant, @id, @deleted_at, @reason, @actor_id, @actor_name, @correlation_id, @client_address, @user_agent)";

    private const string EraseHistory = "CALL targettracking_erase_history(@tenant, @id, @erased_at, @reason, @actor_id, @actor_name, @correlation_id, @client_address, @user_agent, @subject, @target_id, @targets, @erased_actor)";

    // The statements that recompute the stays of the targets in the JSON array parameter (StaysTable.Refresh); the tenant,
    // then the ids.
    private readonly (string Delete, string Insert) _staysRefresh =
        StaysTable.Refresh(dialect, column => $"{column} IN {IdsOf}", "?");

    /// <summary>The privileged path: <c>targettracking_delete_tenant</c>, a definer procedure the run-time user runs only when granted.</summary>
    public override Task<(long Targets, long HistoryEntries)> DeleteTenantAsync(DataConnection db, TenantDeletion deletion, CancellationToken cancellationToken) =>
        CallDeleteTenantAsync(
            db,
            DeleteTenant,
            deletion,
            [Tenancy.Parameter(db), new("id", Stored.Id(deletion.Id), DataType.VarBinary), new("deleted_at", Stored.Time(deletion.DeletedAt), DataType.DateTime2)],
            cancellationToken);

    /// <summary>The privileged path: <c>targettracking_erase_history</c>, a definer procedure the run-time user runs only when granted.</summary>
    public override Task<long> EraseHistoryAsync(DataConnection db, Erasure erasure, string? actorId, CancellationToken cancellationToken) =>
        CallEraseHistoryAsync(
            db,
            EraseHistory,
            erasure,
            actorId,
            [
                Tenancy.Parameter(db),
                new("id", Stored.Id(erasure.Id), DataType.VarBinary),
                new("erased_at", Stored.Time(erasure.ErasedAt), DataType.DateTime2),
                new("target_id", erasure.TargetId is { } target ? Stored.Id(target.Value) : null, DataType.VarBinary),
            ],
            cancellationToken);

    public override Task<WriteCounts> WriteAsync(DataConnection db, ChangeSet changes, IReadOnlyDictionary<TargetId, Target> locked, CancellationToken cancellationToken) =>
        WriteAsync((MySqlConnection)Linq2DbDialect.ConnectionOf(db)!, db.Transaction as MySqlTransaction, _staysRefresh, changes, locked, db.TenantOf(), cancellationToken);


    /// <summary>Writes a unit of work's changes; returns how many targets each kind of write matched.</summary>
    private static async Task<WriteCounts> WriteAsync(
        MySqlConnection connection, MySqlTransaction? transaction, (string Delete, string Insert) staysRefresh, ChangeSet changes, IReadOnlyDictionary<TargetId, Target> known, string tenant, CancellationToken cancellationToken)
    {
        var statements = new MySqlStatements(connection, transaction);
        await using (statements.ConfigureAwait(false))
        {
            var updated = new List<RowCount?>();
            var deleted = new List<RowCount?>();

            if (changes.Inserts.Count > 0)
            {
                // A multi-row INSERT inserts every row or fails (a duplicate key is a conflict): no count to read.
                foreach (var chunk in changes.Inserts.Chunk(InsertRows))
                {
                    await AddTargetInsertAsync(statements, chunk, tenant, cancellationToken).ConfigureAwait(false);
                }

                await AddMarketInsertsAsync(statements, changes.Inserts, tenant, cancellationToken).ConfigureAwait(false);
            }

            if (changes.Updates.Count > 0)
            {
                var (states, full) = StateUpdates.Split(changes.Updates, known);
                foreach (var chunk in states.Chunk(JsonRows))
                {
                    updated.Add(await AddJsonAsync(statements, UpdateStates, chunk, StateRow, chunk.Length * 120L, tenant, cancellationToken).ConfigureAwait(false));
                }

                foreach (var chunk in full.Chunk(JsonRows))
                {
                    updated.Add(await AddJsonAsync(statements, UpdateTargets, chunk, TargetRow, chunk.Sum(u => TargetSize(u.Target)), tenant, cancellationToken).ConfigureAwait(false));
                }

                // A status change leaves the markets alone: rewrite the side table only for targets whose markets changed.
                var remarketed = StateUpdates.Remarketed(full, known);
                if (remarketed.Count > 0)
                {
                    foreach (var chunk in remarketed.Chunk(JsonRows))
                    {
                        await statements.AddAsync(DeleteMarkets, [Stored.Ids(chunk.Select(t => t.Id.Value)), tenant], chunk.Length * 40L, null, counted: false, cancellationToken).ConfigureAwait(false);
                    }

                    await AddMarketInsertsAsync(statements, remarketed, tenant, cancellationToken).ConfigureAwait(false);
                }
            }

            // Targets whose history goes with them are deleted by the purge procedure, the only way history can be deleted.
            var purge = changes.PurgeHistory.Count == 0 ? null : changes.PurgeHistory.ToHashSet();
            foreach (var chunk in changes.Deletes.Where(d => purge is null || !purge.Contains(d.Id)).Chunk(JsonRows))
            {
                deleted.Add(await AddJsonAsync(statements, DeleteTargets, chunk, DeleteRow, chunk.Length * 60L, tenant, cancellationToken).ConfigureAwait(false));
            }

            var purged = 0L;
            foreach (var chunk in changes.Deletes.Where(d => purge is not null && purge.Contains(d.Id)).Chunk(JsonRows))
            {
                // Not counted by ROW_COUNT() (after a CALL it sums every statement of the procedure): the procedure refuses a miss.
                await statements.AddAsync(DeleteTargetsPurgingHistory, [tenant, Stored.Rows(chunk, DeleteRow)], chunk.Length * 60L, null, counted: false, cancellationToken).ConfigureAwait(false);
                purged += chunk.Length;
            }

            foreach (var chunk in changes.History.Chunk(InsertRows))
            {
                await AddHistoryInsertAsync(statements, chunk, tenant, cancellationToken).ConfigureAwait(false);
            }

            // After the history: the stays the unit opens and closes (StayChanges), then those rebuilt from their entries.
            var stays = StayChanges.Of(changes);
            foreach (var chunk in stays.Closes.Chunk(JsonRows))
            {
                await AddJsonAsync(statements, CloseStays, chunk, CloseRow, chunk.Length * 80L, tenant, cancellationToken, counted: false).ConfigureAwait(false);
            }

            foreach (var chunk in stays.Opens.Chunk(InsertRows))
            {
                object?[] values = [.. chunk.SelectMany(s => new object?[] { tenant, Stored.Id(s.TargetId), s.Version, s.Status, s.EnteredUs, s.ExitedUs, s.NextStatus, s.EndedByDelete ? 1 : 0 })];
                await statements.AddAsync(MySqlStatements.Values(InsertStays, chunk.Length, 8), values, chunk.Length * 80L, null, counted: false, cancellationToken).ConfigureAwait(false);
            }

            foreach (var chunk in stays.Purged.Chunk(JsonRows))
            {
                await statements.AddAsync(DeleteStays, [Stored.Ids(chunk), tenant], chunk.Length * 40L, null, counted: false, cancellationToken).ConfigureAwait(false);
            }

            foreach (var chunk in stays.Rebuild.Chunk(JsonRows))
            {
                var ids = Stored.Ids(chunk);
                await statements.AddAsync(staysRefresh.Delete, [tenant, ids], chunk.Length * 40L, null, counted: false, cancellationToken).ConfigureAwait(false);
                await statements.AddAsync(staysRefresh.Insert, [tenant, ids], chunk.Length * 40L, null, counted: false, cancellationToken).ConfigureAwait(false);
            }

            await statements.FlushAsync(cancellationToken).ConfigureAwait(false);
            return new WriteCounts(changes.Inserts.Count, updated.Sum(c => c!.Value), deleted.Sum(c => c!.Value) + purged);
        }
    }


    /// <summary>A statement over rows read by <c>JSON_TABLE</c> (its first parameter), then the tenant.</summary>
    private static Task<RowCount?> AddJsonAsync<T>(
        MySqlStatements statements, string sql, IReadOnlyList<T> rows, Action<Utf8JsonWriter, T> row, long size, string tenant, CancellationToken cancellationToken, bool counted = true) =>
        statements.AddAsync(sql, [Stored.Rows(rows, row), tenant], size, null, counted, cancellationToken);

    private static void CloseRow(Utf8JsonWriter w, StayClose close)
    {
        w.WriteStartArray();
        Stored.Hex(w, close.TargetId);
        w.WriteNumberValue(close.ExitedUs);
        w.WriteStringValue(close.NextStatus);
        w.WriteNumberValue(close.EndedByDelete ? 1 : 0);
        w.WriteEndArray();
    }

    private static void StateRow(Utf8JsonWriter w, TargetWrite update)
    {
        var t = update.Target;
        w.WriteStartArray();
        Stored.Hex(w, t.Id.Value);
        w.WriteStringValue(t.Status);
        w.WriteNumberValue(t.Version);
        Stored.Time(w, t.UpdatedAt);
        Stored.Time(w, t.StatusChangedAt);
        w.WriteNumberValue(update.ExpectedVersion);
        w.WriteEndArray();
    }

    private static void TargetRow(Utf8JsonWriter w, TargetWrite update)
    {
        var t = update.Target;
        w.WriteStartArray();
        Stored.Hex(w, t.Id.Value);
        w.WriteStringValue(t.Name);
        w.WriteStringValue(TextSearch.Normalize(t.Name));
        w.WriteStringValue(t.Description);
        w.WriteStringValue(MarketsJson.Write(t.Markets));
        w.WriteStringValue(t.Status);
        w.WriteNumberValue(t.Version);
        Stored.Time(w, t.CreatedAt);
        Stored.Time(w, t.UpdatedAt);
        Stored.Time(w, t.StatusChangedAt);
        w.WriteNumberValue(update.ExpectedVersion);
        if (MoneyUnits.Of(t.Amount) is { } units)
        {
            w.WriteNumberValue(units);
        }
        else
        {
            w.WriteNullValue();
        }

        w.WriteStringValue(t.Amount?.Currency);
        w.WriteStringValue(t.OwnerId);
        w.WriteEndArray();
    }

    private static void DeleteRow(Utf8JsonWriter w, TargetDelete delete)
    {
        w.WriteStartArray();
        Stored.Hex(w, delete.Id.Value);
        w.WriteNumberValue(delete.ExpectedVersion);
        w.WriteEndArray();
    }

    private static long TargetSize(Target t) =>
        130 + (2 * MySqlStatements.Size(t.Name)) + MySqlStatements.Size(t.Description) + t.Markets.Sum(m => 2 * MySqlStatements.Size(m)) + MySqlStatements.Size(t.OwnerId);

    private static Task<RowCount?> AddTargetInsertAsync(MySqlStatements statements, Target[] targets, string tenant, CancellationToken cancellationToken)
    {
        var values = new List<object?>(targets.Length * 14);
        foreach (var t in targets)
        {
            values.Add(tenant);
            values.Add(Stored.Id(t.Id.Value));
            values.Add(t.Name);
            values.Add(TextSearch.Normalize(t.Name));
            values.Add(t.Description);
            values.Add(MarketsJson.Write(t.Markets));
            values.Add(t.Status);
            values.Add(t.Version);
            values.Add(Stored.Time(t.CreatedAt));
            values.Add(Stored.Time(t.UpdatedAt));
            values.Add(Stored.Time(t.StatusChangedAt));
            values.Add(MoneyUnits.Of(t.Amount));
            values.Add(t.Amount?.Currency);
            values.Add(t.OwnerId);
        }

        // In a batch of their own: a duplicate key there is a target's, which MySqlErrors.Translate makes a conflict.
        return statements.AddAsync(
            MySqlStatements.Values(InsertTargets, targets.Length, 14), values, targets.Sum(TargetSize), MySqlErrors.TargetsTable, counted: false, cancellationToken);
    }

    private static async Task AddMarketInsertsAsync(MySqlStatements statements, IEnumerable<Target> targets, string tenant, CancellationToken cancellationToken)
    {
        // Two markets that differ only in case are refused by the core: the normalized ones of a target are distinct.
        var rows = targets.SelectMany(t => t.Markets.Select(m => (Id: t.Id.Value, Market: TextSearch.Normalize(m)))).ToList();
        foreach (var chunk in rows.Chunk(InsertRows))
        {
            var values = new List<object?>(chunk.Length * 3);
            foreach (var (id, market) in chunk)
            {
                values.Add(tenant);
                values.Add(Stored.Id(id));
                values.Add(market);
            }

            await statements.AddAsync(
                MySqlStatements.Values(InsertMarkets, chunk.Length, 3), values, chunk.Sum(m => 40 + MySqlStatements.Size(m.Market)), null, counted: false, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Task<RowCount?> AddHistoryInsertAsync(MySqlStatements statements, HistoryEntry[] entries, string tenant, CancellationToken cancellationToken)
    {
        // Amount and owner columns only with entries that carry them (creates and updates), not with status changes.
        var deals = entries.Any(h => h.NewAmount is not null || h.OldAmount is not null || h.NewOwnerId is not null || h.OldOwnerId is not null);
        var reasons = entries.Any(h => h.Reason is not null);
        var columns = 16 + (deals ? 6 : 0) + (reasons ? 1 : 0);
        var values = new List<object?>(entries.Length * columns);
        long size = 0;
        foreach (var e in entries)
        {
            values.Add(tenant);
            values.Add(Stored.Id(e.Id));
            values.Add(Stored.Id(e.TargetId.Value));
            values.Add(e.Action.ToString());
            values.Add(e.OldStatus);
            values.Add(e.NewStatus);
            values.Add(e.Version);
            values.Add(Stored.Time(e.OccurredAt));
            values.Add(Stored.Time(e.EffectiveAt));
            values.Add(e.ActorId);
            values.Add(e.ActorName);
            values.Add(e.CorrelationId);
            values.Add(e.OperationId);
            values.Add(e.ClientAddress);
            values.Add(e.UserAgent);
            values.Add(e.Note);
            if (deals)
            {
                values.Add(MoneyUnits.Of(e.OldAmount));
                values.Add(e.OldAmount?.Currency);
                values.Add(MoneyUnits.Of(e.NewAmount));
                values.Add(e.NewAmount?.Currency);
                values.Add(e.OldOwnerId);
                values.Add(e.NewOwnerId);
                size += 60 + MySqlStatements.Size(e.OldOwnerId) + MySqlStatements.Size(e.NewOwnerId);
            }

            if (reasons)
            {
                values.Add(e.Reason);
                size += 4 + MySqlStatements.Size(e.Reason);
            }

            size += 128 + MySqlStatements.Size(e.ActorId) + MySqlStatements.Size(e.ActorName) + MySqlStatements.Size(e.CorrelationId)
                + MySqlStatements.Size(e.OperationId) + MySqlStatements.Size(e.ClientAddress) + MySqlStatements.Size(e.UserAgent) + MySqlStatements.Size(e.Note);
        }

        return statements.AddAsync(MySqlStatements.Values(InsertHistory + (deals ? DealColumns : string.Empty) + (reasons ? ReasonColumn : string.Empty) + ") VALUES", entries.Length, columns), values, size, null, counted: false, cancellationToken);
    }
}
