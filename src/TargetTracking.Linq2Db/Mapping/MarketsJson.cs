using System.Text.Encodings.Web;
using System.Text.Json;

namespace TargetTracking.Linq2Db;

/// <summary>Markets as a JSON array of text, where a database has no array type (SQLite, MariaDB).</summary>
internal static class MarketsJson
{
    // Keeps non-ASCII text readable in the database (the JSON never reaches a browser, so HTML-safe escaping buys nothing).
    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write(IReadOnlyList<string> markets) => JsonSerializer.Serialize(markets, Options);

    public static string[] Read(string json) => JsonSerializer.Deserialize<string[]>(json, Options) ?? [];
}
