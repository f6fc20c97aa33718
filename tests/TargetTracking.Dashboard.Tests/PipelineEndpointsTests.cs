using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace TargetTracking.Dashboard.Tests;

public sealed class PipelineEndpointsTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Pipeline_ListsStatusesAndAllowedMovesIncludingNotSet()
    {
        var pipeline = await _client.GetFromJsonAsync<JsonElement>("/api/pipeline", Api.Json);

        Assert.Equal(["Passed", "Cold", "Active", "Hot", "Closed"], pipeline.GetProperty("statuses").Strings());
        var transitions = pipeline.GetProperty("transitions").EnumerateArray().ToDictionary(
            t => t.GetProperty("from").ValueKind == JsonValueKind.Null ? "<null>" : t.GetProperty("from").GetString()!,
            t => t.GetProperty("allowedNext").Strings());
        Assert.Equal(["<null>", "Passed", "Cold", "Active", "Hot", "Closed"], transitions.Keys);
        Assert.Equal(["Passed", "Cold", "Active", "Hot"], transitions["<null>"]);
        Assert.Empty(transitions["Closed"]);
    }

    [Theory]
    [InlineData("hot", "Hot", new[] { "Passed", "Cold", "Active", "Closed" })]
    [InlineData("NotSet", null, new[] { "Passed", "Cold", "Active", "Hot" })]
    [InlineData("Closed", "Closed", new string[0])]
    public async Task NextStatuses_ForAStatus_ListsAllowedMoves(string status, string? from, string[] expected)
    {
        var step = await _client.GetFromJsonAsync<JsonElement>($"/api/pipeline/statuses/{status}/next", Api.Json);

        Assert.Equal(from, step.GetProperty("from").GetString());
        Assert.Equal(expected, step.GetProperty("allowedNext").Strings());
    }

    [Fact]
    public async Task NextStatuses_ForUnknownStatus_ReturnsUnprocessable()
    {
        var problem = await (await _client.GetAsync("/api/pipeline/statuses/Won/next")).ProblemAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Equal("Won", problem.GetProperty("unknownStatus").GetString());
    }

    [Fact]
    public async Task Mermaid_ReturnsStateDiagramAsText()
    {
        var response = await _client.GetAsync("/api/pipeline/mermaid");

        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("stateDiagram-v2", text, StringComparison.Ordinal);
        Assert.Contains("NotSet --> ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Root_ServesTheDashboardPage()
    {
        var response = await _client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<title>TargetTracking Dashboard</title>", html, StringComparison.Ordinal);
        Assert.Contains("/api/targets", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownApiRoute_ReturnsNotFoundProblem()
    {
        await (await _client.GetAsync("/api/nothing-here")).ProblemAsync(HttpStatusCode.NotFound);
    }
}
