using System.Data.Common;
using LinqToDB;
using LinqToDB.Interceptors;
using Microsoft.Data.Sqlite;
using TargetTracking.Linq2Db;

namespace TargetTracking.Sqlite.Tests;

/// <summary>The queries the store sends (captured from linq2db, with their parameters) are served by its indexes, not by scans and sorts.</summary>
public sealed class QueryPlanTests(SqliteFileFixture fixture) : IClassFixture<SqliteFileFixture>
{
    /// <summary>Runs a read through the store, then asks SQLite how it ran the last statement the read sent.</summary>
    private async Task<List<string>> PlanAsync(Func<Linq2DbTargetStore, Task> read)
    {
        var connectionString = fixture.NewConnectionString();
        await new SqliteMigrator(new SqliteDatabase(new SqliteStoreOptions { ConnectionString = connectionString })).MigrateAsync();
        var capture = new LastCommand();
        var store = new Linq2DbTargetStore(SqliteDialect.Options(connectionString, TimeSpan.FromSeconds(5)).UseInterceptor(capture), SqliteDialect.Create());
        await store.InitializeAsync();

        // One row, so a query reads its page after the count.
        Assert.True((await new TargetTracker(store, new TargetTrackingOptions()).CreateAsync(new NewTarget("Acme", Markets: ["EU"]))).IsSuccess);
        await read(store);

        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + capture.Sql;
        foreach (var (name, value) in capture.Parameters)
        {
            explain.Parameters.AddWithValue(name, value);
        }

        var plan = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(reader.GetOrdinal("detail")));
        }

        Assert.NotEmpty(plan);
        plan.Add("SQL: " + capture.Sql);
        return plan;
    }

    [Fact]
    public async Task MarketFilter_UsesTheMarketIndex()
    {
        var plan = await PlanAsync(store => store.QueryAsync(new TargetQuery { Market = "EU" }));

        Assert.Contains(plan, d => d.Contains("ix_target_markets_market", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Active")]
    [InlineData("NotSet")]
    [InlineData("Active,NotSet")]
    [InlineData("Active,Hot")]
    public async Task StatusFilter_MatchesIgnoringCase_ThroughTheIndexOnUpperStatus(string filter)
    {
        string?[] statuses = [.. filter.Split(',').Select(s => PipelineOptions.IsNotSet(s) ? null : s)];
        var plan = await PlanAsync(store => store.QueryAsync(new TargetQuery { Statuses = statuses }));

        // With the tenant leading both indexes (migration 0011), SQLite reads a Not Set filter through the tenant's names in
        // order rather than sort what the status index finds (it weighs IS NULL as less selective than =): a search of the
        // tenant's rows either way, never a scan of the table.
        Assert.True(statuses.Contains(null) || plan.Any(d => d.Contains("ix_targets_status_upper", StringComparison.Ordinal)), string.Join("\n", plan));
        Assert.DoesNotContain(plan, d => d.StartsWith("SCAN t", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(TargetSort.Name, false, "ix_targets_name")]
    [InlineData(TargetSort.Name, true, "ix_targets_name")]
    [InlineData(TargetSort.CreatedAt, false, "ix_targets_created_at")]
    [InlineData(TargetSort.UpdatedAt, true, "ix_targets_updated_at")]
    public async Task Sort_ReadsItsIndexInOrder_WithoutASort(TargetSort sort, bool descending, string index)
    {
        var plan = await PlanAsync(store => store.QueryAsync(new TargetQuery { SortBy = sort, Descending = descending }));

        Assert.Contains(plan, d => d.Contains(index, StringComparison.Ordinal));
        Assert.DoesNotContain(plan, d => d.Contains("TEMP B-TREE", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(5L)]
    public async Task TargetHistory_UsesTheTargetVersionIndex_WithoutASort(long? beforeVersion)
    {
        var plan = await PlanAsync(store => store.GetHistoryAsync(TargetId.New(TimeProvider.System), new HistoryPageRequest(beforeVersion, 10)));

        Assert.Contains(plan, d => d.Contains("ux_target_history_target_version", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, d => d.Contains("TEMP B-TREE", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Feed_UsesTheFeedIndex_WithoutASort(bool afterId)
    {
        var plan = await PlanAsync(store => store.GetHistoryFeedAsync(new HistoryFeedRequest(DateTimeOffset.UnixEpoch, afterId ? Guid.CreateVersion7() : null, 10)));

        Assert.Contains(plan, d => d.Contains("ix_target_history_feed", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, d => d.Contains("TEMP B-TREE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StatusChangesOfABulk_FindTheirRowsByKey_WithoutAScan()
    {
        var connectionString = fixture.NewConnectionString();
        await new SqliteMigrator(new SqliteDatabase(new SqliteStoreOptions { ConnectionString = connectionString })).MigrateAsync();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + SqliteBulkWriter.UpdateStatesFrom + "('a', 'Hot', 2, 1, 1, 1, 'default'), ('b', 'Hot', 2, 1, 1, 1, 'default')" + SqliteBulkWriter.UpdateStatesWhere;
        var plan = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(reader.GetOrdinal("detail")));
        }

        Assert.Contains(plan, d => d.StartsWith("SEARCH targets USING INDEX", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, d => d.StartsWith("SCAN targets", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(nameof(SqliteBulkWriter.CloseStay), "ix_target_stays_open_by_target")]
    [InlineData(nameof(SqliteBulkWriter.DeleteStays), "PRIMARY KEY (tenant_id=? AND target_id=?)")]
    public async Task TheWritesOfTheStaysTable_FindATargetsRowsByIndex_WithoutAScan(string statement, string index)
    {
        var connectionString = fixture.NewConnectionString();
        await new SqliteMigrator(new SqliteDatabase(new SqliteStoreOptions { ConnectionString = connectionString })).MigrateAsync();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + (statement == nameof(SqliteBulkWriter.CloseStay) ? SqliteBulkWriter.CloseStay : SqliteBulkWriter.DeleteStays);
        foreach (var name in new[] { "@Tenant", "@Id", "@Exited", "@Next", "@ByDelete" })
        {
            explain.Parameters.AddWithValue(name, DBNull.Value);
        }

        var plan = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(reader.GetOrdinal("detail")));
        }

        Assert.Contains(plan, d => d.StartsWith("SEARCH target_stays USING", StringComparison.Ordinal) && d.Contains(index, StringComparison.Ordinal));
        Assert.DoesNotContain(plan, d => d.StartsWith("SCAN target_stays", StringComparison.Ordinal));
    }

    /// <summary>Keeps the text and parameters of the last command linq2db ran.</summary>
    private sealed class LastCommand : CommandInterceptor
    {
        public string Sql { get; private set; } = string.Empty;

        public List<(string Name, object Value)> Parameters { get; } = [];

        public override DbCommand CommandInitialized(CommandEventData eventData, DbCommand command)
        {
            Sql = command.CommandText;
            Parameters.Clear();
            foreach (DbParameter parameter in command.Parameters)
            {
                Parameters.Add((parameter.ParameterName, parameter.Value ?? DBNull.Value));
            }

            return command;
        }
    }
}
