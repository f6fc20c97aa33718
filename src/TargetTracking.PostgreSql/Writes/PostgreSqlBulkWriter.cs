using LinqToDB;
using LinqToDB.Data;
using Npgsql;
using NpgsqlTypes;
using TargetTracking.Linq2Db;

namespace TargetTracking.PostgreSql;

/// <summary>
/// The fastest write PostgreSQL has for a unit of work: set-based statements over arrays (<c>unnest</c>), sent
/// together in one <see cref="NpgsqlBatch"/> on the write session's connection and transaction.
/// </summary>
internal sealed class PostgreSqlBulkWriter(Linq2DbDialect dialect, PostgreSqlStatements sql) : DialectWriter
{
    // The statements that recompute the stays of the targets in the array $1 of the tenant $2 (StaysTable.Refresh).
    private readonly (string Delete, string Insert) _staysRefresh = StaysTable.Refresh(dialect, column => $"{column} = ANY($1::uuid[])", "$2::text");

    public override bool CommitsWithLastWrite => true;

    public override Task<WriteCounts> WriteAsync(DataConnection db, ChangeSet changes, IReadOnlyDictionary<TargetId, Target> locked, CancellationToken cancellationToken) =>
        WriteAsync(db, changes, locked, commit: false, cancellationToken);

    public override Task<WriteCounts> WriteAndCommitAsync(DataConnection db, ChangeSet changes, IReadOnlyDictionary<TargetId, Target> locked, CancellationToken cancellationToken) =>
        WriteAsync(db, changes, locked, commit: true, cancellationToken);

    public override bool ChangesStatusInOneStatement => true;

    public override async Task<IReadOnlyList<Target?>> ChangeStatusesAsync(DataConnection db, IReadOnlyList<GuardedStatusChange> changes, CancellationToken cancellationToken)
    {
        var connection = (NpgsqlConnection)await db.OpenDbConnectionAsync(cancellationToken).ConfigureAwait(false);
        var n = changes.Count;
        var tenant = db.TenantOf();
        var batch = new NpgsqlBatch(connection, (NpgsqlTransaction?)db.Transaction);
        await using (batch.ConfigureAwait(false))
        {
            // The tenant for the row-level security policies, in the same round trip: without a transaction the batch is
            // one implicit transaction, which the transaction-local setting covers.
            SetTenant(batch, tenant);

            // Every row locked first, in id order, in the same round trip (PostgreSqlStatements.ChangeStatusesGuarded says why).
            var locking = db.Transaction is not null && n > 1;
            if (locking)
            {
                Add(batch, sql.LockTargets, [Array(NpgsqlDbType.Uuid, changes.Select(c => c.Id.Value)), Text(tenant)]);
            }

            batch.BatchCommands.Add(GuardedCommand(sql, changes, tenant));
            var after = new Target?[n];
            var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                // Past the setting's row, and the locked ids.
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                if (locking)
                {
                    await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                }

                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var i = reader.GetInt32(0);
                    after[i] = changes[i].Applied(
                        reader.GetString(1),
                        reader.IsDBNull(2) ? null : reader.GetString(2),
                        reader.GetFieldValue<string[]>(3),
                        new DateTimeOffset(reader.GetFieldValue<DateTime>(4)),
                        MoneyUnits.ToMoney(reader.IsDBNull(5) ? null : reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetString(6)),
                        reader.IsDBNull(7) ? null : reader.GetString(7));
                }
            }

            return after;
        }
    }

    /// <summary>The statement of guarded status changes (<see cref="PostgreSqlStatements.ChangeStatusesGuarded"/>) with its parameters.</summary>
    internal static NpgsqlBatchCommand GuardedCommand(PostgreSqlStatements sql, IReadOnlyList<GuardedStatusChange> changes, string tenant)
    {
        var n = changes.Count;
        var entries = changes.Select(c => c.Entry).ToArray();
        var rows = new UnnestRows(n)
            .Constant("tenant_id", "text", NpgsqlDbType.Text, tenant)
            .Column("id", "uuid", NpgsqlDbType.Uuid, changes.Select(c => c.Id.Value).ToArray())
            .Column("expected_version", "bigint", NpgsqlDbType.Bigint, changes.Select(c => c.ExpectedVersion).ToArray())
            .Column("status", "text", NpgsqlDbType.Text, changes.Select(c => c.Status).ToArray())
            .Column("entry_id", "uuid", NpgsqlDbType.Uuid, entries.Select(e => e.Id).ToArray())
            .Column("at", "timestamptz", NpgsqlDbType.TimestampTz, entries.Select(e => e.OccurredAt.UtcDateTime).ToArray())
            .Column("at_us", "bigint", NpgsqlDbType.Bigint, entries.Select(e => StayChanges.Micros(e.OccurredAt)).ToArray())
            .Column("effective_at", "timestamptz", NpgsqlDbType.TimestampTz, entries.Select(e => e.EffectiveAt.UtcDateTime).ToArray());
        AuditColumns(rows, entries).Column("ord", "integer", NpgsqlDbType.Integer, Enumerable.Range(0, n).ToArray());

        // The statuses a move into each status asked for may come from: a few pairs, whatever the number of changes.
        var moves = changes.DistinctBy(c => c.Status, StringComparer.Ordinal).SelectMany(c => c.From.Select(from => (From: from, To: c.Status))).ToArray();
        var allowed = new UnnestRows(moves.Length, rows.ParameterCount + 1)
            .Column("from_status", "text", NpgsqlDbType.Text, moves.Select(m => m.From).ToArray())
            .Column("to_status", "text", NpgsqlDbType.Text, moves.Select(m => m.To).ToArray());
        var command = new NpgsqlBatchCommand(sql.ChangeStatusesGuarded(rows, allowed));
        command.Parameters.AddRange(rows.Parameters);
        command.Parameters.AddRange(allowed.Parameters);
        return command;
    }

    /// <summary>
    /// Writes a unit of work's changes as one <see cref="NpgsqlBatch"/>: one round trip whatever the number of items.
    /// The stays of the targets it writes entries for are recomputed in the same batch (<see cref="StaysTable"/>).
    /// With <paramref name="commit"/>, the batch ends with <c>COMMIT</c>: a statement that fails stops the batch
    /// before it (PostgreSQL skips the rest of a failed batch), so nothing half-written is ever committed.
    /// </summary>
    private async Task<WriteCounts> WriteAsync(DataConnection db, ChangeSet changes, IReadOnlyDictionary<TargetId, Target> locked, bool commit, CancellationToken cancellationToken)
    {
        var (connection, transaction) = ((NpgsqlConnection)Linq2DbDialect.ConnectionOf(db)!, (NpgsqlTransaction)db.Transaction!);
        var tenant = db.TenantOf();

        // Targets whose history goes with them are deleted by the purge function, the only way history can be deleted.
        var (deletes, purging) = SplitDeletes(changes);
        var purgedTargets = purging.Count > 0 ? await DeletePurgingHistoryAsync(connection, transaction, sql, purging, tenant, cancellationToken).ConfigureAwait(false) : 0;

        var batch = new NpgsqlBatch(connection, transaction);
        await using (batch.ConfigureAwait(false))
        {
            // A unit of work that only creates has sent nothing before this batch: the tenant rides in it.
            SetTenant(batch, tenant);
            var inserts = changes.Inserts.Count > 0 ? Add(batch, sql.InsertTargets, [.. TargetParameters(changes.Inserts, null), Text(tenant), .. DealParameters(changes.Inserts)]) : null;
            var (stateUpdates, fullUpdates) = StateUpdates.Split(changes.Updates, locked);
            var states = stateUpdates.Count > 0 ? AddStates(batch, sql, stateUpdates, tenant) : null;
            var updates = fullUpdates.Count > 0
                ? Add(batch, sql.UpdateTargets, [
                    .. TargetParameters([.. fullUpdates.Select(u => u.Target)], [.. fullUpdates.Select(u => u.ExpectedVersion)]), Text(tenant),
                    .. DealParameters([.. fullUpdates.Select(u => u.Target)])])
                : null;
            var deleted = deletes.Count > 0
                ? Add(batch, sql.DeleteTargets, [Array(NpgsqlDbType.Uuid, deletes.Select(d => d.Id.Value)), Array(NpgsqlDbType.Bigint, deletes.Select(d => d.ExpectedVersion)), Text(tenant)])
                : null;

            if (changes.History.Count > 0)
            {
                AddHistory(batch, sql, changes.History, tenant);
            }

            // Before the COMMIT: the stays the unit opens and closes (StayChanges), then those rebuilt from their entries.
            AddStays(batch, sql, StayChanges.Of(changes), tenant);

            if (commit)
            {
                Add(batch, "COMMIT", []);
            }

            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return new WriteCounts(
                inserts?.RecordsAffected ?? 0,
                (states?.RecordsAffected ?? 0) + (updates?.RecordsAffected ?? 0),
                (deleted?.RecordsAffected ?? 0) + purgedTargets);
        }
    }

    /// <summary>The privileged path: <c>delete_tenant</c>, a SECURITY DEFINER function the application role runs only when granted.</summary>
    public override Task<(long Targets, long HistoryEntries)> DeleteTenantAsync(DataConnection db, TenantDeletion deletion, CancellationToken cancellationToken) =>
        CallDeleteTenantAsync(db, sql.DeleteTenant, deletion, [new("id", deletion.Id, DataType.Guid), new("deleted_at", deletion.DeletedAt, DataType.DateTimeOffset)], cancellationToken);

    /// <summary>The privileged path: <c>erase_history</c>, a SECURITY DEFINER function the application role runs only when granted.</summary>
    public override Task<long> EraseHistoryAsync(DataConnection db, Erasure erasure, string? actorId, CancellationToken cancellationToken) =>
        CallEraseHistoryAsync(
            db,
            sql.EraseHistory,
            erasure,
            actorId,
            [new("id", erasure.Id, DataType.Guid), new("erased_at", erasure.ErasedAt, DataType.DateTimeOffset), new("target_id", erasure.TargetId?.Value, DataType.Guid)],
            cancellationToken);

    /// <summary>Splits the deletes into those that keep their history and those whose history goes with them.</summary>
    private static (List<TargetDelete> Keeping, List<TargetDelete> Purging) SplitDeletes(ChangeSet changes)
    {
        if (changes.PurgeHistory.Count == 0)
        {
            return ([.. changes.Deletes], []);
        }

        var purge = changes.PurgeHistory.ToHashSet();
        var purging = changes.Deletes.Where(d => purge.Contains(d.Id)).ToList();
        return ([.. changes.Deletes.Where(d => !purge.Contains(d.Id))], purging);
    }

    private static async Task<long> DeletePurgingHistoryAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, PostgreSqlStatements sql, List<TargetDelete> purging, string tenant, CancellationToken cancellationToken)
    {
        // The function deletes in the transaction's tenant: the setting goes first, in the same round trip.
        var batch = new NpgsqlBatch(connection, transaction);
        await using (batch.ConfigureAwait(false))
        {
            SetTenant(batch, tenant);
            Add(batch, sql.DeleteTargetsPurgingHistory, [Array(NpgsqlDbType.Uuid, purging.Select(d => d.Id.Value)), Array(NpgsqlDbType.Bigint, purging.Select(d => d.ExpectedVersion))]);
            var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                return reader.GetInt64(0);
            }
        }
    }

    /// <summary>Adds <see cref="PostgreSqlStatements.SetTenant"/>: its one row is read past, or ignored by a non-query.</summary>
    private static void SetTenant(NpgsqlBatch batch, string tenant) => Add(batch, PostgreSqlStatements.SetTenant, [Text(tenant)]);

    private static NpgsqlParameter<string> Text(string value) => new() { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = value };

    private static NpgsqlBatchCommand Add(NpgsqlBatch batch, string sql, NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        batch.BatchCommands.Add(command);
        return command;
    }

    /// <summary>The parameters of <see cref="PostgreSqlStatements.InsertTargets"/> and <see cref="PostgreSqlStatements.UpdateTargets"/>, in order.</summary>
    private static NpgsqlParameter[] TargetParameters(IReadOnlyList<Target> targets, long[]? expectedVersions)
    {
        var n = targets.Count;
        var ids = new Guid[n];
        var names = new string[n];
        var namesNorm = new string[n];
        var descriptions = new string?[n];
        var statuses = new string?[n];
        var versions = new long[n];
        var created = new DateTime[n];
        var updated = new DateTime[n];
        var statusChanged = new DateTime?[n];
        var markets = new List<string>();
        var marketsNorm = new List<string>();
        var marketRows = new List<int>();
        for (var i = 0; i < n; i++)
        {
            var t = targets[i];
            ids[i] = t.Id.Value;
            names[i] = t.Name;
            namesNorm[i] = TextSearch.Normalize(t.Name);
            descriptions[i] = t.Description;
            statuses[i] = t.Status;
            foreach (var market in t.Markets)
            {
                markets.Add(market);
                marketsNorm.Add(TextSearch.Normalize(market));
                marketRows.Add(i + 1);
            }

            versions[i] = t.Version;
            created[i] = t.CreatedAt.UtcDateTime;
            updated[i] = t.UpdatedAt.UtcDateTime;
            statusChanged[i] = t.StatusChangedAt?.UtcDateTime;
        }

        List<NpgsqlParameter> parameters =
        [
            Array(NpgsqlDbType.Uuid, ids),
            Array(NpgsqlDbType.Text, names),
            Array(NpgsqlDbType.Text, namesNorm),
            Array(NpgsqlDbType.Text, descriptions),
            Array(NpgsqlDbType.Text, statuses),
            Array(NpgsqlDbType.Text, markets.ToArray()),
            Array(NpgsqlDbType.Text, marketsNorm.ToArray()),
            Array(NpgsqlDbType.Integer, marketRows.ToArray()),
            Array(NpgsqlDbType.Bigint, versions),
            Array(NpgsqlDbType.TimestampTz, created),
            Array(NpgsqlDbType.TimestampTz, updated),
            Array(NpgsqlDbType.TimestampTz, statusChanged),
        ];
        if (expectedVersions is not null)
        {
            parameters.Add(Array(NpgsqlDbType.Bigint, expectedVersions));
        }

        return [.. parameters];
    }

    /// <summary>The amount and owner parameters of <see cref="PostgreSqlStatements.InsertTargets"/> and <see cref="PostgreSqlStatements.UpdateTargets"/>, after the tenant.</summary>
    private static NpgsqlParameter[] DealParameters(IReadOnlyList<Target> targets) =>
    [
        Array(NpgsqlDbType.Bigint, targets.Select(t => MoneyUnits.Of(t.Amount)).ToArray()),
        Array(NpgsqlDbType.Text, targets.Select(t => t.Amount?.Currency).ToArray()),
        Array(NpgsqlDbType.Text, targets.Select(t => t.OwnerId).ToArray()),
    ];

    /// <summary>Status changes: only the state columns travel, joined to the rows by id at their expected version.</summary>
    private static NpgsqlBatchCommand AddStates(NpgsqlBatch batch, PostgreSqlStatements sql, List<TargetWrite> updates, string tenant)
    {
        var n = updates.Count;
        var ids = new Guid[n];
        var statuses = new string?[n];
        var versions = new long[n];
        var updated = new DateTime[n];
        var statusChanged = new DateTime?[n];
        var expected = new long[n];
        for (var i = 0; i < n; i++)
        {
            var t = updates[i].Target;
            ids[i] = t.Id.Value;
            statuses[i] = t.Status;
            versions[i] = t.Version;
            updated[i] = t.UpdatedAt.UtcDateTime;
            statusChanged[i] = t.StatusChangedAt?.UtcDateTime;
            expected[i] = updates[i].ExpectedVersion;
        }

        var rows = new UnnestRows(n)
            .Constant("tenant_id", "text", NpgsqlDbType.Text, tenant)
            .Column("id", "uuid", NpgsqlDbType.Uuid, ids)
            .Column("status", "text", NpgsqlDbType.Text, statuses)
            .Column("version", "bigint", NpgsqlDbType.Bigint, versions)
            .Column("updated_at", "timestamptz", NpgsqlDbType.TimestampTz, updated)
            .Column("status_changed_at", "timestamptz", NpgsqlDbType.TimestampTz, statusChanged)
            .Column("expected_version", "bigint", NpgsqlDbType.Bigint, expected);
        return Add(batch, sql.UpdateTargetStates(rows.Sql()), rows.Parameters);
    }

    private void AddStays(NpgsqlBatch batch, PostgreSqlStatements sql, StayChanges stays, string tenant)
    {
        if (stays.Closes.Count > 0)
        {
            var closes = stays.Closes;
            var rows = new UnnestRows(closes.Count)
                .Constant("tenant_id", "text", NpgsqlDbType.Text, tenant)
                .Column("target_id", "uuid", NpgsqlDbType.Uuid, closes.Select(c => c.TargetId).ToArray())
                .Column("exited_us", "bigint", NpgsqlDbType.Bigint, closes.Select(c => c.ExitedUs).ToArray())
                .Column("next_status", "text", NpgsqlDbType.Text, closes.Select(c => c.NextStatus).ToArray())
                .Column("ended_by_delete", "integer", NpgsqlDbType.Integer, closes.Select(c => c.EndedByDelete ? 1 : 0).ToArray());
            Add(batch, sql.CloseStays(rows.Sql()), rows.Parameters);
        }

        if (stays.Opens.Count > 0)
        {
            var opens = stays.Opens;
            var rows = new UnnestRows(opens.Count)
                .Constant("tenant_id", "text", NpgsqlDbType.Text, tenant)
                .Column("target_id", "uuid", NpgsqlDbType.Uuid, opens.Select(s => s.TargetId).ToArray())
                .Column("version", "bigint", NpgsqlDbType.Bigint, opens.Select(s => s.Version).ToArray())
                .Column("status", "text", NpgsqlDbType.Text, opens.Select(s => s.Status).ToArray())
                .Column("entered_us", "bigint", NpgsqlDbType.Bigint, opens.Select(s => s.EnteredUs).ToArray())
                .Column("exited_us", "bigint", NpgsqlDbType.Bigint, opens.Select(s => s.ExitedUs).ToArray())
                .Column("next_status", "text", NpgsqlDbType.Text, opens.Select(s => s.NextStatus).ToArray())
                .Column("ended_by_delete", "integer", NpgsqlDbType.Integer, opens.Select(s => s.EndedByDelete ? 1 : 0).ToArray());
            Add(batch, sql.InsertStays(rows.Sql()), rows.Parameters);
        }

        if (stays.Purged.Count > 0)
        {
            Add(batch, sql.DeleteStays, [Array(NpgsqlDbType.Uuid, stays.Purged), Text(tenant)]);
        }

        // After the history insert: the definition reads the entries this batch wrote.
        if (stays.Rebuild.Count > 0)
        {
            Add(batch, _staysRefresh.Delete, [Array(NpgsqlDbType.Uuid, stays.Rebuild), Text(tenant)]);
            Add(batch, _staysRefresh.Insert, [Array(NpgsqlDbType.Uuid, stays.Rebuild), Text(tenant)]);
        }
    }

    /// <summary>The history entries, with the columns every entry shares (audit context, time, action) sent once.</summary>
    private static void AddHistory(NpgsqlBatch batch, PostgreSqlStatements sql, IReadOnlyList<HistoryEntry> history, string tenant)
    {
        var rows = new UnnestRows(history.Count)
            .Constant("tenant_id", "text", NpgsqlDbType.Text, tenant)
            .Column("id", "uuid", NpgsqlDbType.Uuid, history.Select(h => h.Id).ToArray())
            .Column("target_id", "uuid", NpgsqlDbType.Uuid, history.Select(h => h.TargetId.Value).ToArray())
            .Column("action", "text", NpgsqlDbType.Text, history.Select(h => h.Action.ToString()).ToArray())
            .Column("old_status", "text", NpgsqlDbType.Text, history.Select(h => h.OldStatus).ToArray())
            .Column("new_status", "text", NpgsqlDbType.Text, history.Select(h => h.NewStatus).ToArray())
            .Column("version", "bigint", NpgsqlDbType.Bigint, history.Select(h => h.Version).ToArray())
            .Column("occurred_at", "timestamptz", NpgsqlDbType.TimestampTz, history.Select(h => h.OccurredAt.UtcDateTime).ToArray())
            .Column("effective_at", "timestamptz", NpgsqlDbType.TimestampTz, history.Select(h => h.EffectiveAt.UtcDateTime).ToArray());
        AuditColumns(rows, history).Column("note", "text", NpgsqlDbType.Text, history.Select(h => h.Note).ToArray());

        // Amount and owner columns travel only with entries that carry them (creates and updates), not with status changes.
        var deals = history.Any(h => h.NewAmount is not null || h.OldAmount is not null || h.NewOwnerId is not null || h.OldOwnerId is not null);
        if (deals)
        {
            rows.Column("old_amount_units", "bigint", NpgsqlDbType.Bigint, history.Select(h => MoneyUnits.Of(h.OldAmount)).ToArray())
                .Column("old_currency", "text", NpgsqlDbType.Text, history.Select(h => h.OldAmount?.Currency).ToArray())
                .Column("new_amount_units", "bigint", NpgsqlDbType.Bigint, history.Select(h => MoneyUnits.Of(h.NewAmount)).ToArray())
                .Column("new_currency", "text", NpgsqlDbType.Text, history.Select(h => h.NewAmount?.Currency).ToArray())
                .Column("old_owner_id", "text", NpgsqlDbType.Text, history.Select(h => h.OldOwnerId).ToArray())
                .Column("new_owner_id", "text", NpgsqlDbType.Text, history.Select(h => h.NewOwnerId).ToArray());
        }

        // The lost reason likewise, only with moves into a closed-lost status that give one.
        var reasons = history.Any(h => h.Reason is not null);
        if (reasons)
        {
            rows.Column("reason", "text", NpgsqlDbType.Text, history.Select(h => h.Reason).ToArray());
        }

        Add(batch, sql.InsertHistory(rows.Sql(), deals, reasons), rows.Parameters);
    }

    /// <summary>The audit columns of entries, in the order the history table and the guarded statement name them.</summary>
    private static UnnestRows AuditColumns(UnnestRows rows, IReadOnlyList<HistoryEntry> entries) => rows
        .Column("actor_id", "text", NpgsqlDbType.Text, entries.Select(e => e.ActorId).ToArray())
        .Column("actor_name", "text", NpgsqlDbType.Text, entries.Select(e => e.ActorName).ToArray())
        .Column("correlation_id", "text", NpgsqlDbType.Text, entries.Select(e => e.CorrelationId).ToArray())
        .Column("operation_id", "text", NpgsqlDbType.Text, entries.Select(e => e.OperationId).ToArray())
        .Column("client_address", "text", NpgsqlDbType.Text, entries.Select(e => e.ClientAddress).ToArray())
        .Column("user_agent", "text", NpgsqlDbType.Text, entries.Select(e => e.UserAgent).ToArray());

    private static NpgsqlParameter<T[]> Array<T>(NpgsqlDbType type, IEnumerable<T> values) =>
        new() { NpgsqlDbType = NpgsqlDbType.Array | type, TypedValue = values as T[] ?? values.ToArray() };
}
