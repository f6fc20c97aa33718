using System.Text.Encodings.Web;
using System.Text.Json;

namespace TargetTracking.Sqlite;

/// <summary>How the store spells values in SQLite: ids as lower-case "D" text, times as UTC ticks, markets as a JSON array.</summary>
internal static class Stored
{
    // Keeps non-ASCII text readable in the file (the JSON never reaches a browser, so HTML-safe escaping buys nothing).
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Id(TargetId id) => id.Value.ToString("D");

    public static string Id(Guid id) => id.ToString("D");

    public static long Time(DateTimeOffset time) => time.UtcTicks;

    public static long? Time(DateTimeOffset? time) => time?.UtcTicks;

    public static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);

    public static string Markets(IReadOnlyList<string> markets) => JsonSerializer.Serialize(markets, Json);

    public static IReadOnlyList<string> Markets(string json) => JsonSerializer.Deserialize<string[]>(json, Json) ?? [];
}

/// <summary>A row of <c>targets</c>, as Dapper reads it.</summary>
internal sealed class TargetRow
{
    /// <summary>The select list that fills this row from <c>targets t</c>.</summary>
    public const string Columns =
        "t.id AS Id, t.name AS Name, t.description AS Description, t.markets AS Markets, t.status AS Status, t.version AS Version, " +
        "t.created_at AS CreatedAt, t.updated_at AS UpdatedAt, t.status_changed_at AS StatusChangedAt";

    public string Id { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;

    public string? Description { get; set; }

    public string Markets { get; set; } = "[]";

    public string? Status { get; set; }

    public long Version { get; set; }

    public long CreatedAt { get; set; }

    public long UpdatedAt { get; set; }

    public long? StatusChangedAt { get; set; }

    public Target ToTarget() => new()
    {
        Id = new TargetId(Guid.Parse(Id)),
        Name = Name,
        Description = Description,
        Markets = Stored.Markets(Markets),
        Status = Status,
        Version = Version,
        CreatedAt = Stored.Time(CreatedAt),
        UpdatedAt = Stored.Time(UpdatedAt),
        StatusChangedAt = StatusChangedAt is { } changed ? Stored.Time(changed) : null,
    };
}

/// <summary>A row of <c>target_history</c>, as Dapper reads it.</summary>
internal sealed class HistoryRow
{
    /// <summary>The select list that fills this row from <c>target_history h</c>.</summary>
    public const string Columns =
        "h.id AS Id, h.target_id AS TargetId, h.action AS Action, h.old_status AS OldStatus, h.new_status AS NewStatus, h.version AS Version, " +
        "h.occurred_at AS OccurredAt, h.actor_id AS ActorId, h.actor_name AS ActorName, h.correlation_id AS CorrelationId, " +
        "h.operation_id AS OperationId, h.client_address AS ClientAddress, h.user_agent AS UserAgent";

    public string Id { get; set; } = string.Empty;

    public string TargetId { get; set; } = string.Empty;

    public string Action { get; set; } = string.Empty;

    public string? OldStatus { get; set; }

    public string? NewStatus { get; set; }

    public long Version { get; set; }

    public long OccurredAt { get; set; }

    public string? ActorId { get; set; }

    public string? ActorName { get; set; }

    public string CorrelationId { get; set; } = string.Empty;

    public string? OperationId { get; set; }

    public string? ClientAddress { get; set; }

    public string? UserAgent { get; set; }

    public HistoryEntry ToEntry() => new()
    {
        Id = Guid.Parse(Id),
        TargetId = new TargetId(Guid.Parse(TargetId)),
        Action = Enum.Parse<HistoryAction>(Action),
        OldStatus = OldStatus,
        NewStatus = NewStatus,
        Version = Version,
        OccurredAt = Stored.Time(OccurredAt),
        ActorId = ActorId,
        ActorName = ActorName,
        CorrelationId = CorrelationId,
        OperationId = OperationId,
        ClientAddress = ClientAddress,
        UserAgent = UserAgent,
    };
}
