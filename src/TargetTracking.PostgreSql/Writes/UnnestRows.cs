using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace TargetTracking.PostgreSql;

/// <summary>
/// Rows for a set-based statement, column by column: a column whose value differs between rows travels as one array
/// (<c>unnest</c>); a column with one value for every row (the audit context, the time, the new status of a bulk
/// change) travels once, as a scalar. A 10,000-item bulk then sends what a hand-written statement would, not 10,000
/// copies of its user agent. One row is all scalars, no <c>unnest</c> and no arrays to build: a single change travels as a
/// hand-written statement with plain parameters would.
/// </summary>
/// <param name="count">How many rows.</param>
/// <param name="firstParameter">The number of the first parameter, for rows that follow others' parameters in one statement.</param>
internal sealed class UnnestRows(int count, int firstParameter = 1)
{
    private readonly List<NpgsqlParameter> _parameters = [];
    private readonly List<(string Name, string Type, bool IsArray)> _columns = [];

    /// <summary>Gets the parameters, in order (<c>$1</c>, <c>$2</c>, … from the first parameter's number).</summary>
    public NpgsqlParameter[] Parameters => [.. _parameters];

    /// <summary>Gets how many parameters the rows take.</summary>
    public int ParameterCount => _parameters.Count;

    /// <summary>
    /// Gets which columns travel as arrays, one bit per column in order. With the same columns added in the same order (one
    /// call site), the rows' text (<see cref="Sql"/>) depends on this alone, so a statement's text can be kept per shape.
    /// </summary>
    public ulong Shape { get; private set; }

    /// <summary>Adds a column.</summary>
    /// <param name="name">The column's name in the rows.</param>
    /// <param name="type">Its PostgreSQL type, as written in a cast.</param>
    /// <param name="dbType">Its Npgsql type.</param>
    /// <param name="values">One value per row.</param>
    /// <returns>This.</returns>
    public UnnestRows Column<T>(string name, string type, NpgsqlDbType dbType, T[] values)
    {
        if (count > 0 && AllEqual(values))
        {
            return Constant(name, type, dbType, values[0]);
        }

        Shape |= 1UL << _columns.Count;
        _parameters.Add(new NpgsqlParameter<T[]> { NpgsqlDbType = NpgsqlDbType.Array | dbType, TypedValue = values });
        _columns.Add((name, type, true));
        return this;
    }

    /// <summary>Adds a column with one value for every row, sent once as a scalar whatever the number of rows (the tenant).</summary>
    /// <param name="name">The column's name in the rows.</param>
    /// <param name="type">Its PostgreSQL type, as written in a cast.</param>
    /// <param name="dbType">Its Npgsql type.</param>
    /// <param name="value">The value.</param>
    /// <returns>This.</returns>
    public UnnestRows Constant<T>(string name, string type, NpgsqlDbType dbType, T value)
    {
        _parameters.Add(new NpgsqlParameter<T> { NpgsqlDbType = dbType, TypedValue = value });
        _columns.Add((name, type, false));
        return this;
    }

    /// <summary>The rows as a subquery: <c>(SELECT … FROM unnest(…) AS u(c1, …))</c>, or <c>(SELECT …)</c> when every column is one value.</summary>
    public string Sql()
    {
        var columns = new List<string>(_columns.Count);
        var arrays = new List<string>();
        for (var i = 0; i < _columns.Count; i++)
        {
            var (name, type, isArray) = _columns[i];
            var position = (firstParameter + i).ToString(CultureInfo.InvariantCulture);
            if (isArray)
            {
                arrays.Add($"${position}::{type}[]");
                columns.Add($"u.c{arrays.Count} AS {name}");
            }
            else
            {
                columns.Add($"${position}::{type} AS {name}");
            }
        }

        if (arrays.Count == 0)
        {
            return $"(SELECT {string.Join(", ", columns)})";
        }

        var names = new StringBuilder();
        for (var i = 1; i <= arrays.Count; i++)
        {
            names.Append(i == 1 ? "c1" : $", c{i}");
        }

        return $"(SELECT {string.Join(", ", columns)} FROM unnest({string.Join(", ", arrays)}) AS u({names}))";
    }

    private static bool AllEqual<T>(T[] values)
    {
        var comparer = EqualityComparer<T>.Default;
        for (var i = 1; i < values.Length; i++)
        {
            if (!comparer.Equals(values[0], values[i]))
            {
                return false;
            }
        }

        return true;
    }
}
