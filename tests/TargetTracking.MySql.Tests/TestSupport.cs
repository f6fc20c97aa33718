using MySqlConnector;

namespace TargetTracking.MySql.Tests;

/// <summary>Raw SQL on a store's database, for what the store does not read (positional <c>?</c> parameters).</summary>
internal static class Db
{
    /// <summary>Runs a query on a connection string (positional <c>?</c> parameters) and returns its first value.</summary>
    public static async Task<T> ScalarAsync<T>(string connectionString, string sql, params object[] parameters)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = Command(connection, sql, parameters);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default! : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Runs a statement on a connection string (positional <c>?</c> parameters).</summary>
    public static async Task<int> ExecuteAsync(string connectionString, string sql, params object[] parameters)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>Counts rows of one of the store's tables.</summary>
    public static Task<long> CountAsync(string connectionString, string table) =>
        ScalarAsync<long>(connectionString, $"SELECT COUNT(*) FROM {table}");

    private static MySqlCommand Command(MySqlConnection connection, string sql, object[] parameters)
    {
        var command = new MySqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new MySqlParameter { Value = parameter });
        }

        return command;
    }
}
