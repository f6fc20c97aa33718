using Dapper;
using Microsoft.Data.Sqlite;
using TargetTracking.Conformance;

namespace TargetTracking.Sqlite.Tests;

public sealed class HistoryGuardTests(SqliteFileFixture fixture) : IClassFixture<SqliteFileFixture>
{
    private async Task<(Linq2DbTargetStore Repository, TargetTracker Tracker, string ConnectionString)> NewStoreAsync(DeletePolicy policy = DeletePolicy.KeepHistory)
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

        // A plain client has no permit function: its UPDATE cannot even run (migration 0017, as DELETE since 0004).
        Assert.Matches("append-only|no such function: targettracking_history_purge_permit", error.Message);
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

        // A plain client has no purge permit function at all: the delete cannot even run.
        var error = await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("DELETE FROM target_history"));

        Assert.Contains("targettracking_history_purge_permit", error.Message, StringComparison.Ordinal);
        Assert.Single(await repository.GetHistoryAsync(target.Id, new HistoryPageRequest()));
    }

    /// <summary>Every ordinary SQL statement that could rewrite an entry, each refused by the database.</summary>
    public static TheoryData<string, string> Rewrites => new()
    {
        { "INSERT OR REPLACE, same id", "INSERT OR REPLACE INTO target_history SELECT tenant_id, id, target_id, action, old_status, 'Forged', version, occurred_at, actor_id, 'Mallory', correlation_id, operation_id, client_address, user_agent, note, feed_seq, old_amount_units, old_currency, new_amount_units, new_currency, old_owner_id, new_owner_id, reason, effective_at FROM target_history" },
        { "REPLACE INTO, same target and version", "REPLACE INTO target_history SELECT tenant_id, lower(hex(randomblob(16))), target_id, action, old_status, 'Forged', version, occurred_at, actor_id, 'Mallory', correlation_id, operation_id, client_address, user_agent, note, feed_seq, old_amount_units, old_currency, new_amount_units, new_currency, old_owner_id, new_owner_id, reason, effective_at FROM target_history" },
        { "upsert on the id", "INSERT INTO target_history SELECT * FROM target_history WHERE true ON CONFLICT (tenant_id, id) DO UPDATE SET actor_name = 'Mallory'" },
        { "upsert on target and version", "INSERT INTO target_history SELECT tenant_id, lower(hex(randomblob(16))), target_id, action, old_status, new_status, version, occurred_at, actor_id, actor_name, correlation_id, operation_id, client_address, user_agent, note, feed_seq, old_amount_units, old_currency, new_amount_units, new_currency, old_owner_id, new_owner_id, reason, effective_at FROM target_history WHERE true ON CONFLICT (tenant_id, target_id, version) DO UPDATE SET actor_name = 'Mallory'" },
        { "upsert doing nothing, then replacing", "INSERT OR REPLACE INTO target_history SELECT * FROM target_history WHERE true ON CONFLICT DO NOTHING" },
        { "UPDATE OR REPLACE", "UPDATE OR REPLACE target_history SET actor_name = 'Mallory'" },
        { "the old purge permit", "INSERT INTO history_purge_permit (id) VALUES (1); DELETE FROM target_history" },
        { "DELETE with recursive triggers on", "PRAGMA recursive_triggers = ON; DELETE FROM target_history" },
        { "REPLACE with recursive triggers on", "PRAGMA recursive_triggers = ON; INSERT OR REPLACE INTO target_history SELECT * FROM target_history" },
    };

    [Theory]
    [MemberData(nameof(Rewrites))]
    public async Task History_RewrittenWithAnOrdinarySqlStatement_IsRefusedByTheDatabase(string attack, string sql)
    {
        var (repository, tracker, connectionString) = await NewStoreAsync();
        var target = (await tracker.CreateAsync(new NewTarget("Guarded", Status: "Cold"), new AuditContext { ActorName = "Alice" })).Ok();
        target = (await tracker.ChangeStatusAsync(target.Id, 1, "Hot", new AuditContext { ActorName = "Alice" })).Ok();
        var before = await repository.GetHistoryAsync(target.Id, new HistoryPageRequest());
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();

        var error = await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync(sql));

        // Refused by a guard, not by a malformed statement (a column list that no longer matches the table).
        Assert.DoesNotContain("values were supplied", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await repository.GetHistoryAsync(target.Id, new HistoryPageRequest()));
        Assert.True(before.All(e => e.ActorName == "Alice"), attack);
    }

    [Fact]
    public async Task History_DeletedWithSql_OnTheStoresOwnConnections_IsRefusedAsAppendOnly_AfterAPurge()
    {
        var (repository, tracker, connectionString) = await NewStoreAsync(DeletePolicy.PurgeHistory);
        var purged = (await tracker.CreateAsync(new NewTarget("Purged"))).Ok();
        var kept = (await tracker.CreateAsync(new NewTarget("Kept"))).Ok();
        Assert.True((await tracker.DeleteAsync(purged.Id, 1)).IsSuccess);

        // The store's connections are pooled, so one of these may be the very connection that purged: its permit is withdrawn.
        for (var i = 0; i < 3; i++)
        {
            await using var db = new LinqToDB.Data.DataConnection(SqliteDialect.Options(connectionString, TimeSpan.FromSeconds(5)));
            var error = await Assert.ThrowsAsync<SqliteException>(() => ((SqliteConnection)db.OpenDbConnection()).ExecuteAsync("DELETE FROM target_history"));
            Assert.Matches("append-only|no such function: targettracking_history_purge_permit", error.Message);
        }

        // Even a connection that knows the function is refused while it is not purging.
        await using (var db = new LinqToDB.Data.DataConnection(SqliteDialect.Options(connectionString, TimeSpan.FromSeconds(5))))
        {
            var connection = (SqliteConnection)db.OpenDbConnection();
            connection.CreateFunction<long?>(SqliteBulkWriter.PurgePermit, () => null);
            var error = await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("DELETE FROM target_history"));
            Assert.Contains("append-only", error.Message, StringComparison.Ordinal);
        }

        Assert.Single(await repository.GetHistoryAsync(kept.Id, new HistoryPageRequest()));
    }

    [Fact]
    public async Task Delete_WithPurgePolicy_RemovesOnlyThatTargetsHistory_AndLeavesNoWayToDeleteOpen()
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
