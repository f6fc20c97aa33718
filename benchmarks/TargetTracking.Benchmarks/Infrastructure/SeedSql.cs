using Npgsql;

namespace TargetTracking.Benchmarks.Infrastructure;

/// <summary>
/// The scale databases' raw SQL: seeding a million targets and its VACUUM run for minutes, far past Npgsql's 30 s
/// default, so each statement carries its own timeout.
/// </summary>
internal static class SeedSql
{
    /// <summary>Runs a statement (or several) that returns no rows.</summary>
    public static async Task RunAsync(this NpgsqlDataSource dataSource, string sql, int timeoutSeconds = 1800)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.CommandTimeout = timeoutSeconds;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Reads one 64-bit number, such as a count.</summary>
    public static async Task<long> NumberAsync(this NpgsqlDataSource dataSource, string sql, int timeoutSeconds = 600)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.CommandTimeout = timeoutSeconds;
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
