using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;

namespace TargetTracking.Dashboard.Tests;

public sealed class HistoryEndpointsTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task History_ReturnsEntriesNewestFirst_PagedByVersionKeyset()
    {
        var target = await _client.CreateAsync("Paged history");
        var version = 1L;
        foreach (var status in new[] { "Cold", "Active", "Hot", "Active" })
        {
            version = (await _client.ChangeStatusOkAsync(target.Id, status, version)).Version;
        }

        var first = await _client.GetHistoryAsync(target.Id, "?limit=2");
        var second = await _client.GetHistoryAsync(target.Id, $"?limit=2&before={first.NextBefore}");
        var last = await _client.GetHistoryAsync(target.Id, $"?limit=2&before={second.NextBefore}");

        Assert.Equal([5L, 4L], first.Items.Select(h => h.Version));
        Assert.Equal(4, first.NextBefore);
        Assert.Equal([3L, 2L], second.Items.Select(h => h.Version));
        Assert.Equal([1L], last.Items.Select(h => h.Version));
        Assert.Null(last.NextBefore);
        Assert.Equal(("statusChanged", "Hot", "Active"), (first.Items[0].Action, first.Items[0].OldStatus, first.Items[0].NewStatus));
        Assert.Equal(("created", null, null), (last.Items[0].Action, last.Items[0].OldStatus, last.Items[0].NewStatus));
    }

    [Fact]
    public async Task History_OfUnknownTarget_ReturnsNotFound()
    {
        await (await _client.GetAsync($"/api/targets/{Guid.CreateVersion7()}/history")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task History_WithBadPaging_ReturnsValidationProblemPerField()
    {
        var target = await _client.CreateAsync("Bad paging");

        var problem = await (await _client.GetAsync($"/api/targets/{target.Id}/history?before=0&limit=1001")).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal(["before", "limit"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AuditHeaders_LandInHistory_WithClientAddressAndUserAgent()
    {
        var target = await _client.CreateAsync("Audited", status: "Cold");

        // TestServer has no connection: set the client address on the request context itself.
        var context = await factory.Server.SendAsync(http =>
        {
            http.Request.Method = HttpMethods.Delete;
            http.Request.Path = $"/api/targets/{target.Id}";
            http.Request.Headers.IfMatch = "\"1\"";
            http.Request.Headers["X-User-Id"] = "u-anna";
            http.Request.Headers["X-User-Name"] = "Anna Lindqvist";
            http.Request.Headers["X-Correlation-Id"] = "cleanup-42";
            http.Request.Headers.UserAgent = "dashboard-tests/1.0";
            http.Connection.RemoteIpAddress = System.Net.IPAddress.Parse("203.0.113.7");
        });

        Assert.Equal(StatusCodes.Status204NoContent, context.Response.StatusCode);
        var entry = (await _client.GetHistoryAsync(target.Id)).Items[0];
        Assert.Equal(
            ("deleted", "u-anna", "Anna Lindqvist", "cleanup-42", "203.0.113.7", "dashboard-tests/1.0"),
            (entry.Action, entry.ActorId, entry.ActorName, entry.CorrelationId, entry.ClientAddress, entry.UserAgent));
    }

    [Fact]
    public async Task AuditHeaders_OnEveryKindOfWrite_LandInItsEntry()
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-User-Id", "u-marc");
        client.DefaultRequestHeaders.Add("X-User-Name", "Marc Dubois");
        client.DefaultRequestHeaders.UserAgent.ParseAdd("dashboard-tests/2.0");

        var target = await client.CreateAsync("Audited everywhere", status: "Cold");
        await client.ChangeStatusOkAsync(target.Id, "Active", 1);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/targets/{target.Id}?expectedVersion=2")).StatusCode);

        var entries = (await _client.GetHistoryAsync(target.Id)).Items;
        Assert.Equal(["deleted", "statusChanged", "created"], entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal(("u-marc", "Marc Dubois", "dashboard-tests/2.0"), (e.ActorId, e.ActorName, e.UserAgent)));
        Assert.Equal(3, entries.Select(e => e.CorrelationId).Distinct().Count());
    }

    [Fact]
    public async Task Writes_WithoutActorHeaders_LeaveActorEmpty()
    {
        var target = await _client.CreateAsync("Anonymous");

        var entry = (await _client.GetHistoryAsync(target.Id)).Items[0];

        Assert.Equal((null, null), (entry.ActorId, entry.ActorName));
        Assert.False(string.IsNullOrEmpty(entry.CorrelationId));
    }
}
