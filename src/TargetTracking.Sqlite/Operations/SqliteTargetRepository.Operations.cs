using Dapper;

namespace TargetTracking.Sqlite;

/// <summary>Tracked bulk operations: each batch and its progress commit in one write session.</summary>
public sealed partial class SqliteTargetRepository : IOperationRepository
{
    /// <inheritdoc />
    public async Task<BulkOperation?> GetOperationAsync(string operationId, CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var row = await connection.QuerySingleOrDefaultAsync<OperationRow>(new CommandDefinition(
                $"{OperationSql.Select} WHERE o.id = @Id", new { Id = operationId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return row?.ToOperation();
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<BulkOperation>> FindOperationsAsync(IReadOnlyCollection<OperationStatus> statuses, DateTimeOffset? updatedBefore, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        var before = updatedBefore is null ? string.Empty : " AND o.last_updated_at < @Before";
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<OperationRow>(new CommandDefinition(
                $"{OperationSql.Select} WHERE o.status IN @Statuses{before} ORDER BY o.last_updated_at, o.id LIMIT @Limit",
                new { Statuses = statuses.Select(s => s.ToString()).ToArray(), Before = Stored.Time(updatedBefore), Limit = limit },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            return [.. rows.Select(r => r.ToOperation())];
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<OperationItemFailure>> GetOperationFailuresAsync(string operationId, TargetId? after, int limit, CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<OperationFailureRow>(new CommandDefinition(
                OperationSql.Failures,
                new { OperationId = operationId, After = after is { } a ? Stored.Id(a) : null, Limit = limit },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            return [.. rows.Select(r => r.ToFailure())];
        }
    }

    /// <inheritdoc />
    public async Task<int> DeleteFinishedOperationsAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var session = await SqliteWriteSession.BeginAsync(_database, _writeGate, cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var removed = await session.DeleteFinishedOperationsAsync(completedBefore, cancellationToken).ConfigureAwait(false);
            await session.CommitAsync(cancellationToken).ConfigureAwait(false);
            return removed;
        }
    }
}
