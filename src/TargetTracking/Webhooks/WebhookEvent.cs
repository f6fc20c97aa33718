using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TargetTracking;

/// <summary>
/// Writes a history entry as a CloudEvents 1.0 event in the structured JSON mode: <c>specversion</c>, <c>id</c> (the
/// entry's id), <c>source</c>, <c>type</c> (<c>targettracking.target.</c> and the action in snake case), <c>subject</c>
/// (the target id), <c>time</c>, <c>datacontenttype</c>, the extension <c>tenant</c>, and <c>data</c> with the
/// <c>previous</c> and <c>current</c> status and version. One place, so the sender and docs agree.
/// </summary>
internal static class WebhookEvent
{
    /// <summary>The media type of a structured CloudEvent in JSON.</summary>
    public const string MediaType = "application/cloudevents+json";

    public static string TypeOf(HistoryAction action) => "targettracking.target." + action switch
    {
        HistoryAction.Created => "created",
        HistoryAction.StatusChanged => "status_changed",
        HistoryAction.Updated => "updated",
        HistoryAction.Deleted => "deleted",
        HistoryAction.Repaired => "repaired",
        HistoryAction.Linked => "linked",
        HistoryAction.Unlinked => "unlinked",
        _ => action.ToString().ToLowerInvariant(),
    };

    public static string Write(HistoryEntry entry, string tenant, string source)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("specversion", "1.0");
            json.WriteString("id", entry.Id.ToString());
            json.WriteString("source", source);
            json.WriteString("type", TypeOf(entry.Action));
            json.WriteString("subject", entry.TargetId.ToString());
            json.WriteString("time", entry.OccurredAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
            json.WriteString("datacontenttype", "application/json");
            json.WriteString("tenant", tenant);
            json.WritePropertyName("data");
            json.WriteStartObject();
            json.WriteString("targetId", entry.TargetId.ToString());
            json.WriteString("action", entry.Action.ToString());
            if (entry.Action == HistoryAction.Created)
            {
                json.WriteNull("previous");
            }
            else
            {
                // Versions run without a gap (a delete's is one past the last), so the state before is the version before.
                WriteState(json, "previous", entry.OldStatus, entry.Version - 1);
            }

            WriteState(json, "current", entry.NewStatus, entry.Version);
            json.WriteString("occurredAt", entry.OccurredAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
            json.WriteString("actorId", entry.ActorId);
            json.WriteString("actorName", entry.ActorName);
            json.WriteString("correlationId", entry.CorrelationId);
            json.WriteString("operationId", entry.OperationId);
            json.WriteString("note", entry.Note);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteState(Utf8JsonWriter json, string name, string? status, long version)
    {
        json.WritePropertyName(name);
        json.WriteStartObject();
        json.WriteString("status", status);
        json.WriteNumber("version", version);
        json.WriteEndObject();
    }
}
