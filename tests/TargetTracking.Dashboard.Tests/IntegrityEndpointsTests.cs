using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace TargetTracking.Dashboard.Tests;

public sealed class IntegrityEndpointsTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Check_FindsAPlantedProblem_RepairTrustingTheHistoryFixesIt_AndTheCheckIsThenClean()
    {
        var target = await _client.CreateAsync("Drift Dynamics", status: "Cold");
        await Saboteur.PlantStatusAsync(factory.DatabaseFile, target.Id, "Hot");

        var check = await Check();
        Assert.False(check.GetProperty("healthy").GetBoolean());
        var problem = Assert.Single(check.GetProperty("problems").EnumerateArray());
        Assert.Equal("StatusDisagreesWithHistory", problem.GetProperty("kind").GetString());
        Assert.Equal(target.Id.ToString(), problem.GetProperty("targetId").GetString());
        Assert.True(problem.GetProperty("repairable").GetBoolean());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("description").GetString()));

        var response = await _client.PostAsJsonAsync("/api/integrity/repair", new { policy = "trustHistory" }, Api.Json);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var repair = await response.Content.ReadFromJsonAsync<JsonElement>(Api.Json);
        var repaired = Assert.Single(repair.GetProperty("repaired").EnumerateArray());
        Assert.Equal(target.Id.ToString(), repaired.GetProperty("targetId").GetString());
        Assert.Equal(1, repair.GetProperty("entriesAppended").GetInt64());

        Assert.True((await Check()).GetProperty("healthy").GetBoolean());
        Assert.Equal("Cold", (await _client.GetTargetAsync(target.Id)).Status);
        Assert.Equal("repaired", (await _client.GetHistoryAsync(target.Id)).Items[0].Action);
    }

    [Theory]
    [InlineData("{}", "policy")]
    [InlineData("{\"policy\":\"trustNobody\"}", "policy")]
    [InlineData("{\"policy\":\"trustHistory\",\"dryRun\":true}", "dryRun")]
    public async Task Repair_WithBadInput_IsA400_NamingTheField(string body, string field)
    {
        var response = await _client.PostAsync("/api/integrity/repair", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await response.AssertInvalidFieldAsync(field);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("lots")]
    public async Task Check_WithABadLimit_IsA400_NamingMaxProblems(string value)
    {
        await (await _client.PostAsync($"/api/integrity/check?maxProblems={value}", null)).AssertInvalidFieldAsync("maxProblems");
    }

    private async Task<JsonElement> Check()
    {
        var response = await _client.PostAsync("/api/integrity/check", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Api.Json);
    }
}

/// <summary>Damages the dashboard's SQLite store behind the API's back.</summary>
internal static class Saboteur
{
    /// <summary>Sets a target's status in its row only, as a hand-written UPDATE would: its history no longer agrees.</summary>
    public static async Task PlantStatusAsync(string databaseFile, Guid id, string status)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databaseFile, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE targets SET status = $status WHERE id = $id";
        command.Parameters.AddWithValue("$status", status);
        command.Parameters.AddWithValue("$id", id.ToString("D"));
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }
}
