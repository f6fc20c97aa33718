using System.Text.Json;
using System.Text.Json.Serialization;

namespace TargetTracking;

/// <summary>One row of a tenant's export: its kind (<see cref="TenantRecordKinds"/>) and the row as the API returns it.</summary>
/// <param name="Kind">The kind of row.</param>
/// <param name="Data">
/// The row: a <see cref="Target"/>, <see cref="HistoryEntry"/>, <see cref="HierarchyItem"/>, <see cref="OutcomeLink"/>,
/// <see cref="HierarchyHistoryEntry"/>, <see cref="BulkOperation"/>, <see cref="OperationItem"/> or <see cref="OperationItemFailure"/>.
/// </param>
public sealed record TenantRecord(string Kind, object Data);

/// <summary>An item of a tracked operation's fixed selection.</summary>
/// <param name="OperationId">The operation.</param>
/// <param name="TargetId">The target it selected.</param>
public sealed record OperationItem(string OperationId, TargetId TargetId);

/// <summary>The kinds of rows in a tenant's export, in the order they are written.</summary>
public static class TenantRecordKinds
{
    /// <summary>A <see cref="TargetTracking.Target"/>.</summary>
    public const string Target = "target";

    /// <summary>A <see cref="HistoryEntry"/>.</summary>
    public const string History = "history";

    /// <summary>A <see cref="HierarchyItem"/> (goal, sprint or commitment).</summary>
    public const string Item = "item";

    /// <summary>An <see cref="OutcomeLink"/>.</summary>
    public const string Link = "link";

    /// <summary>A <see cref="HierarchyHistoryEntry"/>.</summary>
    public const string ItemHistory = "item_history";

    /// <summary>A <see cref="BulkOperation"/>.</summary>
    public const string Operation = "operation";

    /// <summary>An <see cref="TargetTracking.OperationItem"/>.</summary>
    public const string OperationItem = "operation_item";

    /// <summary>An <see cref="OperationItemFailure"/>.</summary>
    public const string OperationFailure = "operation_failure";
}

/// <summary>
/// Exports all of a tenant's data (the tenant of the tracker: pinned with <see cref="TargetTracker.ForTenant"/>, or the
/// accessor's, asked once): targets, history, goals, sprints, commitments, links and their history, tracked operations with
/// their items and failures, as JSON lines, streamed. The store reads in pages by key, so memory stays flat however many
/// rows the tenant has. The export is not one snapshot: export a tenant at rest (before deleting it, or while its users are
/// off).
/// </summary>
public sealed class TenantExport
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(), new TargetIdConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly TargetTracker _tracker;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="tracker">The tracker whose tenant is exported.</param>
    public TenantExport(TargetTracker tracker)
    {
        Guard.Against.Null(tracker);
        _tracker = tracker;
    }

    /// <summary>Streams the tenant's rows.</summary>
    /// <param name="cancellationToken">Cancels the export.</param>
    /// <returns>The rows, targets first.</returns>
    /// <exception cref="NotSupportedException">The store cannot export (<see cref="TargetTracker.Supports{TPort}"/>).</exception>
    public IAsyncEnumerable<TenantRecord> ReadAsync(CancellationToken cancellationToken = default) =>
        _tracker.Port<ITenantExportStore>().ExportAsync(cancellationToken);

    /// <summary>
    /// Writes the tenant's rows to a stream as JSON lines (UTF-8, one object per line: <c>{"kind":"target","data":{…}}</c>),
    /// flushing as it goes; the stream stays open.
    /// </summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="cancellationToken">Cancels the export.</param>
    /// <returns>How many rows were written.</returns>
    public async Task<long> WriteJsonLinesAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(destination);
        var rows = 0L;
        await foreach (var record in ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            await JsonSerializer.SerializeAsync(destination, record, Json, cancellationToken).ConfigureAwait(false);
            destination.WriteByte((byte)'\n');
            rows++;
        }

        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        return rows;
    }

    /// <summary>Reads a JSON line of an export back (for a host that imports it, and for tests).</summary>
    /// <param name="line">One line.</param>
    /// <returns>Its kind and its data as JSON.</returns>
    public static (string Kind, JsonElement Data) ParseLine(string line)
    {
        Guard.Against.Null(line);
        using var document = JsonDocument.Parse(line);
        return (document.RootElement.GetProperty("kind").GetString()!, document.RootElement.GetProperty("data").Clone());
    }

    /// <summary>A target id as its GUID string.</summary>
    private sealed class TargetIdConverter : JsonConverter<TargetId>
    {
        public override TargetId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(reader.GetGuid());

        public override void Write(Utf8JsonWriter writer, TargetId value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);
    }
}
