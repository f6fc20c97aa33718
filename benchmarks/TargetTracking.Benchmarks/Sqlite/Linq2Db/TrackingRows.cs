using LinqToDB;
using LinqToDB.Mapping;

namespace TargetTracking.Benchmarks.Sqlite.Linq2Db;

/// <summary>
/// A target row as a linq2db user maps the SQLite <c>targets</c> table by hand, with attributes: ids are lower-case
/// "D" GUID text and times INTEGER UTC ticks, so the user maps them as they are stored. The status change reads and
/// writes only these columns.
/// </summary>
[Table("targets")]
internal sealed class TargetRow
{
    [Column("tenant_id"), PrimaryKey(0), NotNull]
    public string TenantId { get; set; } = "default";

    // A string key marked not-null: otherwise linq2db makes comparisons on it null-safe (… OR id IS NULL …).
    [Column("id"), PrimaryKey(1), NotNull]
    public string Id { get; set; } = "";

    [Column("status"), Nullable]
    public string? Status { get; set; }

    [Column("version"), NotNull]
    public long Version { get; set; }

    [Column("updated_at"), NotNull]
    public long UpdatedAt { get; set; }

    [Column("status_changed_at"), Nullable]
    public long? StatusChangedAt { get; set; }
}

/// <summary>A history row as a linq2db user maps it by hand: the 13 columns of the SQLite <c>target_history</c> table.</summary>
[Table("target_history")]
internal sealed class HistoryRow
{
    [Column("tenant_id"), PrimaryKey(0), NotNull]
    public string TenantId { get; set; } = "default";

    [Column("id"), PrimaryKey(1), NotNull]
    public string Id { get; set; } = "";

    [Column("target_id"), NotNull]
    public string TargetId { get; set; } = "";

    [Column("action"), NotNull]
    public string Action { get; set; } = "";

    [Column("old_status"), Nullable]
    public string? OldStatus { get; set; }

    [Column("new_status"), Nullable]
    public string? NewStatus { get; set; }

    [Column("version"), NotNull]
    public long Version { get; set; }

    [Column("occurred_at"), NotNull]
    public long OccurredAt { get; set; }

    [Column("actor_id"), Nullable]
    public string? ActorId { get; set; }

    [Column("actor_name"), Nullable]
    public string? ActorName { get; set; }

    [Column("correlation_id"), NotNull]
    public string CorrelationId { get; set; } = "";

    [Column("operation_id"), Nullable]
    public string? OperationId { get; set; }

    [Column("client_address"), Nullable]
    public string? ClientAddress { get; set; }

    [Column("user_agent"), Nullable]
    public string? UserAgent { get; set; }
}

/// <summary>SQL a linq2db user adds for SQLite, which has no array parameters.</summary>
internal static class SqliteSql
{
    /// <summary>
    /// <c>value IN (SELECT value FROM json_each(@array))</c>: any number of keys in one parameter. A local list's
    /// <c>Contains</c> would inline every key as a literal.
    /// </summary>
    /// <param name="value">The column.</param>
    /// <param name="jsonArray">A JSON array of the keys.</param>
    /// <returns>Whether the value is one of the keys (in SQL only).</returns>
    [Sql.Expression("{0} IN (SELECT value FROM json_each({1}))", IsPredicate = true, ServerSideOnly = true)]
    public static bool InJsonArray(string value, string jsonArray) => throw new InvalidOperationException("Runs only in SQL.");
}
