using Microsoft.Data.Sqlite;

namespace TargetTracking.Sqlite;

/// <summary>A parameter of a <see cref="PreparedBatch{T}"/> and how to take its value from a row.</summary>
/// <typeparam name="T">The row type.</typeparam>
/// <param name="Name">The parameter name, as in the SQL.</param>
/// <param name="Value">Takes the value from a row; <see langword="null"/> binds SQL NULL.</param>
internal sealed record BatchParameter<T>(string Name, Func<T, object?> Value);

/// <summary>
/// One statement prepared once and run for every row, inside the caller's transaction. SQLite has no network
/// round trip, so this is the set-based write: measured about twice as fast as Dapper's multi-row execute
/// (which rebuilds its parameters per row) and than one statement over a JSON array (<c>json_each</c>).
/// </summary>
/// <typeparam name="T">The row type.</typeparam>
internal static class PreparedBatch<T>
{
    /// <summary>Runs <paramref name="sql"/> once per row.</summary>
    /// <returns>The rows changed in all.</returns>
    public static async Task<int> ExecuteAsync(
        SqliteConnection connection,
        SqliteTransaction transaction,
        string sql,
        IReadOnlyList<BatchParameter<T>> parameters,
        IEnumerable<T> rows,
        CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        var bound = new SqliteParameter[parameters.Count];
        for (var i = 0; i < bound.Length; i++)
        {
            bound[i] = command.Parameters.Add(new SqliteParameter { ParameterName = parameters[i].Name });
        }

        // Compiled once; each row only binds new values and steps the statement.
        command.Prepare();
        var changed = 0;
        foreach (var row in rows)
        {
            for (var i = 0; i < bound.Length; i++)
            {
                bound[i].Value = parameters[i].Value(row) ?? DBNull.Value;
            }

            changed += await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return changed;
    }
}
