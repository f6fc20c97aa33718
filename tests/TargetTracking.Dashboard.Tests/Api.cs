using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TargetTracking.Dashboard.Tests;

public sealed record TargetDto(Guid Id, string Name, string? Description, string[] Markets, string? Status, long Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? StatusChangedAt);

public sealed record TargetListDto(TargetDto[] Items, long TotalCount, int Skip, int Take);

public sealed record HistoryEntryDto(
    Guid Id, Guid TargetId, string Action, string? OldStatus, string? NewStatus, long Version, DateTimeOffset OccurredAt,
    string? ActorId, string? ActorName, string CorrelationId, string? ClientAddress, string? UserAgent, string? Reason = null, string? Note = null);

public sealed record HistoryPageDto(HistoryEntryDto[] Items, long? NextBefore);

/// <summary>Calls the dashboard API the way a client would, and reads its answers.</summary>
internal static class Api
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };

    public static async Task<TargetDto> CreateAsync(this HttpClient client, string name, string[]? markets = null, string? status = null, string prefix = "/api")
    {
        var response = await client.PostAsJsonAsync($"{prefix}/targets", new { name, markets, status }, Json);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<TargetDto>(Json))!;
    }

    public static Task<HttpResponseMessage> ChangeStatusAsync(this HttpClient client, Guid id, string? status, long? ifMatch = null, long? bodyVersion = null, string prefix = "/api")
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"{prefix}/targets/{id}/status")
        {
            Content = JsonContent.Create(new { status, expectedVersion = bodyVersion }, options: Json),
        };
        if (ifMatch is { } version)
        {
            request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version}\""));
        }

        return client.SendAsync(request);
    }

    public static async Task<TargetDto> ChangeStatusOkAsync(this HttpClient client, Guid id, string? status, long version, string prefix = "/api")
    {
        var response = await client.ChangeStatusAsync(id, status, ifMatch: version, prefix: prefix);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<TargetDto>(Json))!;
    }

    public static async Task<TargetDto> GetTargetAsync(this HttpClient client, Guid id, string prefix = "/api") =>
        (await client.GetFromJsonAsync<TargetDto>($"{prefix}/targets/{id}", Json))!;

    public static async Task<HistoryPageDto> GetHistoryAsync(this HttpClient client, Guid id, string query = "", string prefix = "/api") =>
        (await client.GetFromJsonAsync<HistoryPageDto>($"{prefix}/targets/{id}/history{query}", Json))!;

    public static async Task<TargetListDto> ListAsync(this HttpClient client, string query) =>
        (await client.GetFromJsonAsync<TargetListDto>($"/api/targets{query}", Json))!;

    /// <summary>Asserts an RFC 7807 answer with the given status and returns its body.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Json);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    /// <summary>Asserts a 400 invalid-input problem whose errors name <paramref name="field"/>.</summary>
    public static async Task AssertInvalidFieldAsync(this HttpResponseMessage response, string field)
    {
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("invalid_input", problem.GetProperty("code").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    public static string[] Strings(this JsonElement array) => [.. array.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? "<null>" : e.GetString()!)];
}
