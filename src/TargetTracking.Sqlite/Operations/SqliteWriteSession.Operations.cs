using Dapper;
using System.Text.Json;

namespace TargetTracking.Sqlite;

/// <summary>The tracked-operation part of a write session: every call joins the session's transaction.</summary>
internal sealed partial class SqliteWriteSession : IOperationWriteSession
{
    private static readonly BatchParameter<OperationItemFailure>[] FailureParameters =
    [
        new("@OperationId", f => f.OperationId),
        new("@TargetId", f => Stored.Id(f.TargetId)),
        new("@Code", f => f.Code),
        new("@Message", f => f.Message),
        new("@OccurredAt", f => Stored.Time(f.OccurredAt)),
    ];

    public async Task<long?> CreateOperationAsync(BulkOperation operation, OperationSelection selection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(selection);
        ObjectDisposedException.ThrowIf(_ended, this);
        if (await Execute(OperationSql.Insert, OperationRow.From(operation), cancellationToken).ConfigureAwait(false) == 0)
        {
            return null;
        }

        if (selection.Ids is { } ids)
        {
            return await Execute(
                OperationSql.InsertIds,
                new { OperationId = operation.Id, Ids = JsonSerializer.Serialize(ids.Select(Stored.Id)) },
                cancellationToken).ConfigureAwait(false);
        }

        // The matches are copied inside the store: the selection never passes through memory.
        var (where, parameters) = TargetQuerySql.Filter(selection.Filter!);
        parameters.Add("OperationId", operation.Id);
        return await Execute(OperationSql.InsertMatchesOf + where, parameters, cancellationToken).ConfigureAwait(false);
    }

    public async Task<BulkOperation?> LockOperationAsync(string operationId, CancellationToken cancellationToken = default)
    {
        // The session holds SQLite's write lock already: no other writer can touch the operation until it ends.
        ObjectDisposedException.ThrowIf(_ended, this);
        var row = await _connection.QuerySingleOrDefaultAsync<OperationRow>(new CommandDefinition(
            $"{OperationSql.Select} WHERE o.id = @Id", new { Id = operationId }, _transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToOperation();
    }

    public async Task<IReadOnlyList<TargetId>> ReadOperationItemsAsync(string operationId, TargetId? after, int limit, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        var ids = await _connection.QueryAsync<string>(new CommandDefinition(
            after is null ? OperationSql.ReadItems : OperationSql.ReadItemsAfter,
            new { OperationId = operationId, After = after is { } a ? Stored.Id(a) : null, Limit = limit },
            _transaction,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. ids.Select(id => new TargetId(Guid.Parse(id)))];
    }

    public async Task SaveOperationAsync(BulkOperation operation, IReadOnlyList<OperationItemFailure> failures, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(failures);
        ObjectDisposedException.ThrowIf(_ended, this);
        if (await Execute(OperationSql.Update, OperationRow.From(operation), cancellationToken).ConfigureAwait(false) == 0)
        {
            throw new InvalidOperationException($"Operation '{operation.Id}' does not exist.");
        }

        if (failures.Count > 0)
        {
            await ExecuteAsync(OperationSql.InsertFailure, FailureParameters, failures, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Removes finished operations that ended before <paramref name="before"/>, with their items and failures.</summary>
    public Task<int> DeleteFinishedOperationsAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        return Execute(OperationSql.DeleteFinished, new { Before = Stored.Time(before) }, cancellationToken);
    }

    private Task<int> Execute(string sql, object parameters, CancellationToken cancellationToken) =>
        _connection.ExecuteAsync(new CommandDefinition(sql, parameters, _transaction, cancellationToken: cancellationToken));
}
