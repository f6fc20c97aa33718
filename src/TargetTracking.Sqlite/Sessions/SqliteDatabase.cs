using System.Globalization;
using Microsoft.Data.Sqlite;

namespace TargetTracking.Sqlite;

/// <summary>
/// One database as the store sees it: the connection string it opens with, whether it is a file or a shared
/// in-memory database, and the per-connection settings. Opening goes through Microsoft.Data.Sqlite's pool.
/// </summary>
internal sealed class SqliteDatabase
{
    private readonly string _connectionPragmas;

    public SqliteDatabase(SqliteStoreOptions options)
    {
        EnsureNativeLibrary();
        var builder = new SqliteConnectionStringBuilder(options.ConnectionString)
        {
            // Set on every new physical connection by Microsoft.Data.Sqlite itself.
            ForeignKeys = true,

            // Microsoft.Data.Sqlite retries busy and locked statements for this many seconds (0 would mean forever).
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds)),
        };
        ConnectionString = builder.ToString();
        var busyMilliseconds = ((long)options.BusyTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        _connectionPragmas = $"PRAGMA busy_timeout = {busyMilliseconds}; PRAGMA synchronous = NORMAL;";
    }

    /// <summary>
    /// The package depends on Microsoft.Data.Sqlite.Core, so the host chooses the native SQLite; without one, say which
    /// package to add instead of SQLitePCL's "call SetProvider()" on the first query.
    /// </summary>
    private static void EnsureNativeLibrary()
    {
        try
        {
            _ = new SqliteConnection().ServerVersion;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidOperationException(
                "TargetTracking.Sqlite found no native SQLite library. Add the package SQLitePCLRaw.bundle_e_sqlite3 (what " +
                "Microsoft.Data.Sqlite brings), SQLitePCLRaw.bundle_e_sqlcipher, or another SQLitePCLRaw provider to the application.",
                e);
        }
    }

    /// <summary>Gets the connection string the store opens connections with.</summary>
    public string ConnectionString { get; }

    /// <summary>Opens a connection with the store's settings: busy timeout, foreign keys on, synchronous NORMAL.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ConfigureAsync(connection, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sets the per-connection settings on an open connection.</summary>
    /// <remarks>Pooled connections keep these, but there is no cheap way to know a connection is new; the PRAGMAs cost microseconds.</remarks>
    public async Task ConfigureAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = _connectionPragmas;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets the per-connection settings on an open connection, synchronously (linq2db's synchronous open).</summary>
    public void Configure(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = _connectionPragmas;
        command.ExecuteNonQuery();
    }

    /// <summary>Tells whether a connection string names an in-memory database (it lives only while a connection to it is open).</summary>
    public static bool IsMemory(string connectionString) => IsMemoryDatabase(new SqliteConnectionStringBuilder(connectionString));

    /// <summary>Tells whether a connection string names an in-memory database that no other connection can see.</summary>
    public static bool IsPrivateMemory(SqliteConnectionStringBuilder builder) =>
        IsMemoryDatabase(builder) && !IsSharedCache(builder);

    /// <summary>
    /// Tells whether connections with this connection string share SQLite's cache, where a reader can see other
    /// connections' uncommitted rows (the store's deferred read transactions set <c>read_uncommitted</c>).
    /// </summary>
    public static bool SharesCache(string connectionString) => IsSharedCache(new SqliteConnectionStringBuilder(connectionString));

    private static bool IsMemoryDatabase(SqliteConnectionStringBuilder builder) =>
        builder.Mode == SqliteOpenMode.Memory
        || string.Equals(builder.DataSource, ":memory:", StringComparison.OrdinalIgnoreCase)
        || string.Equals(UriParameter(builder.DataSource, "mode"), "memory", StringComparison.OrdinalIgnoreCase)
        || builder.DataSource.StartsWith("file::memory:", StringComparison.OrdinalIgnoreCase);

    private static bool IsSharedCache(SqliteConnectionStringBuilder builder) =>
        !string.Equals(builder.DataSource, ":memory:", StringComparison.OrdinalIgnoreCase)
        && (builder.Cache == SqliteCacheMode.Shared
            || string.Equals(UriParameter(builder.DataSource, "cache"), "shared", StringComparison.OrdinalIgnoreCase));

    /// <summary>Reads a query parameter of a URI file name (<c>file:name?mode=memory&amp;cache=shared</c>).</summary>
    private static string? UriParameter(string dataSource, string name)
    {
        if (!dataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var query = dataSource.IndexOf('?', StringComparison.Ordinal);
        if (query < 0)
        {
            return null;
        }

        foreach (var pair in dataSource[(query + 1)..].Split('&'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && string.Equals(pair[..equals], name, StringComparison.OrdinalIgnoreCase))
            {
                return pair[(equals + 1)..];
            }
        }

        return null;
    }
}
