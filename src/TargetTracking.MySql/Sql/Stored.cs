using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace TargetTracking.MySql;

/// <summary>
/// How the store spells values in MariaDB/MySQL: ids as <c>BINARY(16)</c> in RFC 4122 (big-endian) byte order, so
/// byte order is .NET's <see cref="Guid"/> order and PostgreSQL's <c>uuid</c> order; times as <c>DATETIME(6)</c> in
/// UTC; many ids or rows as one JSON parameter that <c>JSON_TABLE</c> reads.
/// </summary>
internal static class Stored
{
    // Keeps non-ASCII text as UTF-8 in the JSON (the JSON never reaches a browser, so HTML-safe escaping buys nothing).
    private static readonly JsonWriterOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Id(Guid id) => id.ToByteArray(bigEndian: true);

    public static byte[]? Id(Guid? id) => id?.ToByteArray(bigEndian: true);

    public static Guid Id(byte[] bytes) => new(bytes, bigEndian: true);

    public static Guid? NullableId(byte[]? bytes) => bytes is null ? null : new Guid(bytes, bigEndian: true);

    public static DateTime Time(DateTimeOffset time) => time.UtcDateTime;

    public static DateTime? Time(DateTimeOffset? time) => time?.UtcDateTime;

    public static DateTimeOffset Time(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));

    public static DateTimeOffset? Time(DateTime? time) => time is { } t ? Time(t) : null;

    /// <summary>A JSON array of the ids as 32 hex digits in byte order, sorted: <c>JSON_TABLE</c> yields them in that order.</summary>
    public static string Ids(IEnumerable<Guid> ids)
    {
        var sorted = ids.ToArray();
        Array.Sort(sorted);
        return Rows(sorted, static (w, id) => Hex(w, id));
    }

    /// <summary>Writes rows as a JSON array of arrays; <paramref name="row"/> writes one row's values.</summary>
    public static string Rows<T>(IReadOnlyList<T> rows, Action<Utf8JsonWriter, T> row)
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Max(256, rows.Count * 64));
        using (var writer = new Utf8JsonWriter(buffer, Writer))
        {
            writer.WriteStartArray();
            foreach (var item in rows)
            {
                row(writer, item);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes an id as 32 hex digits in byte order (what <c>UNHEX</c> turns back into the stored bytes).</summary>
    public static void Hex(Utf8JsonWriter writer, Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        Span<char> hex = stackalloc char[32];
        Convert.TryToHexString(bytes, hex, out _);
        writer.WriteStringValue(hex);
    }

    /// <summary>Writes a time as <c>DATETIME(6)</c> text in UTC, or null.</summary>
    public static void Time(Utf8JsonWriter writer, DateTimeOffset? time)
    {
        if (time is { } t)
        {
            Span<char> text = stackalloc char[26];
            t.UtcDateTime.TryFormat(text, out var written, "yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
            writer.WriteStringValue(text[..written]);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
