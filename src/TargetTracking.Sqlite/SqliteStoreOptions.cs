using Microsoft.Data.Sqlite;
using TargetTracking.Linq2Db;

namespace TargetTracking.Sqlite;

/// <summary>Options of the SQLite store, validated at start-up.</summary>
public sealed class SqliteStoreOptions : Linq2DbStoreOptions
{
    /// <summary>The longest <see cref="BusyTimeout"/> accepted.</summary>
    public static readonly TimeSpan MaxBusyTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Gets or sets the connection string: a file (<c>Data Source=targets.db</c>) or a named in-memory database
    /// shared by the store's connections (<c>Data Source=name;Mode=Memory;Cache=Shared</c> or
    /// <c>Data Source=file:name?mode=memory&amp;cache=shared</c>). An in-memory database lives as long as the store.
    /// </summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets how long a statement waits for another connection's lock (SQLite busy timeout) before it fails
    /// as busy; the core then re-runs the whole unit of work with backoff. Microsoft.Data.Sqlite keeps retrying a
    /// busy statement for its command timeout too, which the store sets to this value rounded up to whole seconds
    /// (at least one).
    /// </summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <inheritdoc />
    public override IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (BusyTimeout < TimeSpan.Zero || BusyTimeout > MaxBusyTimeout)
        {
            problems.Add($"SqliteStoreOptions.BusyTimeout must be between 0 and {MaxBusyTimeout}; it is {BusyTimeout}.");
        }

        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            problems.Add("SqliteStoreOptions.ConnectionString is required, e.g. \"Data Source=targets.db\".");
            return problems;
        }

        SqliteConnectionStringBuilder builder;
        try
        {
            builder = new SqliteConnectionStringBuilder(ConnectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            problems.Add($"SqliteStoreOptions.ConnectionString is not a valid SQLite connection string: {e.Message}");
            return problems;
        }

        if (string.IsNullOrWhiteSpace(builder.DataSource))
        {
            problems.Add("SqliteStoreOptions.ConnectionString must name a Data Source (a file, or a named shared in-memory database).");
        }
        else if (SqliteDatabase.IsPrivateMemory(builder))
        {
            problems.Add(
                $"SqliteStoreOptions.ConnectionString names a private in-memory database ('{builder.DataSource}'), which every connection sees empty. " +
                "Use a named shared one: \"Data Source=name;Mode=Memory;Cache=Shared\".");
        }

        if (builder.Mode == SqliteOpenMode.ReadOnly)
        {
            problems.Add("SqliteStoreOptions.ConnectionString opens the database read-only (Mode=ReadOnly); the store writes.");
        }

        return problems;
    }
}
