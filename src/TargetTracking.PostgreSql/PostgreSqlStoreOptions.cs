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

        return problems;
    }

    /// <summary>Tells whether a name is one the store places into SQL (quoted): letters, digits and underscores, not starting with a digit, at most 63 characters.</summary>
    internal static bool IsIdentifier(string name) => name.Length <= 63 && Identifier().IsMatch(name);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex Identifier();
}
