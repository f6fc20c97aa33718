using Dapper;
using Microsoft.Data.Sqlite;
using TargetTracking.Conformance;

namespace TargetTracking.Sqlite.Tests;

public sealed class HistoryGuardTests(SqliteFileFixture fixture) : IClassFixture<SqliteFileFixture>
{
    private async Task<(SqliteTargetRepository Repository, TargetTracker Tracker, string ConnectionString)> NewStoreAsync(DeletePolicy policy = DeletePolicy.KeepHistory)
    {
        var connectionString = fixture.NewConnectionString();
        var repository = await fixture.CreateAsync(new SqliteStoreOptions { ConnectionString = connectionString });
        return (repository, new TargetTracker(repository, new TargetTrackingOptions { DeletePolicy = policy }, new FakeTimeProvider()), connectionString);
    }

    [Fact]
    public async Task History_UpdatedWithSql_IsRefused()
    {
        var (repository, tracker, connectionString) = await NewStoreAsync();
        var target = (await tracker.CreateAsync(new NewTarget("Guarded", Status: "Cold"))).Ok();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();

        var error = await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("UPDATE target_history SET new_status = 'Hot'"));

        Assert.Contains("append-only", error.Message, StringComparison.Ordinal);
        Assert.False(repository.IsTransient(error));
        Assert.Equal("Cold", Assert.Single(await repository.GetHistoryAsync(target.Id, new HistoryPageRequest())).NewStatus);
    }

    [Fact]
    public async Task History_DeletedWithSql_IsRefused()
    {
        var (repository, tracker, connectionString) = await NewStoreAsync();
        var target = (await tracker.CreateAsync(new NewTarget("Guarded"))).Ok();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();

        var error = await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("DELETE FROM target_history"));

        Assert.Contains("append-only", error.Message, StringComparison.Ordinal);
        Assert.Single(await repository.GetHistoryAsync(target.Id, new HistoryPageRequest()));
    }

    [Fact]
    public async Task Delete_WithPurgePolicy_RemovesOnlyThatTargetsHistory_AndLeavesNoPermit()
    {
        var (repository, tracker, connectionString) = await NewStoreAsync(DeletePolicy.PurgeHistory);
        var purged = (await tracker.CreateAsync(new NewTarget("Purged", Status: "Cold"))).Ok();
        purged = (await tracker.ChangeStatusAsync(purged.Id, purged.Version, "Hot")).Ok();
        var kept = (await tracker.CreateAsync(new NewTarget("Kept"))).Ok();

        Assert.True((await tracker.DeleteAsync(purged.Id, purged.Version)).IsSuccess);

        Assert.Empty(await repository.GetHistoryAsync(purged.Id, new HistoryPageRequest()));
        Assert.Single(await repository.GetHistoryAsync(kept.Id, new HistoryPageRequest()));
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM history_purge_permit"));
        await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("DELETE FROM target_history"));
    }

    [Fact]
    public async Task Delete_RemovesTheTargetsMarketRows()
    {
        var (_, tracker, connectionString) = await NewStoreAsync();
        var target = (await tracker.CreateAsync(new NewTarget("Marketed", Markets: ["EU", "US"]))).Ok();

        Assert.True((await tracker.DeleteAsync(target.Id, target.Version)).IsSuccess);

        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM target_markets"));
    }
}
