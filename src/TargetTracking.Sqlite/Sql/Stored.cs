using System.Text.Json;

namespace TargetTracking.Sqlite;

/// <summary>How the store spells values in SQLite: ids as lower-case "D" text, times as UTC ticks (markets: <c>MarketsJson</c>).</summary>
internal static class Stored
{
    public static string Id(TargetId id) => id.Value.ToString("D");

    public static string Id(Guid id) => id.ToString("D");

    public static Guid Id(string id) => Guid.Parse(id);

    public static long Time(DateTimeOffset time) => time.UtcTicks;

    public static long? Time(DateTimeOffset? time) => time?.UtcTicks;

    public static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);

    public static string Ids(IEnumerable<Guid> ids) => JsonSerializer.Serialize(ids.Select(Id));
}
