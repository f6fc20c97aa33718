using System.Text;
using MySqlConnector;

namespace TargetTracking.MySql;

/// <summary>
/// Collects the statements of one unit of work into <see cref="MySqlBatch"/>es on the write session's connection and
/// transaction, each sent in one round trip. A batch is sent when its values pass a size budget, so no batch nears
/// <c>max_allowed_packet</c> (16 MiB by default on MariaDB, 64 MiB on MySQL 8) whatever the text sizes; inserts of
/// targets travel in batches of their own, so a duplicate key there is known to be a target's.
/// </summary>
internal sealed class MySqlStatements(MySqlConnection connection, MySqlTransaction? transaction) : IAsyncDisposable
{
    /// <summary>The estimated size of a batch's values from which it is sent (UTF-8 bytes, before escaping, which at most doubles them).</summary>
    internal const int BatchBudget = 4 * 1024 * 1024;

    private readonly List<MySqlBatch> _sent = [];
    private MySqlBatch? _batch;
    private string? _batchTable;
    private readonly List<RowCount> _counts = [];
    private long _size;

    /// <summary>Adds a statement with positional (<c>?</c>) parameters.</summary>
    /// <param name="sql">The statement.</param>
    /// <param name="values">The values of its parameters, in order.</param>
    /// <param name="size">The estimated size of the values (<see cref="Size"/>).</param>
    /// <param name="table">The table whose duplicate keys the statement may hit and that a failure should name (<see cref="MySqlErrors.TableKey"/>).</param>
    /// <param name="counted">Whether to count the rows it matches: <see cref="MySqlBatch"/> reports one total, so a <c>SELECT ROW_COUNT()</c> follows it.</param>
    /// <param name="cancellationToken">Cancels a batch sent to make room.</param>
    /// <returns>Its count, read once the batch is sent; <see langword="null"/> when not counted.</returns>
    public async Task<RowCount?> AddAsync(string sql, IReadOnlyList<object?> values, long size, string? table, bool counted, CancellationToken cancellationToken)
    {
        if (_batch is not null && (_size + size > BatchBudget || !string.Equals(table, _batchTable, StringComparison.Ordinal)))
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_batch is null)
        {
            _batch = new MySqlBatch(connection, transaction);
            _batchTable = table;
        }

        var command = new MySqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new MySqlParameter { Value = value ?? DBNull.Value });
        }

        _batch.BatchCommands.Add(command);
        _size += size;
        if (!counted)
        {
            return null;
        }

        // Rows matched, not only changed: MySqlConnector connects with CLIENT_FOUND_ROWS unless UseAffectedRows is set,
        // and every write here changes the version anyway.
        _batch.BatchCommands.Add(new MySqlBatchCommand("SELECT ROW_COUNT()"));
        var count = new RowCount();
        _counts.Add(count);
        return count;
    }

    /// <summary>Sends the statements not sent yet, in order, and reads their counts.</summary>
    /// <param name="cancellationToken">Cancels the statements.</param>
    /// <returns>A task that completes when the server has run them.</returns>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_batch is null)
        {
            return;
        }

        var (batch, table, counts) = (_batch, _batchTable, _counts.ToArray());
        (_batch, _batchTable, _size) = (null, null, 0);
        _counts.Clear();
        _sent.Add(batch);
        try
        {
            // Only the SELECT ROW_COUNT() statements return result sets: one per count, in order.
            var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var next = 0;
                do
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        counts[next++].Value = reader.GetInt64(0);
                    }
                }
                while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));

                if (next != counts.Length)
                {
                    throw new InvalidOperationException($"The batch returned {next} row counts; {counts.Length} were asked for.");
                }
            }
        }
        catch (MySqlException e) when (table is not null && e.ErrorCode == MySqlErrorCode.DuplicateKeyEntry)
        {
            // MariaDB's message does not name the table: say which one, for MySqlErrors.Translate.
            e.Data[MySqlErrors.TableKey] = table;
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var batch in _sent)
        {
            await batch.DisposeAsync().ConfigureAwait(false);
        }

        if (_batch is not null)
        {
            await _batch.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Appends <paramref name="rows"/> rows of <paramref name="columns"/> placeholders to <paramref name="head"/>.</summary>
    public static string Values(string head, int rows, int columns)
    {
        var row = "(" + string.Join(", ", Enumerable.Repeat("?", columns)) + ")";
        var sql = new StringBuilder(head.Length + (rows * (row.Length + 2)));
        sql.Append(head);
        for (var i = 0; i < rows; i++)
        {
            sql.Append(i == 0 ? "\n" : ",\n").Append(row);
        }

        return sql.ToString();
    }

    /// <summary>The estimated UTF-8 size of a text value.</summary>
    public static long Size(string? text) => text is null ? 4 : 8 + (3L * text.Length);
}

/// <summary>How many rows a statement matched, known once its batch is sent.</summary>
internal sealed class RowCount
{
    /// <summary>Gets or sets the count.</summary>
    public long Value { get; set; }
}
