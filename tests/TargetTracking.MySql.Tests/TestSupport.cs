using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace TargetTracking.MySql.Tests;

/// <summary>Collects log entries, for asserting what the core logs on retries.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    private readonly List<(LogLevel Level, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, string Message)> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries)
        {
            _entries.Add((logLevel, formatter(state, exception)));
        }
    }
}

internal static class Db
{
    public static TargetTracker Tracker(ITargetRepository repository, Action<TargetTrackingOptions>? configure = null, TimeProvider? clock = null, ILogger<TargetTracker>? logger = null)
    {
        var options = new TargetTrackingOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(1) };
        configure?.Invoke(options);
        return new TargetTracker(repository, options, clock ?? new FakeTimeProvider(), logger: logger);
    }

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
