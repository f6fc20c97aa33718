using MySqlConnector;
using TargetTracking.Conformance;

namespace TargetTracking.MySql.Tests;

/// <summary>History is append-only in the database: raw SQL that would rewrite or remove entries is refused.</summary>
public sealed class HistoryGuardTests(MySqlFixture fixture) : IClassFixture<MySqlFixture>
{
    private const int SignalException = 1644; // ER_SIGNAL_EXCEPTION: what the triggers raise

    private async Task<(Linq2DbTargetStore Store, string ConnectionString, TargetTracker Tracker, Target Target)> NewStoreAsync()
    {
        var (store, connectionString) = await fixture.CreateMySqlRepositoryAsync();
        var tracker = TestTracker.For(store);
        var target = (await tracker.CreateAsync(new NewTarget("Guarded", Status: "Cold", Markets: ["EU", "US"]))).Value!;
        return (store, connectionString, tracker, target);
    }

    public static TheoryData<string> Attacks => new()
    {
        "UPDATE target_history SET actor_name = 'forged'",
        "UPDATE target_history SET new_status = 'Hot' WHERE version = 1",
        "DELETE FROM target_history",
        "DELETE FROM target_history WHERE version = 1 LIMIT 1",
        // REPLACE of an existing entry deletes it first: the delete trigger refuses.
        "REPLACE INTO target_history SELECT tenant_id, id, target_id, action, old_status, 'Hot', version, occurred_at, actor_id, 'forged', correlation_id, operation_id, client_address, user_agent, note, feed_seq, old_amount_units, old_currency, new_amount_units, new_currency, old_owner_id, new_owner_id, reason, effective_at FROM target_history",
        // INSERT … ON DUPLICATE KEY UPDATE of an existing entry is an update: the update trigger refuses.
        "INSERT INTO target_history SELECT * FROM target_history AS h ON DUPLICATE KEY UPDATE actor_name = 'forged'",
        // Multi-table forms fire the same row triggers.
        "UPDATE target_history AS h JOIN targets AS t ON t.id = h.target_id SET h.new_status = t.status",
        "DELETE h FROM target_history AS h JOIN targets AS t ON t.id = h.target_id",
    };

    [Theory]
    [MemberData(nameof(Attacks))]
    public async Task History_RewrittenOrRemovedWithRawSql_IsRefused(string sql)
    {
        var (store, connectionString, tracker, target) = await NewStoreAsync();
        var before = await tracker.GetHistoryAsync(target.Id);

        var error = await Assert.ThrowsAsync<MySqlException>(() => Db.ExecuteAsync(connectionString, sql));

        Assert.Equal(SignalException, error.Number);
        Assert.Contains("append-only", error.Message, StringComparison.Ordinal);
        Assert.False(store.IsTransient(error));
        Assert.Equal(before, await tracker.GetHistoryAsync(target.Id));
    }

    [Fact]
    public async Task History_Truncated_IsRefused_ByTheForeignKeyOfTheGuardTable()
    {
        var (store, connectionString, tracker, target) = await NewStoreAsync();

        var error = await Assert.ThrowsAsync<MySqlException>(() => Db.ExecuteAsync(connectionString, "TRUNCATE TABLE target_history"));

        Assert.Equal(1701, error.Number); // ER_TRUNCATE_ILLEGAL_FK: triggers do not fire on TRUNCATE; the reference refuses it
        Assert.False(store.IsTransient(error));
        Assert.Single(await tracker.GetHistoryAsync(target.Id));
    }

    [Fact]
    public async Task History_TruncatedWithForeignKeyChecksOff_NeedsTheDropPrivilege_WhichTheStoresUserDoesNotHave()
    {
        var (_, connectionString, tracker, target) = await NewStoreAsync();
        var database = new MySqlConnectionStringBuilder(connectionString).Database;
        var user = "tt_app_" + Guid.NewGuid().ToString("N")[..8];
        const string password = "app-Secret-1";

        // The least-privilege grant of the store's user at run time (migrations run as a deployment user).
        await Db.ExecuteAsync(fixture.AdminConnectionString, $"CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}'");
        await Db.ExecuteAsync(fixture.AdminConnectionString, MySqlDialect.ApplicationUserGrants(database!, user, "127.0.0.1", allowHistoryPurge: true));
        var app = new MySqlConnectionStringBuilder(connectionString) { UserID = user, Password = password }.ConnectionString;

        var error = await Assert.ThrowsAsync<MySqlException>(() => Db.ExecuteAsync(app, "SET foreign_key_checks = 0; TRUNCATE TABLE target_history"));
        Assert.Equal(MySqlErrorCode.TableAccessDenied, error.ErrorCode); // TRUNCATE needs DROP

        // That user runs the store: writes, history, the purge policy.
        await using var dataSource = new MySqlDataSource(app);
        var asApp = TestTracker.For(MySqlDialect.CreateStore(dataSource, new MySqlStoreOptions { ApplyMigrations = false }), o => o.DeletePolicy = DeletePolicy.PurgeHistory);
        Assert.True((await asApp.ChangeStatusAsync(target.Id, 1, "Active")).IsSuccess);
        Assert.Equal(2, (await asApp.GetHistoryAsync(target.Id)).Count);
        Assert.True((await asApp.DeleteAsync(target.Id, 2)).IsSuccess);
        Assert.Empty(await tracker.GetHistoryAsync(target.Id));
    }

    /// <summary>The store's run-time user, granted what <see cref="MySqlDialect.ApplicationUserGrants"/> writes.</summary>
    private async Task<string> AppUserAsync(string connectionString, bool allowHistoryPurge)
    {
        var database = new MySqlConnectionStringBuilder(connectionString).Database;
        var user = "tt_app_" + Guid.NewGuid().ToString("N")[..8];
        const string password = "app-Secret-1";
        await Db.ExecuteAsync(fixture.AdminConnectionString, $"CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}'");
        await Db.ExecuteAsync(fixture.AdminConnectionString, MySqlDialect.ApplicationUserGrants(database!, user, "127.0.0.1", allowHistoryPurge));
        return new MySqlConnectionStringBuilder(connectionString) { UserID = user, Password = password }.ConnectionString;
    }

    [Theory]
    [InlineData("INSERT INTO target_history_purge_permit (connection_id) VALUES (CONNECTION_ID()); DELETE FROM target_history", MySqlErrorCode.TableAccessDenied)]
    [InlineData("DELETE FROM target_history", MySqlErrorCode.TableAccessDenied)]
    [InlineData("UPDATE target_history SET actor_name = 'forged'", MySqlErrorCode.TableAccessDenied)]
    [InlineData("DROP TRIGGER target_history_refuse_delete", MySqlErrorCode.TableAccessDenied)]
    [InlineData("CALL targettracking_delete_targets_purging_history('default', '[]')", (MySqlErrorCode)1370)] // ER_PROCACCESS_DENIED_ERROR
    [InlineData("CALL targettracking_delete_tenant('default', UNHEX(REPLACE(UUID(), '-', '')), NOW(6), 'x', NULL, NULL, 'c', NULL, NULL)", (MySqlErrorCode)1370)]
    [InlineData("INSERT INTO target_history_purge_permit (connection_id) VALUES (CONNECTION_ID()); DELETE FROM hierarchy_history", MySqlErrorCode.TableAccessDenied)]
    public async Task AppUser_CannotSwitchThePurgeOn_OrRewriteHistory(string sql, MySqlErrorCode refusal)
    {
        var (_, connectionString, tracker, target) = await NewStoreAsync();
        var app = await AppUserAsync(connectionString, allowHistoryPurge: false);
        var before = await tracker.GetHistoryAsync(target.Id);

        var error = await Assert.ThrowsAsync<MySqlException>(() => Db.ExecuteAsync(app, sql));

        Assert.Equal(refusal, error.ErrorCode);
        Assert.Equal(before, await tracker.GetHistoryAsync(target.Id));
    }

    [Fact]
    public async Task AppUser_WithThePurgeGrant_ErasesNoHistoryOnItsOwn()
    {
        var (_, connectionString, tracker, target) = await NewStoreAsync();
        var gone = (await tracker.CreateAsync(new NewTarget("Deleted, history kept"))).Value!;
        Assert.True((await tracker.DeleteAsync(gone.Id, 1)).IsSuccess);
        var app = await AppUserAsync(connectionString, allowHistoryPurge: true);
        string Call(Guid id, long version) => $"CALL targettracking_delete_targets_purging_history('default', '[[\"{id:N}\", {version}]]')";

        // A target deleted earlier (history kept), or a live one at another version: nothing goes, the call is refused.
        foreach (var sql in new[] { Call(gone.Id.Value, 1), Call(target.Id.Value, 7) })
        {
            var error = await Assert.ThrowsAsync<MySqlException>(() => Db.ExecuteAsync(app, sql));
            Assert.Equal(SignalException, error.Number);
        }

        Assert.Single(await tracker.GetHistoryAsync(target.Id));
        Assert.Equal(2, (await tracker.GetHistoryAsync(gone.Id)).Count);
        Assert.Equal(0, await Db.CountAsync(connectionString, "target_history_purge_permit"));
    }

    [Fact]
    public async Task Delete_WithPurgePolicy_RemovesOnlyThatTargetsHistory_AndLeavesNoPermit()
    {
        var (store, connectionString, tracker, purged) = await NewStoreAsync();
        purged = (await tracker.ChangeStatusAsync(purged.Id, purged.Version, "Hot")).Value!;
        var kept = (await tracker.CreateAsync(new NewTarget("Kept"))).Value!;
        var purging = TestTracker.For(store, o => o.DeletePolicy = DeletePolicy.PurgeHistory);

        Assert.True((await purging.DeleteAsync(purged.Id, purged.Version)).IsSuccess);

        Assert.Empty(await tracker.GetHistoryAsync(purged.Id));
        Assert.Single(await tracker.GetHistoryAsync(kept.Id));
        Assert.Equal(0, await Db.CountAsync(connectionString, "target_history_purge_permit"));
        await Assert.ThrowsAsync<MySqlException>(() => Db.ExecuteAsync(connectionString, "DELETE FROM target_history"));
    }

    [Fact]
    public async Task AppUser_WithThePurgeGrant_DeletesATenant_AndCannotTouchItsRecord()
    {
        var (_, connectionString, tracker, target) = await NewStoreAsync();
        var app = await AppUserAsync(connectionString, allowHistoryPurge: true);
        await using var dataSource = new MySqlDataSource(app);
        var asApp = TestTracker.For(MySqlDialect.CreateStore(dataSource, new MySqlStoreOptions { ApplyMigrations = false }));
        var other = asApp.ForTenant("globex");
        await other.CreateAsync(new NewTarget("Globex's"));

        var deletion = await new TenantPurge(other).DeleteAsync("Contract ended");

        Assert.Equal(("globex", 1L, 1L), (deletion.Tenant, deletion.Targets, deletion.HistoryEntries));
        Assert.Empty(await StoreContents.TargetsAsync(other));
        Assert.Single(await tracker.GetHistoryAsync(target.Id));
        Assert.Equal([deletion], await new TenantPurge(other).GetDeletionsAsync());
        Assert.Equal(0, await Db.CountAsync(connectionString, "target_history_purge_permit"));
        foreach (var sql in new[] { "UPDATE tenant_deletions SET reason = 'x'", "DELETE FROM tenant_deletions", "INSERT INTO tenant_deletions SELECT * FROM tenant_deletions" })
        {
            var error = await Assert.ThrowsAsync<MySqlException>(() => Db.ExecuteAsync(app, sql));
            Assert.Equal(MySqlErrorCode.TableAccessDenied, error.ErrorCode);
        }

        // Without the grant the user cannot delete a tenant at all.
        var plain = await AppUserAsync(connectionString, allowHistoryPurge: false);
        await using var plainSource = new MySqlDataSource(plain);
        var refused = await Assert.ThrowsAsync<MySqlException>(() => new TenantPurge(TestTracker.For(MySqlDialect.CreateStore(plainSource, new MySqlStoreOptions { ApplyMigrations = false }))).DeleteAsync("x"));
        Assert.Equal(1370, refused.Number);
        Assert.Single(await tracker.GetHistoryAsync(target.Id));
    }

    [Fact]
    public async Task Delete_RemovesTheTargetsMarketRows_AndKeepsItsHistory()
    {
        var (_, connectionString, tracker, target) = await NewStoreAsync();

        Assert.True((await tracker.DeleteAsync(target.Id, target.Version)).IsSuccess);

        Assert.Equal(0, await Db.CountAsync(connectionString, "target_markets"));
        Assert.Equal(2, await Db.CountAsync(connectionString, "target_history"));
    }

    [Fact]
    public void TheDocsShowTheGrantsTheLibraryWrites()
    {
        var page = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Docs", "adapters-mysql.md"));

        Assert.Contains(MySqlDialect.ApplicationUserGrants("targets_db", "tt_app", "%", allowHistoryPurge: false), page, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => MySqlDialect.ApplicationUserGrants("db`; DROP", "tt_app", "%", allowHistoryPurge: false));
    }

}
