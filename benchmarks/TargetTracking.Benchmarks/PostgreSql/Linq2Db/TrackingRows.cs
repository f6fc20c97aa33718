using LinqToDB;
using LinqToDB.Mapping;
using TargetTracking.Benchmarks.Infrastructure;

namespace TargetTracking.Benchmarks.PostgreSql.Linq2Db;

/// <summary>
/// A target row as a linq2db user maps it by hand, with attributes: the benchmark's <c>targets</c> table. The
/// status change reads and writes only these columns; linq2db needs no mapping for the others.
/// </summary>
[Table("targets", Schema = PostgreSqlBenchDatabase.Schema)]
internal sealed class TargetRow
{
    [Column("tenant_id"), PrimaryKey(0), NotNull]
    public string TenantId { get; set; } = "default";

    [Column("id"), PrimaryKey(1), NotNull]
    public Guid Id { get; set; }

    [Column("status"), Nullable]
    public string? Status { get; set; }

    [Column("version"), NotNull]
    public long Version { get; set; }

    // timestamptz: without the data type a value would go out as timestamp without time zone.
    [Column("updated_at", DataType = DataType.DateTimeOffset), NotNull]
    public DateTimeOffset UpdatedAt { get; set; }

    [Column("status_changed_at", DataType = DataType.DateTimeOffset), Nullable]
    public DateTimeOffset? StatusChangedAt { get; set; }
}

/// <summary>A history row as a linq2db user maps it by hand: the 13 columns of the benchmark's <c>target_history</c> table.</summary>
[Table("target_history", Schema = PostgreSqlBenchDatabase.Schema)]
internal sealed class HistoryRow
{
    [Column("tenant_id"), PrimaryKey(0), NotNull]
    public string TenantId { get; set; } = "default";

    [Column("id"), PrimaryKey(1), NotNull]
    public Guid Id { get; set; }

    [Column("target_id"), NotNull]
    public Guid TargetId { get; set; }

    [Column("action"), NotNull]
    public string Action { get; set; } = "";

    [Column("old_status"), Nullable]
    public string? OldStatus { get; set; }

    [Column("new_status"), Nullable]
    public string? NewStatus { get; set; }

    [Column("version"), NotNull]
    public long Version { get; set; }

    [Column("occurred_at", DataType = DataType.DateTimeOffset), NotNull]
    public DateTimeOffset OccurredAt { get; set; }

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
