using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace TargetTracking.Dashboard.Tests;

/// <summary>The dashboard with <see cref="KnownHistory"/> written once.</summary>
public sealed class KnownHistoryDashboard : IAsyncLifetime
{
    public TimedDashboardFactory Factory { get; } = new();

    public HttpClient Client { get; private set; } = null!;

    public KnownHistory.Seeded Seeded { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Client = Factory.CreateClient();
        Seeded = await KnownHistory.WriteAsync(Client, Factory.Clock);
    }

    public async Task DisposeAsync() => await Factory.DisposeAsync();
}

public sealed class ReportsEndpointsTests(KnownHistoryDashboard dashboard) : IClassFixture<KnownHistoryDashboard>
{
    private readonly HttpClient _client = dashboard.Client;

    private static string Iso(DateTimeOffset at) => Uri.EscapeDataString(at.ToString("O"));

    [Fact]
    public async Task PipelineReport_OfAPeriod_HasTheTimeInStatus_Funnel_Transitions_AndWinRate_OfTheKnownHistory()
    {
        var report = await _client.GetFromJsonAsync<JsonElement>($"/api/reports/pipeline?from={Iso(KnownHistory.Day(-1))}&to={Iso(KnownHistory.Day(30))}", Api.Json);

        Assert.Equal("period", report.GetProperty("kind").GetString());
        Assert.Equal(KnownHistory.Day(10), report.GetProperty("asOf").GetDateTimeOffset());
        var closed = ByStatus(report.GetProperty("timeInStatus"));
        Assert.Equal(3, closed["Cold"].GetProperty("count").GetInt64());
        Assert.Equal("4.00:00:00", closed["Cold"].GetProperty("median").GetString());
        Assert.Equal("6.00:00:00", closed["Cold"].GetProperty("p90").GetString());
        Assert.Equal("2.00:00:00", closed["Active"].GetProperty("median").GetString());
        Assert.Equal("2.00:00:00", closed["Hot"].GetProperty("max").GetString());
        var open = ByStatus(report.GetProperty("openStays"));
        Assert.Equal("6.00:00:00", open["Active"].GetProperty("median").GetString());
        Assert.Equal("4.00:00:00", open["Passed"].GetProperty("median").GetString());
        Assert.Equal(
            ["Cold 3", "Active 2", "Hot 1", "Closed 1"],
            report.GetProperty("funnel").EnumerateArray().Select(s => $"{s.GetProperty("status").GetString()} {s.GetProperty("reached").GetInt64()}"));
        Assert.Contains(report.GetProperty("transitions").EnumerateArray(), t =>
            t.GetProperty("from").GetString() == "Cold" && t.GetProperty("to").GetString() == "Active" && t.GetProperty("count").GetInt64() == 2);
        Assert.Equal(1, report.GetProperty("won").GetInt64());
        Assert.Equal(1, report.GetProperty("lost").GetInt64());
        Assert.Equal(0.5, report.GetProperty("winRate").GetDouble());
    }

    [Fact]
    public async Task PipelineReport_OfAPeriodAfterTheMoves_HasNoFinishedStay()
    {
        var report = await _client.GetFromJsonAsync<JsonElement>($"/api/reports/pipeline?from={Iso(KnownHistory.Day(7))}&to={Iso(KnownHistory.Day(9))}", Api.Json);

        Assert.Empty(report.GetProperty("timeInStatus").EnumerateArray());
        Assert.Equal(3, report.GetProperty("openStays").EnumerateArray().Sum(s => s.GetProperty("count").GetInt64()));
    }

    [Fact]
    public async Task CohortReport_FollowsTheTargetsCreatedInThePeriod()
    {
        var cohort = await _client.GetFromJsonAsync<JsonElement>($"/api/reports/cohort?from={Iso(KnownHistory.Day(0))}&to={Iso(KnownHistory.Day(1))}", Api.Json);

        Assert.Equal("cohort", cohort.GetProperty("kind").GetString());
        Assert.Equal([3, 2, 1, 1], cohort.GetProperty("funnel").EnumerateArray().Select(s => s.GetProperty("reached").GetInt64()));

        var empty = await _client.GetFromJsonAsync<JsonElement>($"/api/reports/cohort?from={Iso(KnownHistory.Day(1))}&to={Iso(KnownHistory.Day(2))}", Api.Json);
        Assert.All(empty.GetProperty("funnel").EnumerateArray(), s => Assert.Equal(0, s.GetProperty("reached").GetInt64()));
    }

    [Theory]
    [InlineData(-1, "")]
    [InlineData(1.5, "Cold 3")]
    [InlineData(3, "Cold 2, Active 1")]
    [InlineData(5.5, "Cold 1, Active 1, Hot 1")]
    [InlineData(9, "Passed 1, Active 1, Closed 1")]
    public async Task CountsAsOf_AnInstant_AreThePipelineAsItStoodThen(double day, string expected)
    {
        var counts = await _client.GetFromJsonAsync<JsonElement>($"/api/reports/counts?at={Iso(KnownHistory.Day(day))}", Api.Json);

        Assert.Equal(KnownHistory.Day(day), counts.GetProperty("at").GetDateTimeOffset());
        Assert.Equal(expected, string.Join(", ", counts.GetProperty("counts").EnumerateArray().Select(c => $"{c.GetProperty("status").GetString()} {c.GetProperty("count").GetInt64()}")));
    }

    [Fact]
    public async Task Stays_OfATarget_AreEachStatusWithItsTime()
    {
        var stays = await _client.GetFromJsonAsync<JsonElement>($"/api/targets/{dashboard.Seeded.Acme.Id}/stays", Api.Json);

        Assert.Equal(
            ["Cold 2.00:00:00", "Active 2.00:00:00", "Hot 2.00:00:00", "Closed 4.00:00:00 open"],
            stays.GetProperty("stays").EnumerateArray().Select(s =>
                $"{s.GetProperty("status").GetString()} {s.GetProperty("duration").GetString()}{(s.GetProperty("isOpen").GetBoolean() ? " open" : string.Empty)}"));
        Assert.Equal(4, stays.GetProperty("byStatus").GetArrayLength());
    }

    [Fact]
    public async Task OperationsReport_OfAPeriodWithoutOperations_IsEmpty()
    {
        var report = await _client.GetFromJsonAsync<JsonElement>($"/api/reports/operations?from={Iso(KnownHistory.Day(0))}&to={Iso(KnownHistory.Day(10))}", Api.Json);

        Assert.Equal(0, report.GetProperty("operationCount").GetInt64());
        Assert.Equal(0, report.GetProperty("targetsTouched").GetInt64());
    }

    [Theory]
    [InlineData("/api/reports/pipeline?to=2026-01-01T00:00:00Z", "from")]
    [InlineData("/api/reports/pipeline?from=2026-01-01T00:00:00Z", "to")]
    [InlineData("/api/reports/pipeline?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to")]
    [InlineData("/api/reports/pipeline?from=yesterday&to=2026-01-01T00:00:00Z", "from")]
    [InlineData("/api/reports/cohort?from=2016-01-01T00:00:00Z&to=2026-12-01T00:00:00Z", "to")]
    [InlineData("/api/reports/counts", "at")]
    [InlineData("/api/reports/counts?at=31.12.2026x", "at")]
    [InlineData("/api/reports/operations?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&maxLines=-1", "maxLines")]
    [InlineData("/api/reports/operations?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&maxLines=many", "maxLines")]
    public async Task BadInput_IsA400_NamingTheField(string url, string field)
    {
        await (await _client.GetAsync(url)).AssertInvalidFieldAsync(field);
    }

    private static Dictionary<string, JsonElement> ByStatus(JsonElement list) =>
        list.EnumerateArray().ToDictionary(s => s.GetProperty("status").GetString()!, s => s);
}
