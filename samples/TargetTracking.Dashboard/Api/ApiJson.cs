using System.Text.Json;
using System.Text.Json.Serialization;

namespace TargetTracking.Dashboard.Api;

/// <summary>How the API reads and writes JSON: camelCase, enums by name, a <see cref="TargetId"/> as its GUID string, no unknown property.</summary>
internal static class ApiJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        // A misspelled property ("stauts") is a 400 naming it, not a request that silently changes nothing.
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.Converters.Add(new TargetIdConverter());
    }

    private sealed class TargetIdConverter : JsonConverter<TargetId>
    {
        public override TargetId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            TargetId.TryParse(reader.GetString(), out var id) ? id : throw new JsonException("A target id must be a GUID.");

        public override void Write(Utf8JsonWriter writer, TargetId value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString());
    }
}
