using System.Data;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace TargetTracking.PostgreSql;

/// <summary>
/// One unit of work: a connection and a READ COMMITTED transaction. <see cref="LockAsync"/> is one
/// <c>SELECT … FOR UPDATE</c>; <see cref="SaveAsync"/> is one <see cref="NpgsqlBatch"/> of set-based
/// statements over arrays (<c>unnest</c>), sent in a single round trip whatever the number of items.
/// </summary>
internal sealed class PostgreSqlWriteSession : ITargetWriteSession, IOperationWriteSession
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly PostgreSqlStatements _sql;
    private readonly Dictionary<TargetId, Target> _locked = [];
    private bool _failed;
    private bool _completed;

    private PostgreSqlWriteSession(NpgsqlConnection connection, NpgsqlTransaction transaction, PostgreSqlStatements sql)
    {
        _connection = connection;
        _transaction = transaction;
        _sql = sql;
    }

    /// <summary>Gets the server process of this session's connection (tests use it to cut the connection).</summary>
    internal int ProcessId => _connection.ProcessID;

    public static async Task<PostgreSqlWriteSession> BeginAsync(NpgsqlDataSource dataSource, PostgreSqlStatements sql, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Npgsql sends BEGIN with the session's first statement: no round trip of its own.
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
            return new PostgreSqlWriteSession(connection, transaction, sql);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<IReadOnlyDictionary<TargetId, Target>> LockAsync(IReadOnlyCollection<TargetId> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return new Dictionary<TargetId, Target>();
        }

        var keys = new Guid[ids.Count];
        var i = 0;
        foreach (var id in ids)
        {
            keys[i++] = id.Value;
        }

        try
        {
            var rows = await _connection.QueryAsync<TargetRow>(new CommandDefinition(
                _sql.LockTargets, new { ids = keys }, _transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            var found = new Dictionary<TargetId, Target>(ids.Count);
            foreach (var row in rows)
            {
                var target = row.ToTarget();
                found[target.Id] = target;
                _locked[target.Id] = target;
            }

            return found;
        }
        catch
        {
            _failed = true;
            throw;
        }
    }

    public async Task SaveAsync(ChangeSet changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ObjectDisposedException.ThrowIf(_completed, this);
        if (changes.IsEmpty)
        {
            return;
        }

        var batch = new NpgsqlBatch(_connection, _transaction);
        await using (batch.ConfigureAwait(false))
        {
            var inserts = changes.Inserts.Count > 0 ? Add(batch, _sql.InsertTargets, TargetParameters(changes.Inserts, null)) : null;
            var (stateUpdates, fullUpdates) = SplitUpdates(changes.Updates);
            var states = stateUpdates.Count > 0 ? Add(batch, _sql.UpdateTargetStates, StateParameters(stateUpdates)) : null;
            var updates = fullUpdates.Count > 0
                ? Add(batch, _sql.UpdateTargets, TargetParameters([.. fullUpdates.Select(u => u.Target)], [.. fullUpdates.Select(u => u.ExpectedVersion)]))
                : null;
            var deletes = changes.Deletes.Count > 0
                ? Add(batch, _sql.DeleteTargets, [Array(NpgsqlDbType.Uuid, changes.Deletes.Select(d => d.Id.Value)), Array(NpgsqlDbType.Bigint, changes.Deletes.Select(d => d.ExpectedVersion))])
                : null;
            if (changes.PurgeHistory.Count > 0)
            {
                Add(batch, _sql.AllowHistoryPurge, []);
                Add(batch, _sql.PurgeHistory, [Array(NpgsqlDbType.Uuid, changes.PurgeHistory.Select(id => id.Value))]);
                Add(batch, _sql.ForbidHistoryPurge, []);
            }

            if (changes.History.Count > 0)
            {
                Add(batch, _sql.InsertHistory, HistoryParameters(changes.History));
            }

            try
            {
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _failed = true;
                if (PostgresErrors.Translate(e) is { } translated)
                {
                    throw translated;
                }

                throw;
            }

            // Every row was locked and checked by the core; a miss means the session was not used as specified.
            Check(states, stateUpdates.Count, "update");
            Check(updates, fullUpdates.Count, "update");
            Check(deletes, changes.Deletes.Count, "delete");
            Check(inserts, changes.Inserts.Count, "insert");
        }
    }

    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);

        // PostgreSQL answers COMMIT of a failed transaction with a silent ROLLBACK: never let that pass as success.
        if (_failed)
        {
            throw new InvalidOperationException("The write session failed earlier; it cannot be committed.");
        }

        await _transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        _completed = true;
    }

    public async ValueTask DisposeAsync()
    {
        _completed = true;
        try
        {
            // Rolls back unless committed; on a broken connection the server has rolled back already.
            await _transaction.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async Task<long?> CreateOperationAsync(BulkOperation operation, OperationSelection selection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(selection);
        return await Guarded(async () =>
        {
            var inserted = await _connection.ExecuteAsync(new CommandDefinition(
                _sql.Operations.Insert, OperationRow.From(operation), _transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (inserted == 0)
            {
                return (long?)null;
            }

            // The selection is fixed now, in the store: later batches stream it by keyset.
            if (selection.Ids is { } ids)
            {
                return await _connection.ExecuteAsync(new CommandDefinition(
                    _sql.Operations.InsertItemsByIds,
                    new { id = operation.Id, ids = ids.Select(i => i.Value).ToArray() },
                    _transaction,
                    cancellationToken: cancellationToken)).ConfigureAwait(false);
            }

            var filter = selection.Filter!;
            var statuses = filter.Statuses?.Where(s => s is not null).Select(s => s!).ToArray() ?? [];
            var notSet = filter.Statuses?.Any(s => s is null) ?? false;
            return await _connection.ExecuteAsync(new CommandDefinition(
                _sql.Operations.InsertItemsWhere(filter, statuses.Length > 0, notSet),
                new { id = operation.Id, statuses, market = filter.Market, nameContains = filter.NameContains },
                _transaction,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    public Task<BulkOperation?> LockOperationAsync(string operationId, CancellationToken cancellationToken = default) =>
        Guarded(async () =>
        {
            var row = await _connection.QuerySingleOrDefaultAsync<OperationRow>(new CommandDefinition(
                _sql.Operations.Lock, new { id = operationId }, _transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return row?.ToOperation();
        });

    public Task<IReadOnlyList<TargetId>> ReadOperationItemsAsync(string operationId, TargetId? after, int limit, CancellationToken cancellationToken = default) =>
        Guarded(async () =>
        {
            var ids = await _connection.QueryAsync<Guid>(new CommandDefinition(
                _sql.Operations.ReadItems,
                new { id = operationId, after = after?.Value ?? Guid.Empty, limit },
                _transaction,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            return (IReadOnlyList<TargetId>)[.. ids.Select(i => new TargetId(i))];
        });

    public async Task SaveOperationAsync(BulkOperation operation, IReadOnlyList<OperationItemFailure> failures, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(failures);
        await Guarded(async () =>
        {
            var updated = await _connection.ExecuteAsync(new CommandDefinition(
                _sql.Operations.Update, OperationRow.From(operation), _transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (updated != 1)
            {
                throw new InvalidOperationException($"Operation '{operation.Id}' does not exist.");
            }

            if (failures.Count > 0)
            {
                await _connection.ExecuteAsync(new CommandDefinition(
                    _sql.Operations.InsertFailures,
                    new
                    {
                        id = operation.Id,
                        targetIds = failures.Select(f => f.TargetId.Value).ToArray(),
                        codes = failures.Select(f => f.Code).ToArray(),
                        messages = failures.Select(f => f.Message).ToArray(),
                        times = failures.Select(f => f.OccurredAt.UtcDateTime).ToArray(),
                    },
                    _transaction,
                    cancellationToken: cancellationToken)).ConfigureAwait(false);
            }

            return true;
        }).ConfigureAwait(false);
    }

    /// <summary>Runs one step of the session; a failure marks the session failed, so it can never be committed.</summary>
    private async Task<T> Guarded<T>(Func<Task<T>> step)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        try
        {
            return await step().ConfigureAwait(false);
        }
        catch
        {
            _failed = true;
            throw;
        }
    }

    private void Check(NpgsqlBatchCommand? command, int expected, string what)
    {
        if (command is not null && command.RecordsAffected != expected)
        {
            _failed = true;
            throw PostgresErrors.RowsMissed(what, expected, command.RecordsAffected);
        }
    }

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

    /// <summary>
    /// Splits updates into those that change only the state columns (status, version, times) of a row this session
    /// locked, which <see cref="PostgreSqlStatements.UpdateTargetStates"/> writes, and the rest.
    /// </summary>
    private (List<TargetWrite> States, List<TargetWrite> Full) SplitUpdates(IReadOnlyList<TargetWrite> updates)
    {
        var states = new List<TargetWrite>(updates.Count);
        var full = new List<TargetWrite>();
        foreach (var update in updates)
        {
            var after = update.Target;
            var sameFields = _locked.TryGetValue(after.Id, out var before)
                && before.Version == update.ExpectedVersion
                && string.Equals(before.Name, after.Name, StringComparison.Ordinal)
                && string.Equals(before.Description, after.Description, StringComparison.Ordinal)
                && before.CreatedAt == after.CreatedAt
                && before.Markets.SequenceEqual(after.Markets, StringComparer.Ordinal);
            (sameFields ? states : full).Add(update);
        }

        return (states, full);
    }

    /// <summary>The parameters of <see cref="PostgreSqlStatements.UpdateTargetStates"/>, in order.</summary>
    private static NpgsqlParameter[] StateParameters(List<TargetWrite> updates)
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

        return
        [
            Array(NpgsqlDbType.Uuid, ids),
            Array(NpgsqlDbType.Text, statuses),
            Array(NpgsqlDbType.Bigint, versions),
            Array(NpgsqlDbType.TimestampTz, updated),
            Array(NpgsqlDbType.TimestampTz, statusChanged),
            Array(NpgsqlDbType.Bigint, expected),
        ];
    }

    /// <summary>The parameters of <see cref="PostgreSqlStatements.InsertHistory"/>, in order.</summary>
    private static NpgsqlParameter[] HistoryParameters(IReadOnlyList<HistoryEntry> history) =>
    [
        Array(NpgsqlDbType.Uuid, history.Select(h => h.Id)),
        Array(NpgsqlDbType.Uuid, history.Select(h => h.TargetId.Value)),
        Array(NpgsqlDbType.Text, history.Select(h => h.Action.ToString())),
        Array(NpgsqlDbType.Text, history.Select(h => h.OldStatus)),
        Array(NpgsqlDbType.Text, history.Select(h => h.NewStatus)),
        Array(NpgsqlDbType.Bigint, history.Select(h => h.Version)),
        Array(NpgsqlDbType.TimestampTz, history.Select(h => h.OccurredAt.UtcDateTime)),
        Array(NpgsqlDbType.Text, history.Select(h => h.ActorId)),
        Array(NpgsqlDbType.Text, history.Select(h => h.ActorName)),
        Array(NpgsqlDbType.Text, history.Select(h => h.CorrelationId)),
        Array(NpgsqlDbType.Text, history.Select(h => h.OperationId)),
        Array(NpgsqlDbType.Text, history.Select(h => h.ClientAddress)),
        Array(NpgsqlDbType.Text, history.Select(h => h.UserAgent)),
    ];

    private static NpgsqlParameter<T[]> Array<T>(NpgsqlDbType type, IEnumerable<T> values) =>
        new() { NpgsqlDbType = NpgsqlDbType.Array | type, TypedValue = values as T[] ?? values.ToArray() };
}
