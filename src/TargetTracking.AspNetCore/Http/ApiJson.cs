using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace TargetTracking.AspNetCore;

/// <summary>
/// How the API reads and writes JSON: enums by camelCase name, a <see cref="TargetId"/> as its GUID string. These are added
/// to the host's minimal-API JSON options; a request body refuses unknown properties by the attribute on each request type,
/// so the host's own endpoints keep their settings.
/// </summary>
internal sealed class ApiJson : IConfigureOptions<JsonOptions>
{
    public void Configure(JsonOptions options)
    {
        var converters = options.SerializerOptions.Converters;
        if (!converters.OfType<TargetIdConverter>().Any())
        {
            converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
            converters.Add(new TargetIdConverter());
        }
    }

    private sealed class TargetIdConverter : JsonConverter<TargetId>
    {
        public override TargetId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            TargetId.TryParse(reader.GetString(), out var id) ? id : throw new JsonException("A target id must be a GUID.");

        public override void Write(Utf8JsonWriter writer, TargetId value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString());
    }
}
