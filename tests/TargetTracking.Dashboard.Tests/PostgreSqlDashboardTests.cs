using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace TargetTracking.Dashboard.Tests;

/// <summary>The dashboard with <c>ConnectionStrings:TargetTracking</c> set runs on PostgreSQL, end to end.</summary>
public sealed class PostgreSqlDashboardTests(PostgreSqlDashboardFactory factory) : IClassFixture<PostgreSqlDashboardFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task ConnectionString_SelectsPostgreSql_SeededInTheConfiguredSchema()
    {
        var all = await _client.ListAsync("?take=1000");

        await using var connection = new NpgsqlConnection(await TargetTracking.PostgreSql.Tests.PostgreSqlServer.GetConnectionStringAsync());
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_schema = @schema", connection);
        count.Parameters.AddWithValue("schema", factory.Schema);
        Assert.True((long)(await count.ExecuteScalarAsync())! > 0, "the store's tables are in the configured schema");
        Assert.InRange(all.TotalCount, 30, 60);
    }

    [Fact]
    public async Task StatusChange_Conflict_ForbiddenMove_AndAuditHeaders_OnPostgreSql()
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-User-Name", "Priya Raman");
        var created = await client.CreateAsync("On PostgreSQL", ["Nordics"], "Cold");

        var moved = await client.ChangeStatusOkAsync(created.Id, "Active", 1);
        var conflict = await (await client.ChangeStatusAsync(created.Id, "Hot", ifMatch: 1)).ProblemAsync(HttpStatusCode.PreconditionFailed);
        var forbidden = await (await client.ChangeStatusAsync(created.Id, "NotSet", ifMatch: 2)).ProblemAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Equal(2, moved.Version);
        Assert.Equal(2, conflict.GetProperty("currentVersion").GetInt64());
        Assert.Equal(["Passed", "Cold", "Hot", "Closed"], forbidden.GetProperty("allowedNext").Strings());
        var history = await client.GetHistoryAsync(created.Id);
        Assert.Equal(["statusChanged", "created"], history.Items.Select(h => h.Action));
        Assert.All(history.Items, h => Assert.Equal("Priya Raman", h.ActorName));
    }

    [Fact]
    public async Task BulkStatus_AllOrNothingWithOneBadItem_AppliesNothing_OnPostgreSql()
    {
        var a = await _client.CreateAsync("PG bulk A", status: "Cold");
        var b = await _client.CreateAsync("PG bulk B", status: "Closed");

        var response = await _client.PostAsJsonAsync("/api/targets/bulk/status", new { items = new[] { new { id = a.Id, expectedVersion = 1, status = "Hot" }, new { id = b.Id, expectedVersion = 1, status = "Hot" } } });
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.False(result.GetProperty("succeeded").GetBoolean());
        Assert.Equal("Cold", (await _client.GetTargetAsync(a.Id)).Status);
    }

    [Fact]
    public async Task ReportsIntegrityAndATrackedOperation_OnPostgreSql()
    {
        var market = $"PG-ops-{Guid.NewGuid():N}"[..14];
        var a = await _client.CreateAsync("PG op A", [market], "Cold");
        var b = await _client.CreateAsync("PG op B", [market], "Cold");

        var started = await _client.PostAsJsonAsync("/api/operations", new { status = "Passed", filter = new { statuses = new[] { "Cold" }, market } }, Api.Json);
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>(Api.Json)).GetProperty("operation").GetProperty("id").GetString();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonElement operation;
        while (!(operation = await _client.GetFromJsonAsync<JsonElement>($"/api/operations/{id}", Api.Json)).GetProperty("isFinished").GetBoolean())
        {
            Assert.True(DateTime.UtcNow < deadline, operation.ToString());
            await Task.Delay(100);
        }

        Assert.Equal("completed", operation.GetProperty("operation").GetProperty("status").GetString());
        Assert.Equal("Passed", (await _client.GetTargetAsync(a.Id)).Status);
        Assert.Equal("Passed", (await _client.GetTargetAsync(b.Id)).Status);

        // Counts replayed from the history agree with the stored rows; the demo data's four months fill the funnel.
        var now = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"));
        var asOf = await _client.GetFromJsonAsync<JsonElement>($"/api/reports/counts?at={now}", Api.Json);
        var stored = await _client.GetFromJsonAsync<JsonElement>("/api/pipeline/counts", Api.Json);
        Assert.Equal(Counts(stored), Counts(asOf.GetProperty("counts")));
        var from = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-200).ToString("O"));
        var report = await _client.GetFromJsonAsync<JsonElement>($"/api/reports/pipeline?from={from}&to={now}", Api.Json);
        Assert.True(report.GetProperty("funnel")[0].GetProperty("reached").GetInt64() > 0);
        Assert.NotEmpty(report.GetProperty("timeInStatus").EnumerateArray());

        var check = await (await _client.PostAsync("/api/integrity/check", null)).Content.ReadFromJsonAsync<JsonElement>(Api.Json);
        Assert.True(check.GetProperty("healthy").GetBoolean(), check.ToString());
    }

    private static SortedDictionary<string, long> Counts(JsonElement counts) =>
        new(counts.EnumerateArray().ToDictionary(c => c.GetProperty("status").GetString() ?? "<not set>", c => c.GetProperty("count").GetInt64()), StringComparer.Ordinal);
}
