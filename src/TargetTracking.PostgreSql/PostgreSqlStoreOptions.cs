using System.Text.RegularExpressions;
using TargetTracking.Linq2Db;

namespace TargetTracking.PostgreSql;

/// <summary>Options of the PostgreSQL store, validated at start-up.</summary>
public sealed partial class PostgreSqlStoreOptions : Linq2DbStoreOptions
{
    /// <summary>The schema used when none is configured.</summary>
    public const string DefaultSchema = "targettracking";

    /// <summary>
    /// Gets or sets the schema that holds the store's tables: letters, digits and underscores, not starting
    /// with a digit, at most 63 characters. It is quoted in SQL, so its case is kept.
    /// </summary>
    /// <value>The default value is <c>targettracking</c>.</value>
    public string Schema { get; set; } = DefaultSchema;

    /// <summary>
    /// Gets or sets a connection string direct to the PostgreSQL server for the change feed's <c>LISTEN</c>, which needs a
    /// session of its own: set it when the store's connections go through a transaction-mode pooler (PgBouncer), which
    /// keeps no session. The feed then wakes on each commit's notification as without a pooler; its reads, and every
    /// other statement, still go through the pooler. One connection per store, while a feed subscription runs.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: <c>LISTEN</c> on the store's own connections (behind a pooler,
    /// subscriptions then wake on their polling timer only).</value>
    public string? ListenConnectionString { get; set; }

    /// <summary>
    /// Gets or sets where reports, counts as of a date, the change feed and history pages read: on the primary, or on a
    /// standby of a multi-host data source (<c>Host=a,b,c</c>; Patroni, streaming replicas). With standby reads on, the
    /// store's writes go to the primary whatever the connection string's <c>Target Session Attributes</c>.
    /// </summary>
    /// <value>The default value is <see cref="PostgreSql.StandbyReads.Off"/>.</value>
    public StandbyReads StandbyReads { get; set; } = StandbyReads.Off;

    /// <summary>
    /// Gets or sets how long a <see cref="PostgreSql.StandbyReads.ReadYourWrites"/> read waits for the standby to replay the
    /// primary's commits before it reads on the primary instead: more than zero, at most a minute.
    /// </summary>
    /// <value>The default value is one second.</value>
    public TimeSpan StandbyWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    public override IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrEmpty(Schema))
        {
            problems.Add("PostgreSqlStoreOptions.Schema is required.");
        }
        else if (!IsIdentifier(Schema))
        {
            problems.Add(
                $"PostgreSqlStoreOptions.Schema '{Schema}' is not a valid schema name: use letters, digits and underscores, not starting with a digit, at most 63 characters.");
        }

        if (ListenConnectionString is { } listen)
        {
            try
            {
                _ = new Npgsql.NpgsqlConnectionStringBuilder(listen);
            }
            catch (ArgumentException e)
            {
                problems.Add($"PostgreSqlStoreOptions.ListenConnectionString is not a valid connection string: {e.Message}");
            }
        }

        if (!Enum.IsDefined(StandbyReads))
        {
            problems.Add($"PostgreSqlStoreOptions.StandbyReads {(int)StandbyReads} is not a defined value.");
        }

        if (StandbyWait <= TimeSpan.Zero || StandbyWait > TimeSpan.FromMinutes(1))
        {
            problems.Add($"PostgreSqlStoreOptions.StandbyWait {StandbyWait} must be more than zero and at most a minute.");
        }

        return problems;
    }

    /// <summary>Tells whether a name is one the store places into SQL (quoted): letters, digits and underscores, not starting with a digit, at most 63 characters.</summary>
    internal static bool IsIdentifier(string name) => name.Length <= 63 && Identifier().IsMatch(name);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex Identifier();
}
