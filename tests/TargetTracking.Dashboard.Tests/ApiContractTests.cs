using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TargetTracking.Dashboard.Tests;

/// <summary>
/// What a client sends wrong is a 400 problem with a code and the field, never a 500 and never a silent 200; HTTP's own
/// answers where HTTP has one (412 for a failed If-Match, 503 with Retry-After); an OpenAPI document of every endpoint.
/// </summary>
public sealed class ApiContractTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task MisspelledProperty_OnAStatusChange_Is400NamingIt_AndChangesNothing()
    {
        var created = await _client.CreateAsync("Typo Ltd", status: "Cold");

        var problem = await (await Send(HttpMethod.Put, $"/api/targets/{created.Id}/status", """{"stauts":"Hot"}""", ifMatch: 1)).ProblemAsync(HttpStatusCode.BadRequest);

        AssertInvalid(problem, "stauts");
        Assert.Equal(("Cold", 1L), ((await _client.GetTargetAsync(created.Id)).Status, (await _client.GetTargetAsync(created.Id)).Version));
    }

    [Fact]
    public async Task MisspelledProperty_OnACreate_Is400NamingIt_AndCreatesNothing()
    {
        var name = $"Dropped field {Guid.NewGuid():N}";

        var problem = await (await Send(HttpMethod.Post, "/api/targets", $$"""{"name":"{{name}}","descripton":"lost"}""")).ProblemAsync(HttpStatusCode.BadRequest);

        AssertInvalid(problem, "descripton");
        Assert.Equal(0, (await _client.ListAsync($"?name={Uri.EscapeDataString(name)}")).TotalCount);
    }

    [Theory]
    [InlineData("""{"items":[null]}""", "items[0]")]
    [InlineData("""{"mode":"partial","items":[{"id":"0199f1c4-8c4e-7000-8000-000000000001","expectedVersion":1,"status":"Hot"},null]}""", "items[1]")]
    [InlineData("""{"items":[{"id":null,"expectedVersion":1,"status":"Hot"}]}""", "items[0].id")]
    [InlineData("""{"items":[{"id":"0199f1c4-8c4e-7000-8000-000000000001","expectedVersion":null,"status":"Hot"}]}""", "items[0].expectedVersion")]
    [InlineData("""null""", "body")]
    public async Task NullsInABulkBody_Are400NamingTheField(string body, string field)
    {
        var problem = await (await Send(HttpMethod.Post, "/api/targets/bulk/status", body)).ProblemAsync(HttpStatusCode.BadRequest);

        AssertInvalid(problem, field);
    }

    [Theory]
    [InlineData("""{"name":""", "name")]
    [InlineData("""not json""", "body")]
    [InlineData("""{"name":5}""", "name")]
    [InlineData("""{"name":"A","markets":"EU"}""", "markets")]
    public async Task MalformedJsonOrWrongTypes_Are400ProblemsWithTheField(string body, string field)
    {
        var problem = await (await Send(HttpMethod.Post, "/api/targets", body)).ProblemAsync(HttpStatusCode.BadRequest);

        AssertInvalid(problem, field);
    }

    [Theory]
    [InlineData("?skip=abc", "skip")]
    [InlineData("?take=1e3", "take")]
    [InlineData("?desc=maybe", "desc")]
    public async Task QueryValuesOfTheWrongType_Are400ProblemsWithTheParameter(string query, string field)
    {
        var problem = await (await _client.GetAsync($"/api/targets{query}")).ProblemAsync(HttpStatusCode.BadRequest);

        AssertInvalid(problem, field);
    }

    [Fact]
    public async Task StaleIfMatch_Is412_WithTheCurrentVersionAndItsETag_AndAStaleBodyVersionIs409()
    {
        var created = await _client.CreateAsync("Precondition AG", status: "Cold");
        await _client.ChangeStatusOkAsync(created.Id, "Active", 1);

        var byHeader = await _client.ChangeStatusAsync(created.Id, "Hot", ifMatch: 1);
        var problem = await byHeader.ProblemAsync(HttpStatusCode.PreconditionFailed);
        var byBody = await (await _client.ChangeStatusAsync(created.Id, "Hot", bodyVersion: 1)).ProblemAsync(HttpStatusCode.Conflict);

        Assert.Equal("version_conflict", problem.GetProperty("code").GetString());
        Assert.Equal(2, problem.GetProperty("currentVersion").GetInt64());
        Assert.Equal("\"2\"", byHeader.Headers.ETag?.Tag);
        Assert.Equal(2, byBody.GetProperty("currentVersion").GetInt64());
        Assert.Equal("Active", (await _client.GetTargetAsync(created.Id)).Status);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesEveryEndpoint()
    {
        var document = await _client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var described = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => $"{o.Name.ToUpperInvariant()} {p.Name}"))
            .ToHashSet();
        var endpoints = ApiEndpoints();

        Assert.NotEmpty(endpoints);
        Assert.All(endpoints, e => Assert.Contains(e, described));
    }

    [Fact]
    public void GettingStarted_ListsEveryApiEndpoint_InTheSamplesApiTable()
    {
        // The page lists requests under /api without the prefix, as `GET /reports/counts?at=…`; a request may be followed
        // by its query, its body or the end of the code span.
        var page = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Docs", "getting-started.md"));
        var endpoints = ApiEndpoints();

        Assert.NotEmpty(endpoints);
        Assert.All(endpoints, e =>
        {
            var request = e.Replace(" /api/", " /", StringComparison.Ordinal).Replace(" /api", " /", StringComparison.Ordinal);
            Assert.True(
                new[] { "`", "?", " " }.Any(after => page.Contains("`" + request + after, StringComparison.Ordinal)),
                $"docs/getting-started.md does not list {request}");
        });
    }

    /// <summary>Every endpoint under /api as "METHOD /api/path/{parameter}".</summary>
    private List<string> ApiEndpoints() =>
        [.. factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods
                .Select(m => $"{m} {OpenApiPath(e.RoutePattern.RawText!)}"))];

    [Fact]
    public void PostgreSqlConfiguration_DoesNotLogEverySqlCommand_AtInformation()
    {
        var logging = factory.Services.GetRequiredService<ILoggerFactory>();

        Assert.False(logging.CreateLogger("Npgsql.Command").IsEnabled(LogLevel.Information));
        Assert.True(logging.CreateLogger("Npgsql.Connection").IsEnabled(LogLevel.Warning));
    }

    private static string OpenApiPath(string route) =>
        System.Text.RegularExpressions.Regex.Replace(route, "{([^:}]+)(:[^}]*)?}", "{$1}").TrimEnd('/');

    private static void AssertInvalid(JsonElement problem, string field)
    {
        Assert.Equal("invalid_input", problem.GetProperty("code").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors names {field}: {problem}");
    }

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string json, long? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (ifMatch is { } version)
        {
            request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version}\""));
        }

        return _client.SendAsync(request);
    }
}

/// <summary>A dashboard on PostgreSQL whose server goes away after start-up: requests get 503 and Retry-After, not a 500.</summary>
public sealed class StoreUnavailableTests : IAsyncLifetime
{
    private TargetTracking.PostgreSql.Tests.TcpProxy? _proxy;
    private OutageFactory? _factory;

    public async Task InitializeAsync()
    {
        var server = new Npgsql.NpgsqlConnectionStringBuilder(await TargetTracking.PostgreSql.Tests.PostgreSqlServer.GetConnectionStringAsync());
        _proxy = new TargetTracking.PostgreSql.Tests.TcpProxy(server.Port);
        server.Host = "127.0.0.1";
        server.Port = _proxy.Port;
        server.Timeout = 2;
        _factory = new OutageFactory(server.ConnectionString);
    }

    [Fact]
    public async Task StoreDown_AfterTheRetries_Is503_WithRetryAfter_NotA500()
    {
        var client = _factory!.CreateClient();
        var created = await client.CreateAsync("Before the outage", status: "Cold");

        await _proxy!.StopAsync();
        var responses = new[]
        {
            await client.GetAsync("/api/targets"),
            await client.GetAsync($"/api/targets/{created.Id}"),
            await client.PostAsJsonAsync("/api/targets", new { name = "Nobody home" }),
            await client.ChangeStatusAsync(created.Id, "Hot", ifMatch: 1),
        };

        foreach (var response in responses)
        {
            var problem = await response.ProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.Equal("store_unavailable", problem.GetProperty("code").GetString());
            Assert.Equal(TimeSpan.FromSeconds(ApiExceptionHandlerRetryAfterSeconds), response.Headers.RetryAfter?.Delta);
        }
    }

    public async Task DisposeAsync()
    {
        await _factory!.DisposeAsync();
        await _proxy!.DisposeAsync();
    }

    // The sample's documented value (docs/getting-started.md).
    private const int ApiExceptionHandlerRetryAfterSeconds = 5;

    private sealed class OutageFactory(string connectionString) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            builder.UseSetting("ConnectionStrings:TargetTracking", connectionString);
            builder.UseSetting("Dashboard:PostgreSqlSchema", $"outage_{Guid.NewGuid():N}");
            builder.UseSetting("Dashboard:SeedDemoData", "false");
        }
    }
}
