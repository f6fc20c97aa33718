using Dapper;
using Microsoft.Data.Sqlite;

namespace TargetTracking.Sqlite.Tests;

/// <summary>The queries the store runs are served by its indexes, not by scans and sorts.</summary>
public sealed class QueryPlanTests(SqliteFileFixture fixture) : IClassFixture<SqliteFileFixture>
{
    private async Task<List<string>> PlanAsync(string sql, object parameters)
    {
        var connectionString = fixture.NewConnectionString();
        await new SqliteMigrator(new SqliteDatabase(new SqliteStoreOptions { ConnectionString = connectionString })).MigrateAsync();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        var rows = await connection.QueryAsync("EXPLAIN QUERY PLAN " + sql, parameters);
        return [.. rows.Select(r => (string)((IDictionary<string, object>)r)["detail"])];
    }

    [Fact]
    public async Task MarketFilter_UsesTheMarketIndex()
    {
        var sql = TargetQuerySql.Build(new TargetQuery { Market = "EU" });

        var plan = await PlanAsync(sql.Page, sql.Parameters);

        Assert.Contains(plan, d => d.Contains("ix_target_markets_market", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(TargetSort.Name, false, "ix_targets_name")]
    [InlineData(TargetSort.Name, true, "ix_targets_name")]
    [InlineData(TargetSort.CreatedAt, false, "ix_targets_created_at")]
    [InlineData(TargetSort.UpdatedAt, true, "ix_targets_updated_at")]
    public async Task Sort_ReadsItsIndexInOrder_WithoutASort(TargetSort sort, bool descending, string index)
    {
        var sql = TargetQuerySql.Build(new TargetQuery { SortBy = sort, Descending = descending });

        var plan = await PlanAsync(sql.Page, sql.Parameters);

        Assert.Contains(plan, d => d.Contains(index, StringComparison.Ordinal));
        Assert.DoesNotContain(plan, d => d.Contains("TEMP B-TREE", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TargetHistory_UsesTheTargetVersionIndex_WithoutASort(bool beforeVersion)
    {
        var plan = await PlanAsync(HistorySql.ForTarget(beforeVersion), new { Id = "x", BeforeVersion = 5, Limit = 10 });

        Assert.Contains(plan, d => d.Contains("ux_target_history_target_version", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, d => d.Contains("TEMP B-TREE", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Feed_UsesTheFeedIndex_WithoutASort(bool afterId)
    {
        var plan = await PlanAsync(HistorySql.Feed(afterId), new { Since = 1L, AfterId = "x", Limit = 10 });

        Assert.Contains(plan, d => d.Contains("ix_target_history_feed", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, d => d.Contains("TEMP B-TREE", StringComparison.Ordinal));
    }
}
