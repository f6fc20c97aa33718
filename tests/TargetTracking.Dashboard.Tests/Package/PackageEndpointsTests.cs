using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;

namespace TargetTracking.Dashboard.Tests.Package;

/// <summary>The package on a host of its own: groups and policies, preconditions, problem types, the OpenAPI document, the audit context.</summary>
public sealed partial class PackageEndpointsTests : IAsyncLifetime
{
    private PackageHost _host = null!;

    public async Task InitializeAsync() => _host = await PackageHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public void MapTargetTracking_MapsEveryFamily_UnderThePrefix()
    {
        var routes = _host.Endpoints().Select(e => $"{e.Method} {e.Route}").ToHashSet();
        string[] expected =
        [
            "GET /tt/targets/", "GET /tt/targets/{id:guid}", "POST /tt/targets/", "PUT /tt/targets/{id:guid}", "PUT /tt/targets/{id:guid}/status",
            "DELETE /tt/targets/{id:guid}", "GET /tt/targets/{id:guid}/history", "GET /tt/targets/{id:guid}/stays", "POST /tt/targets/bulk/status",
            "GET /tt/pipeline/", "GET /tt/pipeline/counts", "POST /tt/goals", "PUT /tt/targets/{targetId:guid}/links/{itemId:guid}",
            "GET /tt/reports/pipeline", "POST /tt/operations/", "POST /tt/operations/{id}/cancel", "POST /tt/operations/{id}/resume",
            "GET /tt/operations/{id}/failures", "POST /tt/integrity/check", "POST /tt/integrity/repair", "POST /tt/tenant/delete", "GET /tt/tenant/deletions", "POST /tt/erasures/actor", "POST /tt/erasures/target/{id:guid}", "GET /tt/erasures/", "GET /tt/feed", "GET /tt/health",
        ];
        Assert.All(expected, e => Assert.Contains(e, routes));
    }

    [Fact]
    public async Task EveryEndpoint_AnswersOnlyTheRoleOfItsGroup()
    {
        foreach (var (method, route) in _host.Endpoints())
        {
            var group = GroupOf(method, route);
            var others = PackageHost.AllRoles.Where(r => r != group).ToArray();
            var anonymous = await SendAsync(_host.Client(), method, route);
            Assert.True(anonymous == HttpStatusCode.Unauthorized, $"{method} {route} anonymous: {anonymous}");
            var wrongRole = await SendAsync(_host.Client(others), method, route);
            Assert.True(wrongRole == HttpStatusCode.Forbidden, $"{method} {route} as {string.Join(",", others)}: {wrongRole}");
            var allowed = await SendAsync(_host.Client(group), method, route);
            Assert.True(allowed is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)allowed < 500, $"{method} {route} as {group}: {allowed}");
        }
    }

    [Fact]
    public async Task Problems_CarryAStableTypePerError()
    {
        var client = _host.Client(PackageHost.AllRoles);
        var created = await client.CreateAsync("Typed problems", status: "Cold", prefix: "/tt");

        await AssertTypeAsync(await client.GetAsync($"/tt/targets/{Guid.NewGuid()}"), HttpStatusCode.NotFound, "not_found");
        await AssertTypeAsync(await client.GetAsync("/tt/operations/op-none"), HttpStatusCode.NotFound, "operation_not_found");
        await AssertTypeAsync(await client.PostAsJsonAsync("/tt/targets", new { name = "" }, Api.Json), HttpStatusCode.BadRequest, "invalid_input");
        await AssertTypeAsync(await client.PostAsync("/tt/targets", new StringContent("{\"name\":", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, "invalid_input");
        await AssertTypeAsync(await Put(client, created.Id, "{\"status\":\"Nope\"}", ifMatch: 1), (HttpStatusCode)422, "unknown_status");
        await AssertTypeAsync(await Put(client, created.Id, "{\"status\":\"Closed\"}", ifMatch: 1), (HttpStatusCode)422, "transition_not_allowed");
        await AssertTypeAsync(await Put(client, created.Id, "{\"status\":\"Hot\",\"expectedVersion\":7}"), HttpStatusCode.Conflict, "version_conflict");
        await AssertTypeAsync(await client.PutAsync($"/tt/targets/{created.Id}/links/{Guid.NewGuid()}", null), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task StaleIfMatch_Is412_WithTheCurrentTargetAndItsETag()
    {
        var client = _host.Client(PackageHost.AllRoles);
        var created = await client.CreateAsync("Stale", status: "Cold", prefix: "/tt");
        var moved = await client.ChangeStatusOkAsync(created.Id, "Active", created.Version, "/tt");

        var stale = await Put(client, created.Id, "{\"status\":\"Hot\"}", ifMatch: created.Version);
        var problem = await AssertTypeAsync(stale, HttpStatusCode.PreconditionFailed, "version_conflict");
        Assert.Equal($"\"{moved.Version}\"", stale.Headers.ETag?.Tag);
        Assert.Equal(moved.Version, problem.GetProperty("current").GetProperty("version").GetInt64());
        Assert.Equal("Active", problem.GetProperty("current").GetProperty("status").GetString());
    }

    [Fact]
    public async Task RequireIfMatch_RefusesAWriteWithoutIt_428_AndTakesOneWithIt()
    {
        await using var host = await PackageHost.StartAsync(o => o.RequireIfMatch = true);
        var client = host.Client(PackageHost.AllRoles);
        var created = await client.CreateAsync("Preconditions", status: "Cold", prefix: "/tt");

        var withBodyVersion = await Put(client, created.Id, $"{{\"status\":\"Active\",\"expectedVersion\":{created.Version}}}", prefix: "/tt");
        await AssertTypeAsync(withBodyVersion, (HttpStatusCode)428, "precondition_required");
        var delete = await client.DeleteAsync($"/tt/targets/{created.Id}?expectedVersion={created.Version}");
        await AssertTypeAsync(delete, (HttpStatusCode)428, "precondition_required");
        Assert.Equal(created.Version, (await client.GetTargetAsync(created.Id, "/tt")).Version);

        var withIfMatch = await Put(client, created.Id, "{\"status\":\"Active\"}", ifMatch: created.Version);
        Assert.Equal(HttpStatusCode.OK, withIfMatch.StatusCode);
        Assert.Equal($"\"{created.Version + 1}\"", withIfMatch.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task AuditContext_IsTheAuthenticatedUser_NotTheActorHeaders_ByDefault()
    {
        var client = _host.Client(PackageHost.AllRoles);
        client.DefaultRequestHeaders.Add("X-User-Id", "someone-else");
        client.DefaultRequestHeaders.Add("X-Correlation-Id", "corr-7");
        var created = await client.CreateAsync("Who did it", prefix: "/tt");

        var entry = (await client.GetHistoryAsync(created.Id, prefix: "/tt")).Items.Single();
        Assert.Equal(("user-1", "Test User", "corr-7"), (entry.ActorId, entry.ActorName, entry.CorrelationId));
    }

    [Fact]
    public async Task TenantDelete_RemovesTheTenantsRows_AndRecordsWhoAndWhy_ForAdminsOnly()
    {
        await using var host = await PackageHost.StartAsync();
        var client = host.Client(PackageHost.AllRoles);
        client.DefaultRequestHeaders.Add("X-Correlation-Id", "ticket-9");
        var created = await client.CreateAsync("Doomed with its tenant", status: "Cold", prefix: "/tt");
        await client.ChangeStatusOkAsync(created.Id, "Active", created.Version, "/tt");

        await (await client.PostAsJsonAsync("/tt/tenant/delete", new { reason = " " }, Api.Json)).AssertInvalidFieldAsync("reason");
        Assert.Equal(HttpStatusCode.Forbidden, (await host.Client("writer").PostAsJsonAsync("/tt/tenant/delete", new { reason = "x" }, Api.Json)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/tt/targets/{created.Id}")).StatusCode);

        var response = await client.PostAsJsonAsync("/tt/tenant/delete", new { reason = "Contract ended" }, Api.Json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var deletion = await response.Content.ReadFromJsonAsync<JsonElement>(Api.Json);
        Assert.Equal(("default", "Contract ended", 1L, 2L), (deletion.GetProperty("tenant").GetString(), deletion.GetProperty("reason").GetString(), deletion.GetProperty("targets").GetInt64(), deletion.GetProperty("historyEntries").GetInt64()));
        Assert.Equal(("user-1", "ticket-9"), (deletion.GetProperty("actorId").GetString(), deletion.GetProperty("correlationId").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/tt/targets/{created.Id}")).StatusCode);
        var records = await client.GetFromJsonAsync<JsonElement>("/tt/tenant/deletions", Api.Json);
        Assert.Equal(deletion.GetProperty("id").GetString(), Assert.Single(records.EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Erasure_OfAnActorAndOfATarget_ReplacesTheirPersonalFields_AndIsRecorded_ForAdminsOnly()
    {
        await using var host = await PackageHost.StartAsync();
        var client = host.Client(PackageHost.AllRoles);
        client.DefaultRequestHeaders.Add("X-Correlation-Id", "dsar-12");
        var created = await client.CreateAsync("Jane Doe's deal", status: "Cold", prefix: "/tt");

        await (await client.PostAsJsonAsync("/tt/erasures/actor", new { actorId = "user-1", reason = " " }, Api.Json)).AssertInvalidFieldAsync("reason");
        await (await client.PostAsJsonAsync("/tt/erasures/actor", new { reason = "x" }, Api.Json)).AssertInvalidFieldAsync("actorId");
        Assert.Equal(HttpStatusCode.Forbidden, (await host.Client("writer").PostAsJsonAsync("/tt/erasures/actor", new { actorId = "user-1", reason = "x" }, Api.Json)).StatusCode);

        var actor = await client.PostAsJsonAsync("/tt/erasures/actor", new { actorId = "user-1", reason = "Data subject request 12" }, Api.Json);
        Assert.Equal(HttpStatusCode.OK, actor.StatusCode);
        var erased = await actor.Content.ReadFromJsonAsync<JsonElement>(Api.Json);
        Assert.Equal(("Actor", "Data subject request 12", "dsar-12", 1L), (erased.GetProperty("subject").GetString(), erased.GetProperty("reason").GetString(), erased.GetProperty("correlationId").GetString(), erased.GetProperty("entries").GetInt64()));
        var entry = (await client.GetHistoryAsync(created.Id, prefix: "/tt")).Items.Single();
        Assert.Equal((null, null), (entry.ActorId, entry.ActorName));

        var target = await client.PostAsJsonAsync($"/tt/erasures/target/{created.Id}", new { reason = "Named a person" }, Api.Json);
        Assert.Equal(HttpStatusCode.OK, target.StatusCode);
        Assert.Equal("Target", (await target.Content.ReadFromJsonAsync<JsonElement>(Api.Json)).GetProperty("subject").GetString());
        var read = await client.GetFromJsonAsync<JsonElement>($"/tt/targets/{created.Id}", Api.Json);
        Assert.Equal(Erasure.ErasedName, read.GetProperty("name").GetString());

        var records = await client.GetFromJsonAsync<JsonElement>("/tt/erasures", Api.Json);
        Assert.Equal(2, records.GetArrayLength());
    }

    [Fact]
    public async Task LostReasons_TravelInTheBody_AndTheirRefusalsAreTypedProblems()
    {
        await using var host = await PackageHost.StartAsync(services: s => s.Configure<TargetTrackingOptions>(o => o.Pipeline.LostReasons.Add("Price")));
        var client = host.Client(PackageHost.AllRoles);
        var created = await client.CreateAsync("Valves", status: "Active", prefix: "/tt");

        var refused = await client.PutAsJsonAsync($"/tt/targets/{created.Id}/status", new { status = "Passed", expectedVersion = created.Version }, Api.Json);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(Api.Json);
        Assert.Equal(("urn:targettracking:problem:lost_reason_required", "Price"), (problem.GetProperty("type").GetString(), problem.GetProperty("reasons")[0].GetString()));

        var lost = await client.PutAsJsonAsync($"/tt/targets/{created.Id}/status", new { status = "Passed", expectedVersion = created.Version, reason = new { code = "price", note = "Too dear" } }, Api.Json);
        Assert.Equal(HttpStatusCode.OK, lost.StatusCode);
        var entry = (await client.GetHistoryAsync(created.Id, prefix: "/tt")).Items.Single(e => e.NewStatus == "Passed");
        Assert.Equal(("Price", "Too dear"), (entry.Reason, entry.Note));
    }

    [Fact]
    public async Task AuditContext_IsReplaceable_ByTheHostsOwnAccessor()
    {
        await using var host = await PackageHost.StartAsync(services: s => s.AddSingleton<IAuditContextAccessor>(new FixedAudit()));
        var client = host.Client(PackageHost.AllRoles);
        var created = await client.CreateAsync("Host's own audit", prefix: "/tt");

        var entry = (await client.GetHistoryAsync(created.Id, prefix: "/tt")).Items.Single();
        Assert.Equal(("svc-42", "Nightly import"), (entry.ActorId, entry.ActorName));
    }

    [Fact]
    public async Task OpenApiDocument_IsValid_AndDescribesExactlyTheEndpoints_WithTheirProblemAnswers()
    {
        var text = await _host.Client().GetStringAsync("/openapi/v1.json");
        var read = Microsoft.OpenApi.OpenApiDocument.Parse(text, "json");
        Assert.Empty(read.Diagnostic?.Errors ?? []);

        var document = JsonDocument.Parse(text).RootElement;
        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (Key: $"{o.Name.ToUpperInvariant()} {p.Name}", Operation: o.Value)))
            .ToDictionary(o => o.Key, o => o.Operation);
        var endpoints = _host.Endpoints().Select(e => $"{e.Method} {OpenApiPath(e.Route)}").ToHashSet();
        Assert.Equal(endpoints.Order(), operations.Keys.Order());

        foreach (var (key, operation) in operations)
        {
            var responses = operation.GetProperty("responses").EnumerateObject().ToDictionary(r => r.Name, r => r.Value);
            Assert.True(operation.TryGetProperty("summary", out _), $"{key} has a summary");
            Assert.True(responses.Keys.Any(k => k.StartsWith('2')), $"{key} describes its success");
            // The pipeline's configuration is answered from memory, and health answers 503 with its own body: no store problem.
            if (key is "GET /tt/pipeline" or "GET /tt/pipeline/mermaid" or "GET /tt/pipeline/statuses/{status}/next" or "GET /tt/health")
            {
                continue;
            }

            Assert.True(responses.ContainsKey("503"), $"{key} describes 503");
            Assert.True(responses["503"].GetProperty("content").TryGetProperty("application/problem+json", out _), $"{key}: 503 is problem details");
            if (!key.StartsWith("GET", StringComparison.Ordinal) && operation.TryGetProperty("requestBody", out _))
            {
                Assert.True(responses.ContainsKey("400"), $"{key} describes 400 for a malformed body");
            }
        }

        foreach (var write in new[] { "PUT /tt/targets/{id}", "PUT /tt/targets/{id}/status", "DELETE /tt/targets/{id}" })
        {
            var responses = operations[write].GetProperty("responses");
            Assert.All(new[] { "404", "409", "412", "428" }, code => Assert.True(responses.TryGetProperty(code, out _), $"{write} describes {code}"));
        }

        Assert.True(document.GetProperty("components").GetProperty("schemas").TryGetProperty("Target", out _));

        // Every request body has an example, and so have the resources: each exactly what the endpoint reads or writes.
        var schemas = document.GetProperty("components").GetProperty("schemas");
        JsonElement Resolve(JsonElement schema) =>
            schema.TryGetProperty("$ref", out var reference) ? schemas.GetProperty(reference.GetString()!.Split('/')[^1]) : schema;
        foreach (var (key, operation) in operations.Where(o => o.Value.TryGetProperty("requestBody", out _)))
        {
            var body = Resolve(operation.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
            Assert.True(body.TryGetProperty("examples", out var examples) && examples.GetArrayLength() == 1, $"{key}: its body has an example");
        }

        Assert.All(new[] { "Target", "HistoryEntry", "TargetListResponse", "HistoryPageResponse", "TenantDeletionLine" }, name => Assert.True(schemas.GetProperty(name).TryGetProperty("examples", out _), $"{name} has an example"));
        var create = schemas.GetProperty("CreateTargetRequest").GetProperty("examples")[0].GetRawText();
        var created = await _host.Client(PackageHost.AllRoles).PostAsync("/tt/targets", new StringContent(create, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var target = schemas.GetProperty("Target").GetProperty("examples")[0];
        Assert.Equal("Acme valves", target.GetProperty("name").GetString());
        Assert.Equal(2, target.GetProperty("version").GetInt64());
    }

    private static string GroupOf(string method, string route) =>
        route.StartsWith("/tt/integrity", StringComparison.Ordinal) || route.StartsWith("/tt/tenant", StringComparison.Ordinal) || route.StartsWith("/tt/erasures", StringComparison.Ordinal) || (method == "POST" && route.StartsWith("/tt/operations", StringComparison.Ordinal)) ? "admin"
        : method == "GET" ? "reader"
        : "writer";

    /// <summary>Sends a request to a route with placeholder values; the feed's stream is cut once its headers came.</summary>
    private static async Task<HttpStatusCode> SendAsync(HttpClient client, string method, string route)
    {
        var path = RouteParameter().Replace(route, m => m.Groups["constraint"].Value == ":guid" ? Guid.NewGuid().ToString() : m.Groups["name"].Value == "status" ? "Active" : "x");
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        using var cut = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cut.Token);
        return response.StatusCode;
    }

    private static Task<HttpResponseMessage> Put(HttpClient client, Guid id, string json, long? ifMatch = null, string prefix = "/tt")
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"{prefix}/targets/{id}/status") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (ifMatch is { } version)
        {
            request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version}\""));
        }

        return client.SendAsync(request);
    }

    private static async Task<JsonElement> AssertTypeAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var problem = await response.ProblemAsync(status);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal("urn:targettracking:problem:" + code, problem.GetProperty("type").GetString());
        return problem;
    }

    private static string OpenApiPath(string route) => Regex.Replace(route, "{([^:}]+)(:[^}]*)?}", "{$1}").TrimEnd('/');

    [GeneratedRegex("{(?<name>[^:}]+)(?<constraint>:[^}]*)?}")]
    private static partial Regex RouteParameter();

    private sealed class FixedAudit : IAuditContextAccessor
    {
        public AuditContext? Current { get; } = new() { ActorId = "svc-42", ActorName = "Nightly import" };
    }
}
