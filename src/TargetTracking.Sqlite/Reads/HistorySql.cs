namespace TargetTracking.Sqlite;

/// <summary>The SQL of history reads.</summary>
internal static class HistorySql
{
    /// <summary>A target's entries newest first: one range of ux_target_history_target_version.</summary>
    public static string ForTarget(bool beforeVersion) =>
        $"SELECT {HistoryRow.Columns} FROM target_history h WHERE h.target_id = @Id{(beforeVersion ? " AND h.version < @BeforeVersion" : string.Empty)} " +
        "ORDER BY h.version DESC LIMIT @Limit";

    /// <summary>
    /// Every target's entries by (occurred_at, id): one range of ix_target_history_feed. Row values compare
    /// (occurred_at, id) as one key, which is the feed's keyset.
    /// </summary>
    public static string Feed(bool afterId) =>
        $"SELECT {HistoryRow.Columns} FROM target_history h WHERE {(afterId ? "(h.occurred_at, h.id) > (@Since, @AfterId)" : "h.occurred_at >= @Since")} " +
        "ORDER BY h.occurred_at, h.id LIMIT @Limit";
}
