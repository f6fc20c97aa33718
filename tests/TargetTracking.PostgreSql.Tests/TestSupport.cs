using Npgsql;

namespace TargetTracking.PostgreSql.Tests;

/// <summary>Raw SQL on the run's database, for what the store does not read (positional <c>$1</c> parameters).</summary>
internal static class Db
{
    public static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    public static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Counts rows of one of the store's tables (the schema name is a test-made identifier).</summary>
    public static Task<long> CountAsync(NpgsqlDataSource dataSource, string schema, string table) =>
        ScalarAsync<long>(dataSource, $"SELECT count(*) FROM \"{schema}\".{table}");
}
