using LinqToDB;
using LinqToDB.Data;
using Microsoft.Data.Sqlite;
using TargetTracking.Linq2Db;

namespace TargetTracking.Sqlite;

/// <summary>
/// The unit-of-work write of SQLite: each kind of write is one prepared statement run per row inside the session's
/// transaction (<see cref="PreparedBatch{T}"/>). SQLite has no network round trip, so this is its set-based write. Every
/// statement names the unit of work's tenant (<c>@Tenant</c>, or a column of the VALUES rows), the first column of every key.
/// </summary>
internal sealed class SqliteBulkWriter(Linq2DbDialect dialect) : DialectWriter
{
    private const string InsertTarget = """
        INSERT INTO targets (tenant_id, id, name, name_norm, description, markets, status, version, created_at, updated_at, status_changed_at,
                             amount_units, currency, owner_id)
        VALUES (@Tenant, @Id, @Name, @NameNorm, @Description, @Markets, @Status, @Version, @CreatedAt, @UpdatedAt, @StatusChangedAt,
                @AmountUnits, @Currency, @OwnerId)
        ON CONFLICT (tenant_id, id) DO NOTHING
        """;

    private const string UpdateTarget = """
        UPDATE targets
        SET name = @Name, name_norm = @NameNorm, description = @Description, markets = @Markets, status = @Status,
            version = @Version, updated_at = @UpdatedAt, status_changed_at = @StatusChangedAt,
            amount_units = @AmountUnits, currency = @Currency, owner_id = @OwnerId
        WHERE tenant_id = @Tenant AND id = @Id AND version = @ExpectedVersion
        """;

    private const string DeleteTarget = "DELETE FROM targets WHERE tenant_id = @Tenant AND id = @Id AND version = @ExpectedVersion";

    private const string DeleteMarkets = "DELETE FROM target_markets WHERE tenant_id = @Tenant AND target_id = @Id";

    // Two markets that differ only in case are refused by the core; the conflict clause only guards the key.
    private const string InsertMarket = "INSERT INTO target_markets (tenant_id, target_id, market_norm) VALUES (@Tenant, @TargetId, @MarketNorm) ON CONFLICT DO NOTHING";

    private const string PurgeHistory = "DELETE FROM target_history WHERE tenant_id = @Tenant AND target_id = @Id";

    // A target's open stay, by ix_target_stays_open_by_target (migrations 0010, 0011; named, since without statistics SQLite may
    // pick the index on exited_us, which holds every target's open stay): one row, however long the target's history.
    internal const string CloseStay = "UPDATE target_stays INDEXED BY ix_target_stays_open_by_target SET exited_us = @Exited, next_status = @Next, ended_by_delete = @ByDelete WHERE tenant_id = @Tenant AND target_id = @Id AND exited_us IS NULL";

    private const string InsertStay = """
        INSERT INTO target_stays (tenant_id, target_id, version, status, entered_us, exited_us, next_status, ended_by_delete)
        VALUES (@Tenant, @Id, @Version, @Status, @Entered, @Exited, @Next, @ByDelete)
        """;

    internal const string DeleteStays = "DELETE FROM target_stays WHERE tenant_id = @Tenant AND target_id = @Id";

    /// <summary>The SQL function the history delete trigger asks (migration 0004); no database defines it, only the purge does, for its statement.</summary>
    internal const string PurgePermit = "targettracking_history_purge_permit";

    private static readonly BatchParameter<TargetWrite>[] TargetParameters =
    [
        new("@Id", w => Stored.Id(w.Target.Id)),
        new("@Name", w => w.Target.Name),
        new("@NameNorm", w => TextSearch.Normalize(w.Target.Name)),
        new("@Description", w => w.Target.Description),
        new("@Markets", w => MarketsJson.Write(w.Target.Markets)),
        new("@Status", w => w.Target.Status),
        new("@Version", w => w.Target.Version),
        new("@CreatedAt", w => Stored.Time(w.Target.CreatedAt)),
        new("@UpdatedAt", w => Stored.Time(w.Target.UpdatedAt)),
        new("@StatusChangedAt", w => Stored.Time(w.Target.StatusChangedAt)),
        new("@ExpectedVersion", w => w.ExpectedVersion),
        new("@AmountUnits", w => MoneyUnits.Of(w.Target.Amount)),
        new("@Currency", w => w.Target.Amount?.Currency),
        new("@OwnerId", w => w.Target.OwnerId),
    ];

    // Status changes: only the state columns travel, joined to the rows by id at their expected version.
    internal const string UpdateStatesFrom = """
        UPDATE targets
        SET status = v.column2, version = v.column3, updated_at = v.column4, status_changed_at = v.column5
        FROM (VALUES 
        """;

    internal const string UpdateStatesWhere = ") AS v WHERE targets.tenant_id = v.column7 AND targets.id = v.column1 AND targets.version = v.column6";

    private const string InsertHistoryPrefix = """
        INSERT INTO target_history (tenant_id, id, target_id, action, old_status, new_status, version, occurred_at, effective_at,
                                    actor_id, actor_name, correlation_id, operation_id, client_address, user_agent, note, feed_seq
        """;

    // Entries with an amount or owner (creates and updates): the columns of migration 0014 too.
    private const string DealColumns = ", old_amount_units, old_currency, new_amount_units, new_currency, old_owner_id, new_owner_id";

    // Moves into a closed-lost status with a reason: the column of migration 0016.
    private const string ReasonColumn = ", reason";

    private const string AdvanceFeedClock = "UPDATE target_feed_clock SET seq = seq + 1 WHERE singleton = 1 RETURNING seq";

    private static readonly BatchParameter<TargetDelete>[] DeleteParameters =
    [
        new("@Id", d => Stored.Id(d.Id)),
        new("@ExpectedVersion", d => d.ExpectedVersion),
    ];

    private static readonly BatchParameter<TargetId>[] IdParameter = [new("@Id", id => Stored.Id(id))];

    private static readonly BatchParameter<string>[] IdsParameter = [new("@ids", json => json)];

    private static readonly BatchParameter<StayClose>[] CloseStayParameters =
    [
        new("@Id", c => Stored.Id(c.TargetId)), new("@Exited", c => c.ExitedUs), new("@Next", c => c.NextStatus), new("@ByDelete", c => c.EndedByDelete ? 1 : 0),
    ];

    private static readonly BatchParameter<StayRow>[] StayParameters =
    [
        new("@Id", s => Stored.Id(s.TargetId)), new("@Version", s => s.Version), new("@Status", s => s.Status), new("@Entered", s => s.EnteredUs),
        new("@Exited", s => s.ExitedUs), new("@Next", s => s.NextStatus), new("@ByDelete", s => s.EndedByDelete ? 1 : 0),
    ];

    private static readonly BatchParameter<(string TargetId, string MarketNorm)>[] MarketParameters =
    [
        new("@TargetId", m => m.TargetId),
        new("@MarketNorm", m => m.MarketNorm),
    ];

    // The statements that recompute the stays of the targets in the JSON array @ids (StaysTable.Refresh).
    private readonly (string Delete, string Insert) _staysRefresh = StaysTable.Refresh(dialect, column => $"{column} IN (SELECT value FROM json_each(@ids))", "@Tenant");

    public override Task<WriteCounts> WriteAsync(DataConnection db, ChangeSet changes, IReadOnlyDictionary<TargetId, Target> locked, CancellationToken cancellationToken) =>
        WriteAsync(new Unit((SqliteConnection)Linq2DbDialect.ConnectionOf(db)!, (SqliteTransaction)db.Transaction!, db.TenantOf()), _staysRefresh, changes, locked, cancellationToken);


    /// <summary>
    /// The library's own purge path: the history delete triggers (migrations 0004, 0013) let a delete through only while the
    /// permit function answers 1, and only this connection defines it, only for these statements.
    /// </summary>
    public override async Task<(long Targets, long HistoryEntries)> DeleteTenantAsync(DataConnection db, TenantDeletion deletion, CancellationToken cancellationToken)
    {
        var connection = (SqliteConnection)Linq2DbDialect.ConnectionOf(db)!;
        long targets = 0, historyEntries = 0;
        connection.CreateFunction<long?>(PurgePermit, () => 1);
        try
        {
            foreach (var table in Tables.TenantRows(dialect.Schema.Shape.MarketsTable))
            {
                var deleted = await db.ExecuteAsync($"DELETE FROM {table} WHERE tenant_id = @tenant", cancellationToken, Tenancy.Parameter(db)).ConfigureAwait(false);
                (targets, historyEntries) = table switch
                {
                    Tables.Targets => (deleted, historyEntries),
                    Tables.History => (targets, deleted),
                    _ => (targets, historyEntries),
                };
            }
        }
        finally
        {
            // Withdrawn, not removed: a pooled connection that meets the trigger again is refused as append-only.
            connection.CreateFunction<long?>(PurgePermit, () => null);
        }

        await db.InsertAsync(TenantDeletionRecord.From(deletion with { Targets = targets, HistoryEntries = historyEntries }), token: cancellationToken).ConfigureAwait(false);
        return (targets, historyEntries);
    }

    /// <summary>
    /// The library's own erasure path: the history update trigger (migration 0017) lets an update through only while the permit
    /// function answers 1, and only this connection defines it, only for this statement. The statements are LINQ; SQLite
    /// evaluates every assignment on the row as it was, so the actor id is compared before it is replaced.
    /// </summary>
    public override async Task<long> EraseHistoryAsync(DataConnection db, Erasure erasure, string? actorId, CancellationToken cancellationToken)
    {
        long entries = 0;
        if (actorId is not null)
        {
            var named = db.GetTable<HistoryRecord>().Where(h => h.ActorId == actorId || h.OldOwnerId == actorId || h.NewOwnerId == actorId);
            var (tenant, erasureId) = (erasure.Tenant, erasure.Id);
            entries = await named.Select(h => new ErasedEntryRecord { TenantId = tenant, EntryId = h.Id, ErasureId = erasureId })
                .InsertAsync(db.GetTable<ErasedEntryRecord>(), r => r, cancellationToken).ConfigureAwait(false);
            var connection = (SqliteConnection)Linq2DbDialect.ConnectionOf(db)!;
            connection.CreateFunction<long?>(PurgePermit, () => 1);
            try
            {
                await named
                    .Set(h => h.ActorName, h => h.ActorId == actorId ? null : h.ActorName)
                    .Set(h => h.ClientAddress, h => h.ActorId == actorId ? null : h.ClientAddress)
                    .Set(h => h.UserAgent, h => h.ActorId == actorId ? null : h.UserAgent)
                    .Set(h => h.Note, h => h.ActorId == actorId ? null : h.Note)
                    .Set(h => h.OldOwnerId, h => h.OldOwnerId == actorId ? null : h.OldOwnerId)
                    .Set(h => h.NewOwnerId, h => h.NewOwnerId == actorId ? null : h.NewOwnerId)
                    .Set(h => h.ActorId, h => h.ActorId == actorId ? null : h.ActorId)
                    .UpdateAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // Withdrawn, not removed: a pooled connection that meets the trigger again is refused as append-only.
                connection.CreateFunction<long?>(PurgePermit, () => null);
            }
        }

        await db.InsertAsync(ErasureRecord.From(erasure with { Entries = entries }), token: cancellationToken).ConfigureAwait(false);
        return entries;
    }

    /// <summary>Writes a unit of work's changes: each kind of write one prepared statement run per row.</summary>
    private static async Task<WriteCounts> WriteAsync(
        Unit unit, (string Delete, string Insert) staysRefresh, ChangeSet changes, IReadOnlyDictionary<TargetId, Target> known, CancellationToken cancellationToken)
    {
        var (connection, transaction, tenant) = (unit.Connection, unit.Transaction, unit.Tenant);
        long inserted = 0, updated = 0, deleted = 0;

        if (changes.Inserts.Count > 0)
        {
            inserted = await ExecuteAsync(unit, InsertTarget, TargetParameters, changes.Inserts.Select(t => new TargetWrite(t, 0)), cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(unit, InsertMarket, MarketParameters, changes.Inserts.SelectMany(Markets), cancellationToken).ConfigureAwait(false);
        }

        if (changes.Updates.Count > 0)
        {
            var (states, full) = StateUpdates.Split(changes.Updates, known);
            updated = await UpdateStatesAsync(connection, transaction, states, tenant, cancellationToken).ConfigureAwait(false);
            updated += await ExecuteAsync(unit, UpdateTarget, TargetParameters, full, cancellationToken).ConfigureAwait(false);

            // A status change leaves the markets alone: rewrite the side table only for targets whose markets changed.
            var remarketed = StateUpdates.Remarketed(full, known);
            if (remarketed.Count > 0)
            {
                await ExecuteAsync(unit, DeleteMarkets, IdParameter, remarketed.Select(t => t.Id), cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(unit, InsertMarket, MarketParameters, remarketed.SelectMany(Markets), cancellationToken).ConfigureAwait(false);
            }
        }

        if (changes.Deletes.Count > 0)
        {
            // target_markets rows go with their target (ON DELETE CASCADE).
            deleted = await ExecuteAsync(unit, DeleteTarget, DeleteParameters, changes.Deletes, cancellationToken).ConfigureAwait(false);
        }

        if (changes.PurgeHistory.Count > 0)
        {
            // The delete trigger lets a DELETE through only while targettracking_history_purge_permit() answers 1: the
            // function exists on this connection only, and answers 1 only while this statement runs.
            connection.CreateFunction<long?>(PurgePermit, () => 1);
            try
            {
                await ExecuteAsync(unit, PurgeHistory, IdParameter, changes.PurgeHistory, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // Withdrawn, not removed: a pooled connection that meets the trigger again is refused as append-only.
                connection.CreateFunction<long?>(PurgePermit, () => null);
            }
        }

        if (changes.History.Count > 0)
        {
            await InsertHistoryAsync(connection, transaction, changes.History, tenant, cancellationToken).ConfigureAwait(false);
        }

        // After the history: the stays the unit opens and closes (StayChanges), then those rebuilt from their entries.
        var stays = StayChanges.Of(changes);
        await ExecuteAsync(unit, CloseStay, CloseStayParameters, stays.Closes, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(unit, InsertStay, StayParameters, stays.Opens, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(unit, DeleteStays, IdParameter, stays.Purged.Select(id => new TargetId(id)), cancellationToken).ConfigureAwait(false);
        if (stays.Rebuild.Count > 0)
        {
            string[] ids = [Stored.Ids(stays.Rebuild)];
            await ExecuteAsync(unit, staysRefresh.Delete, IdsParameter, ids, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(unit, staysRefresh.Insert, IdsParameter, ids, cancellationToken).ConfigureAwait(false);
        }

        return new WriteCounts(inserted, updated, deleted);
    }

    private static async Task<int> UpdateStatesAsync(SqliteConnection connection, SqliteTransaction transaction, List<TargetWrite> states, string tenant, CancellationToken cancellationToken)
    {
        var statement = new ValuesStatement();
        var updated = 0;
        foreach (var write in states)
        {
            var t = write.Target;
            statement.Row().Id(t.Id.Value).Text(t.Status).Integer(t.Version).Integer(Stored.Time(t.UpdatedAt)).Integer(Stored.Time(t.StatusChangedAt)).Integer(write.ExpectedVersion).Text(tenant);
            if (statement.IsFull)
            {
                updated += await statement.FlushAsync(connection, transaction, UpdateStates, cancellationToken).ConfigureAwait(false);
            }
        }

        return updated + await statement.FlushAsync(connection, transaction, UpdateStates, cancellationToken).ConfigureAwait(false);
    }

    private static async Task InsertHistoryAsync(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<HistoryEntry> history, string tenant, CancellationToken cancellationToken)
    {
        // The change feed's commit sequence (migration 0008): one writer holds the database at a time, so taking the
        // next value inside the write transaction orders units of work as they commit.
        long sequence;
        var tick = connection.CreateCommand();
        await using (tick.ConfigureAwait(false))
        {
            tick.Transaction = transaction;
            tick.CommandText = AdvanceFeedClock;
            sequence = (long)(await tick.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        // Amount and owner columns only with entries that carry them (creates and updates), not with status changes.
        var deals = history.Any(h => h.NewAmount is not null || h.OldAmount is not null || h.NewOwnerId is not null || h.OldOwnerId is not null);
        var reasons = history.Any(h => h.Reason is not null);
        var prefix = InsertHistoryPrefix + (deals ? DealColumns : string.Empty) + (reasons ? ReasonColumn : string.Empty) + ") VALUES ";
        string Insert(string values) => prefix + values;
        Func<string, string> insert = Insert;
        var statement = new ValuesStatement();
        foreach (var h in history)
        {
            statement.Row().Text(tenant).Id(h.Id).Id(h.TargetId.Value).Text(h.Action.ToString()).Text(h.OldStatus).Text(h.NewStatus).Integer(h.Version).Integer(Stored.Time(h.OccurredAt))
                .Integer(Stored.Time(h.EffectiveAt))
                .Text(h.ActorId).Text(h.ActorName).Text(h.CorrelationId).Text(h.OperationId).Text(h.ClientAddress).Text(h.UserAgent).Text(h.Note).Integer(sequence);
            if (deals)
            {
                statement.Integer(MoneyUnits.Of(h.OldAmount)).Text(h.OldAmount?.Currency).Integer(MoneyUnits.Of(h.NewAmount)).Text(h.NewAmount?.Currency)
                    .Text(h.OldOwnerId).Text(h.NewOwnerId);
            }

            if (reasons)
            {
                statement.Text(h.Reason);
            }

            if (statement.IsFull)
            {
                await statement.FlushAsync(connection, transaction, insert, cancellationToken).ConfigureAwait(false);
            }
        }

        await statement.FlushAsync(connection, transaction, insert, cancellationToken).ConfigureAwait(false);
    }

    private static string UpdateStates(string values) => UpdateStatesFrom + values + UpdateStatesWhere;


    private static IEnumerable<(string TargetId, string MarketNorm)> Markets(Target target)
    {
        var id = Stored.Id(target.Id);
        return target.Markets.Select(m => (id, TextSearch.Normalize(m)));
    }


    /// <summary>Runs a statement per row with the unit of work's tenant as <c>@Tenant</c>.</summary>
    private static Task<int> ExecuteAsync<T>(
        Unit unit, string sql, BatchParameter<T>[] parameters, IEnumerable<T> rows, CancellationToken cancellationToken) =>
        PreparedBatch<T>.ExecuteAsync(unit.Connection, unit.Transaction, sql, [.. parameters, new BatchParameter<T>("@Tenant", _ => unit.Tenant)], rows, cancellationToken);

    /// <summary>What every statement of a unit of work runs on, and in which tenant.</summary>
    private sealed record Unit(SqliteConnection Connection, SqliteTransaction Transaction, string Tenant);
}
