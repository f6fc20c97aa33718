using LinqToDB;
using LinqToDB.Data;

namespace TargetTracking.Linq2Db;

/// <summary>A dialect's writer role: a unit of work's decided changes and an operation's selection, with the fastest statements the database has.</summary>
internal abstract class DialectWriter
{
    /// <summary>
    /// Writes a unit of work's decided changes set-based and returns how many rows each kind matched (each update and
    /// delete checked against its expected version).
    /// </summary>
    public abstract Task<WriteCounts> WriteAsync(DataConnection db, ChangeSet changes, IReadOnlyDictionary<TargetId, Target> locked, CancellationToken cancellationToken);

    /// <summary>
    /// Gets a value indicating whether the dialect can send a unit of work's last write together with its COMMIT
    /// (<see cref="WriteAndCommitAsync"/>), one round trip fewer.
    /// </summary>
    public virtual bool CommitsWithLastWrite => false;

    /// <summary>
    /// Writes like <see cref="WriteAsync"/> and commits in the same round trip; a failed statement leaves the
    /// transaction uncommitted. Called only when every update and delete targets a row the session locked at the
    /// expected version, so no row can be missed.
    /// </summary>
    public virtual Task<WriteCounts> WriteAndCommitAsync(DataConnection db, ChangeSet changes, IReadOnlyDictionary<TargetId, Target> locked, CancellationToken cancellationToken) =>
        throw new NotSupportedException("This dialect does not commit with its last write.");

    /// <summary>
    /// Gets a value indicating whether the dialect applies guarded status changes in one statement (<see cref="ChangeStatusesAsync"/>);
    /// otherwise the store applies them in a write session (<see cref="GuardedStatusChange.ApplyInSessionAsync"/>).
    /// </summary>
    public virtual bool ChangesStatusInOneStatement => false;

    /// <summary>
    /// Applies guarded status changes in one statement: each one's row, entry and stays where its checks pass, nothing for it
    /// otherwise. Without a transaction on <paramref name="db"/> the statement commits itself; inside one, it does not.
    /// </summary>
    /// <returns>For each change in order, the target after it, or <see langword="null"/> where a check failed.</returns>
    public virtual Task<IReadOnlyList<Target?>> ChangeStatusesAsync(DataConnection db, IReadOnlyList<GuardedStatusChange> changes, CancellationToken cancellationToken) =>
        throw new NotSupportedException("This dialect applies guarded status changes in a write session.");

    /// <summary>
    /// Deletes every row of the connection's tenant (<see cref="Tables.TenantRows"/>) through the database's privileged purge
    /// path, the only one that may delete history, and records <paramref name="deletion"/> in <see cref="Tables.TenantDeletions"/>
    /// with the counts, in the connection's transaction.
    /// </summary>
    /// <returns>How many targets and target history entries were deleted.</returns>
    public abstract Task<(long Targets, long HistoryEntries)> DeleteTenantAsync(DataConnection db, TenantDeletion deletion, CancellationToken cancellationToken);

    /// <summary>
    /// Erases an actor's personal fields from the connection's tenant's target history (<paramref name="actorId"/>; none for a
    /// target's erasure), lists the changed entries in <see cref="Tables.ErasedEntries"/> and records <paramref name="erasure"/>
    /// in <see cref="Tables.Erasures"/> with the count, in the connection's transaction, through the database's privileged path,
    /// the only one that may update history (<see cref="IErasureStore.EraseAsync"/> says which fields).
    /// </summary>
    /// <returns>How many entries were changed.</returns>
    public abstract Task<long> EraseHistoryAsync(DataConnection db, Erasure erasure, string? actorId, CancellationToken cancellationToken);

    /// <summary>
    /// Calls a database's erasure routine, which answers one row (entries changed): its parameters are <paramref name="ids"/>
    /// (the tenant where it takes one, the erasure's id, time and target as the database stores them) then the reason, the
    /// audit fields, the subject, the count of targets and the erased actor, by name.
    /// </summary>
    protected static async Task<long> CallEraseHistoryAsync(
        DataConnection db, string sql, Erasure erasure, string? actorId, IEnumerable<DataParameter> ids, CancellationToken cancellationToken)
    {
        var audit = erasure.Audit;
        DataParameter[] parameters =
        [
            .. ids,
            new("reason", erasure.Reason, DataType.NVarChar),
            new("actor_id", audit.ActorId, DataType.NVarChar),
            new("actor_name", audit.ActorName, DataType.NVarChar),
            new("correlation_id", audit.CorrelationId, DataType.NVarChar),
            new("client_address", audit.ClientAddress, DataType.NVarChar),
            new("user_agent", audit.UserAgent, DataType.NVarChar),
            new("subject", erasure.Subject.ToString(), DataType.NVarChar),
            new("targets", erasure.Targets, DataType.Int64),
            new("erased_actor", actorId, DataType.NVarChar),
        ];
        var rows = await db.QueryToListAsync(r => r.GetInt64(0), sql, cancellationToken, parameters).ConfigureAwait(false);
        return rows.Single();
    }

    /// <summary>
    /// Calls a database's tenant deletion routine, which answers one row (targets, history entries deleted): its parameters
    /// are <paramref name="leading"/> (the id and time as the database stores them) then the deletion's reason and audit fields.
    /// </summary>
    protected static async Task<(long Targets, long HistoryEntries)> CallDeleteTenantAsync(
        DataConnection db, string sql, TenantDeletion deletion, IEnumerable<DataParameter> leading, CancellationToken cancellationToken)
    {
        var audit = deletion.Audit;
        DataParameter[] parameters =
        [
            .. leading,
            new("reason", deletion.Reason, DataType.NVarChar),
            new("actor_id", audit.ActorId, DataType.NVarChar),
            new("actor_name", audit.ActorName, DataType.NVarChar),
            new("correlation_id", audit.CorrelationId, DataType.NVarChar),
            new("client_address", audit.ClientAddress, DataType.NVarChar),
            new("user_agent", audit.UserAgent, DataType.NVarChar),
        ];
        var rows = await db.QueryToListAsync(r => (r.GetInt64(0), r.GetInt64(1)), sql, cancellationToken, parameters).ConfigureAwait(false);
        return rows.Single();
    }
}

/// <summary>How many rows each kind of write matched.</summary>
/// <param name="Inserted">Targets inserted.</param>
/// <param name="Updated">Targets updated at their expected version.</param>
/// <param name="Deleted">Targets deleted at their expected version.</param>
internal readonly record struct WriteCounts(long Inserted, long Updated, long Deleted);
