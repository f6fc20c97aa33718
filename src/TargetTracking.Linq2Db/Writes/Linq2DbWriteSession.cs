using Ardalis.GuardClauses;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;

namespace TargetTracking.Linq2Db;

/// <summary>
/// One unit of work in one <see cref="DataConnection"/> and transaction: <see cref="LockAsync"/> reads and locks the
/// rows (the dialect's <c>FOR UPDATE</c>, or a transaction that holds the write lock), <see cref="SaveAsync"/> writes
/// the decided changes set-based through the dialect and checks every row matched its expected version, and
/// <see cref="CommitAsync"/> commits. Inside a host's transaction it neither commits nor rolls back.
/// </summary>
internal sealed partial class Linq2DbWriteSession : IHierarchyWriteSession, IOperationWriteSession
{
    private readonly Linq2DbDialect _dialect;
    private readonly bool _ownsTransaction;
    private readonly IDisposable? _writerTurn;

    // The rows as this session last read or wrote them: the dialect writes only what changed.
    private readonly Dictionary<TargetId, Target> _known = [];
    private ChangeSet? _pending;
    private bool _failed;
    private bool _ended;
    private bool _disposed;

    private Linq2DbWriteSession(DataConnection connection, Linq2DbDialect dialect, bool ownsTransaction, IDisposable? writerTurn)
    {
        Connection = connection;
        _dialect = dialect;
        _ownsTransaction = ownsTransaction;
        _writerTurn = writerTurn;
    }

    /// <summary>Gets the session's connection (tests reach the ADO.NET connection under it to cut it).</summary>
    internal DataConnection Connection { get; }

    public static async Task<Linq2DbWriteSession> BeginAsync(Func<DataConnection> connect, Linq2DbDialect dialect, CancellationToken cancellationToken)
    {
        var turn = await dialect.Sessions.EnterWriterAsync(cancellationToken).ConfigureAwait(false);
        DataConnection? db = null;
        try
        {
            db = connect();
            await dialect.Sessions.BeginWriteAsync(db, cancellationToken).ConfigureAwait(false);
            return new Linq2DbWriteSession(db, dialect, ownsTransaction: true, turn);
        }
        catch
        {
            if (db is not null)
            {
                await db.DisposeAsync().ConfigureAwait(false);
            }

            turn?.Dispose();
            throw;
        }
    }

    /// <summary>A session on a connection that wraps a host's open transaction: the host commits or rolls back.</summary>
    public static Linq2DbWriteSession Join(DataConnection hostTransaction, Linq2DbDialect dialect) =>
        new(hostTransaction, dialect, ownsTransaction: false, writerTurn: null);

    public Task<IReadOnlyDictionary<TargetId, Target>> LockAsync(IReadOnlyCollection<TargetId> ids, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(ids);
        return Guarded<IReadOnlyDictionary<TargetId, Target>>(async () =>
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            var found = new Dictionary<TargetId, Target>(ids.Count);
            if (ids.Count == 0)
            {
                return found;
            }

            var keys = ids.Select(i => i.Value).ToArray();

            // In id order, so two writers that touch overlapping sets queue instead of deadlocking.
            var locked = _dialect.Sessions.ForUpdate(Connection.GetTable<TargetRecord>().Where(_dialect.Sql.IdIn(keys)).OrderBy(t => t.Id).Select(TargetRecord.Readable));
            foreach (var row in await locked.ToListAsync(cancellationToken).ConfigureAwait(false))
            {
                var target = row.ToTarget();
                found[target.Id] = target;
                _known[target.Id] = target;
            }

            return found;
        });
    }

    public Task<IReadOnlyList<Target?>> TryChangeStatusesAsync(IReadOnlyList<GuardedStatusChange> changes, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(changes);
        return _dialect.Writer.ChangesStatusInOneStatement
            ? Guarded(async () =>
            {
                await FlushAsync(cancellationToken).ConfigureAwait(false);
                return await _dialect.Writer.ChangeStatusesAsync(Connection, changes, cancellationToken).ConfigureAwait(false);
            })
            : GuardedStatusChange.ApplyInSessionAsync(this, changes, cancellationToken);
    }

    public async Task SaveAsync(ChangeSet changes, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(changes);
        ObjectDisposedException.ThrowIf(_ended, this);
        if (changes.IsEmpty)
        {
            return;
        }

        // History is erased only together with its target's delete; the databases guard it too (migration 0004).
        if (changes.PurgeHistory.Count > 0)
        {
            var deleted = changes.Deletes.Select(d => d.Id).ToHashSet();
            foreach (var id in changes.PurgeHistory.Where(id => !deleted.Contains(id)))
            {
                throw new InvalidOperationException($"The history of target {id} can be purged only together with its delete.");
            }
        }

        await FlushAsync(cancellationToken).ConfigureAwait(false);
        if (_ownsTransaction && _dialect.Writer.CommitsWithLastWrite && LockedAsExpected(changes))
        {
            // Sent with the COMMIT if nothing else comes first: the row locks guarantee every row matches.
            _pending = changes;
            return;
        }

        await WriteNowAsync(changes, cancellationToken).ConfigureAwait(false);
    }

    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_ended, this);

        // PostgreSQL answers COMMIT of a failed transaction with a silent ROLLBACK: never let that pass as success.
        if (_failed)
        {
            throw new InvalidOperationException("The write session failed earlier; it cannot be committed.");
        }

        if (_pending is { } last)
        {
            _pending = null;
            var counts = await Guarded(() => _dialect.Writer.WriteAndCommitAsync(Connection, last, _known, cancellationToken)).ConfigureAwait(false);
            _ended = true;
            if (counts != new WriteCounts(last.Inserts.Count, last.Updates.Count, last.Deletes.Count))
            {
                // Committed already: re-running would apply it twice. The row locks make this unreachable.
                throw new InvalidOperationException($"A unit of work committed with rows missed ({counts}); the store's row locks were bypassed.");
            }

            return;
        }

        if (_ownsTransaction)
        {
            await Connection.CommitTransactionAsync(cancellationToken).ConfigureAwait(false);
        }

        _ended = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _ended = true;
        try
        {
            // Rolls back unless committed; on a broken connection the server has rolled back already. A connection that
            // wraps a host's transaction does not own it: disposing it leaves the host's transaction as it is.
            await Connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _writerTurn?.Dispose();
        }
    }

    public Task<long?> CreateOperationAsync(BulkOperation operation, OperationSelection selection, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(operation);
        Guard.Against.Null(selection);
        return Guarded(async () =>
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            var r = OperationRecord.From(operation).In(Connection);

            // A concurrent start with the same id waits on the key, then inserts nothing; the caller then reads the winner's row.
            var inserted = await Connection.GetTable<OperationRecord>().InsertOrUpdateAsync(
                () => new OperationRecord
                {
                    TenantId = r.TenantId, Id = r.Id, Status = r.Status, TargetStatus = r.TargetStatus, Selection = r.Selection, Total = r.Total,
                    Processed = r.Processed, Succeeded = r.Succeeded, Failed = r.Failed, BatchSize = r.BatchSize,
                    CurrentBatch = r.CurrentBatch, Cursor = r.Cursor, CreatedAt = r.CreatedAt, StartedAt = r.StartedAt,
                    LastUpdatedAt = r.LastUpdatedAt, CompletedAt = r.CompletedAt, Error = r.Error, RetryCount = r.RetryCount,
                    MaxRetries = r.MaxRetries, CancelRequested = r.CancelRequested, ActorId = r.ActorId, ActorName = r.ActorName,
                    ClientAddress = r.ClientAddress, UserAgent = r.UserAgent, Reason = r.Reason, ReasonNote = r.ReasonNote,
                },
                null,
                cancellationToken).ConfigureAwait(false);
            if (inserted == 0)
            {
                return (long?)null;
            }

            // The selection is fixed now, in the store: later batches stream it by keyset.
            if (selection.Ids is { } ids)
            {
                // One statement over one parameter, whatever the number of ids; a new operation has no items, so DISTINCT is all it needs.
                return (long?)await Connection.ExecuteAsync(
                    $"INSERT INTO {_dialect.Sql.Qualify(Tables.OperationItems)} (tenant_id, operation_id, target_id) SELECT DISTINCT @tenant, @op, s.id FROM {_dialect.Sql.IdSet("@ids")} AS s",
                    cancellationToken,
                    Tenancy.Parameter(Connection),
                    new DataParameter("op", operation.Id, DataType.NVarChar),
                    _dialect.Sql.IdsParameter("ids", ids.Select(i => i.Value))).ConfigureAwait(false);
            }

            var (operationId, tenant) = (operation.Id, r.TenantId);
            var store = Connection.GetTable<TargetRecord>();
            var matches = TargetFilter.Apply(_dialect, Connection, store, selection.Filter!);
            return (long?)await matches
                .Select(t => new OperationItemRecord { TenantId = tenant, OperationId = operationId, TargetId = t.Id })
                .InsertAsync(Connection.GetTable<OperationItemRecord>(), i => i, cancellationToken).ConfigureAwait(false);
        });
    }

    public Task<BulkOperation?> LockOperationAsync(string operationId, CancellationToken cancellationToken = default) =>
        Guarded(async () =>
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            var row = await _dialect.Sessions.ForUpdate(Connection.GetTable<OperationRecord>().Where(o => o.Id == operationId))
                .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            return row?.ToOperation();
        });

    public Task<IReadOnlyList<TargetId>> ReadOperationItemsAsync(string operationId, TargetId? after, int limit, CancellationToken cancellationToken = default) =>
        Guarded(async () =>
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            var items = Connection.GetTable<OperationItemRecord>().Where(i => i.OperationId == operationId);
            if (after is { } start)
            {
                var afterId = start.Value;
                items = items.Where(i => i.TargetId > afterId);
            }

            var ids = await items.OrderBy(i => i.TargetId).Select(i => i.TargetId).Take(limit).ToListAsync(cancellationToken).ConfigureAwait(false);
            return (IReadOnlyList<TargetId>)[.. ids.Select(i => new TargetId(i))];
        });

    public async Task SaveOperationAsync(BulkOperation operation, IReadOnlyList<OperationItemFailure> failures, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(operation);
        Guard.Against.Null(failures);
        await Guarded(async () =>
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            if (await Connection.UpdateAsync(OperationRecord.From(operation).In(Connection), token: cancellationToken).ConfigureAwait(false) != 1)
            {
                throw new InvalidOperationException($"Operation '{operation.Id}' does not exist.");
            }

            if (failures.Count > 0)
            {
                await Connection.BulkCopyAsync(
                    new BulkCopyOptions { BulkCopyType = BulkCopyType.MultipleRows },
                    failures.Select(f => new OperationFailureRecord
                    {
                        TenantId = Connection.TenantOf(),
                        OperationId = f.OperationId,
                        TargetId = f.TargetId.Value,
                        Code = f.Code,
                        Message = f.Message,
                        OccurredAt = f.OccurredAt,
                    }),
                    cancellationToken).ConfigureAwait(false);
            }

            return true;
        }).ConfigureAwait(false);
    }

    /// <summary>Runs one step of the session; a failure marks it failed (so it can never be committed) and is translated once, here.</summary>
    private async Task<T> Guarded<T>(Func<Task<T>> step)
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        try
        {
            return await step().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _failed = true;
            if (_dialect.Errors.Translate(e) is { } translated)
            {
                throw translated;
            }

            throw;
        }
    }

    private async Task WriteNowAsync(ChangeSet changes, CancellationToken cancellationToken)
    {
        var counts = await Guarded(() => _dialect.Writer.WriteAsync(Connection, changes, _known, cancellationToken)).ConfigureAwait(false);
        Check(counts, changes);
        Remember(changes);
    }

    /// <summary>Writes a save held back for the commit, because something else comes first.</summary>
    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending is { } pending)
        {
            _pending = null;
            await WriteNowAsync(pending, cancellationToken).ConfigureAwait(false);
        }
    }

    private bool LockedAsExpected(ChangeSet changes) =>
        changes.Updates.All(u => _known.TryGetValue(u.Target.Id, out var locked) && locked.Version == u.ExpectedVersion)
        && changes.Deletes.All(d => _known.TryGetValue(d.Id, out var locked) && locked.Version == d.ExpectedVersion);

    // Every row was locked and checked by the core; a miss means another writer got there first.
    private void Check(WriteCounts counts, ChangeSet changes)
    {
        Check(counts.Inserted, changes.Inserts.Count, "insert");
        Check(counts.Updated, changes.Updates.Count, "update");
        Check(counts.Deleted, changes.Deletes.Count, "delete");
    }

    private void Remember(ChangeSet changes)
    {
        foreach (var target in changes.Inserts.Concat(changes.Updates.Select(u => u.Target)))
        {
            _known[target.Id] = target;
        }

        foreach (var delete in changes.Deletes)
        {
            _known.Remove(delete.Id);
        }
    }

    private void Check(long actual, int expected, string what)
    {
        if (actual != expected)
        {
            _failed = true;
            throw new ConcurrentWriteException(
                $"The store expected to {what} {expected} target(s) at their locked versions but matched {actual}; the unit of work is re-run against the current rows.");
        }
    }
}
