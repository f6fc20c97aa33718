using Dapper;
using Microsoft.Data.Sqlite;
using TargetTracking.Conformance;

namespace TargetTracking.Sqlite.Tests;

/// <summary>
/// Migrations as only SQLite runs them (each script in one transaction, tables rebuilt to change them, WAL switched on,
/// upgrades of old files); what every database shares is <see cref="MigrationConformance{TFixture}"/>.
/// </summary>
public sealed class MigrationTests(SqliteFileFixture fixture) : IClassFixture<SqliteFileFixture>
{
    private SqliteDatabase NewDatabase(string? connectionString = null) =>
        new(new SqliteStoreOptions { ConnectionString = connectionString ?? fixture.NewConnectionString() });

    [Fact]
    public async Task Migrate_WhenAScriptFails_LeavesTheDatabaseAsItWas()
    {
        var database = NewDatabase();
        await new SqliteMigrator(database).MigrateAsync();
        var before = await SqliteFileFixture.DescribeSchemaAsync(database.ConnectionString);
        var broken = new SqliteMigrator(database,
        [
            .. SqliteMigrator.Embedded.Value,
            new SqliteMigration(98, "0098_good_part.sql", "CREATE TABLE extra (x INTEGER); ALTER TABLE targets ADD COLUMN extra INTEGER;"),
            new SqliteMigration(99, "0099_broken.sql", "CREATE TABLE extra2 (x INTEGER); INSERT INTO no_such_table VALUES (1);"),
        ]);

        var error = await Assert.ThrowsAsync<SqliteException>(() => broken.MigrateAsync());

        Assert.Contains("no_such_table", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await SqliteFileFixture.DescribeSchemaAsync(database.ConnectionString));
        Assert.Equal(SqliteMigrator.Embedded.Value.Select(m => m.Version), await broken.GetAppliedVersionsAsync());
    }

    [Fact]
    public async Task Migrate_FromTheFirstVersionWithData_KeepsTheDataAndAddsTheGuards()
    {
        var database = NewDatabase();
        Assert.Equal([1], await new SqliteMigrator(database).MigrateAsync(upTo: 1));
        var id = Guid.CreateVersion7();
        var at = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(1234560);
        await using (var connection = new SqliteConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await connection.ExecuteAsync(
                """
                INSERT INTO targets (id, name, name_norm, description, markets, status, version, created_at, updated_at, status_changed_at)
                VALUES (@Id, 'Old Co', 'OLD CO', 'kept', '["EU","Nordics"]', 'Cold', 1, @At, @At, @At);
                INSERT INTO target_markets (target_id, market_norm) VALUES (@Id, 'EU'), (@Id, 'NORDICS');
                INSERT INTO target_history (id, target_id, action, old_status, new_status, version, occurred_at, correlation_id)
                VALUES (@HistoryId, @Id, 'Created', NULL, 'Cold', 1, @At, 'c-1');
                """,
                new { Id = id.ToString("D"), HistoryId = Guid.CreateVersion7().ToString("D"), At = at.UtcTicks });
        }

        await using var repository = SqliteDialect.CreateStore(new SqliteStoreOptions { ConnectionString = database.ConnectionString });
        await repository.InitializeAsync();

        var target = await repository.GetAsync(new TargetId(id));
        Assert.NotNull(target);
        Assert.Equal("Old Co", target.Name);
        Assert.Equal("kept", target.Description);
        Assert.Equal(["EU", "Nordics"], target.Markets);
        Assert.Equal("Cold", target.Status);
        Assert.Equal(at, target.CreatedAt);
        var page = await repository.QueryAsync(new TargetQuery { Market = "NORDICS" });
        Assert.Equal([target.Id], page.Items.Select(t => t.Id));
        var history = await repository.GetHistoryAsync(target.Id, new HistoryPageRequest());
        Assert.Equal(HistoryAction.Created, Assert.Single(history).Action);

        // Version 2's guards now hold for the old rows too.
        await using var raw = new SqliteConnection(database.ConnectionString);
        await raw.OpenAsync();
        await Assert.ThrowsAsync<SqliteException>(() => raw.ExecuteAsync("UPDATE target_history SET actor_name = 'x'"));
    }

    [Fact]
    public async Task Migrate_From3To4_KeepsTheData_ClosesTheOldPurgePermit_AndMatchesStatusesIgnoringCase()
    {
        var database = NewDatabase();
        Assert.Equal([1, 2, 3], await new SqliteMigrator(database).MigrateAsync(upTo: 3));
        var id = Guid.CreateVersion7();
        var at = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
        await using (var connection = new SqliteConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await connection.ExecuteAsync(
                """
                INSERT INTO targets (id, name, name_norm, description, markets, status, version, created_at, updated_at, status_changed_at)
                VALUES (@Id, 'Old Co', 'OLD CO', NULL, '[]', 'HOT', 2, @At, @At, @At);
                INSERT INTO target_history (id, target_id, action, old_status, new_status, version, occurred_at, correlation_id)
                VALUES (@H1, @Id, 'Created', NULL, 'Cold', 1, @At, 'c-1'), (@H2, @Id, 'StatusChanged', 'Cold', 'HOT', 2, @At, 'c-2');
                """,
                new { Id = id.ToString("D"), H1 = Guid.CreateVersion7().ToString("D"), H2 = Guid.CreateVersion7().ToString("D"), At = at.UtcTicks });

            // At version 3 the permit row let any client delete history: the hole migration 4 closes.
            await connection.ExecuteAsync("INSERT INTO history_purge_permit (id) VALUES (1); DELETE FROM history_purge_permit;");
        }

        await using var repository = SqliteDialect.CreateStore(new SqliteStoreOptions { ConnectionString = database.ConnectionString });
        await repository.InitializeAsync();
        Assert.Equal(SqliteSchema.EmbeddedMigrations.Select(m => m.Version), await new SqliteMigrator(database).GetAppliedVersionsAsync());

        var tracker = new TargetTracker(repository, new TargetTrackingOptions(), new FakeTimeProvider());
        var target = (await tracker.GetAsync(new TargetId(id))).Ok();
        Assert.Equal(("Old Co", "HOT", 2L), (target.Name, target.Status, target.Version));
        Assert.Equal(2, (await tracker.GetHistoryAsync(target.Id)).Count);
        Assert.Equal([target.Id], (await tracker.QueryAsync(new TargetQuery { Statuses = ["hot"] })).Items.Select(t => t.Id));

        await using var raw = new SqliteConnection(database.ConnectionString);
        await raw.OpenAsync();
        Assert.Equal(0, await raw.ExecuteScalarAsync<long>("SELECT count(*) FROM sqlite_master WHERE name = 'history_purge_permit'"));
        await Assert.ThrowsAsync<SqliteException>(() => raw.ExecuteAsync("DELETE FROM target_history"));
        await Assert.ThrowsAsync<SqliteException>(() => raw.ExecuteAsync("INSERT OR REPLACE INTO target_history SELECT * FROM target_history"));
        Assert.Equal(2, await raw.ExecuteScalarAsync<long>("SELECT count(*) FROM target_history"));

        // The store keeps working on the kept data, the purge policy included.
        var purging = new TargetTracker(repository, new TargetTrackingOptions { DeletePolicy = DeletePolicy.PurgeHistory }, new FakeTimeProvider());
        Assert.True((await tracker.ChangeStatusAsync(target.Id, 2, "Closed")).IsSuccess);
        Assert.True((await purging.DeleteAsync(target.Id, 3)).IsSuccess);
        Assert.Empty(await tracker.GetHistoryAsync(target.Id));
    }

    [Fact]
    public async Task Migration4_RunAgainByHand_ChangesNothing()
    {
        // Up to version 10: migration 11 rebuilt the tables with the tenant in every key, and its guards name the tenant.
        var database = NewDatabase();
        await new SqliteMigrator(database).MigrateAsync(upTo: 10);
        var before = await SqliteFileFixture.DescribeSchemaAsync(database.ConnectionString);
        await using (var connection = new SqliteConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await connection.ExecuteAsync(SqliteMigrator.Embedded.Value.Single(m => m.Version == 4).Sql);
        }

        Assert.Equal(before, await SqliteFileFixture.DescribeSchemaAsync(database.ConnectionString));
    }

    [Fact]
    public async Task Migrate_ToVersion5_RebuildsHistory_KeepingEveryEntry_EveryIndexAndEveryGuard()
    {
        var database = NewDatabase();
        var migrator = new SqliteMigrator(database);
        await migrator.MigrateAsync(upTo: 4);
        await using var connection = new SqliteConnection(database.ConnectionString);
        await connection.OpenAsync();
        var entryId = Guid.CreateVersion7().ToString("D");
        await connection.ExecuteAsync(
            """
            INSERT INTO target_history (id, target_id, action, old_status, new_status, version, occurred_at, actor_id, actor_name, correlation_id, operation_id, client_address, user_agent)
            VALUES (@entryId, @targetId, 'StatusChanged', 'Cold', 'Hot', 2, 638000000000000000, 'u-1', 'Old Alice', 'c-1', 'op-1', '10.0.0.1', 'ua/1')
            """,
            new { entryId, targetId = Guid.CreateVersion7().ToString("D") });
        const string Guards = "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master WHERE tbl_name = 'target_history' AND type IN ('index', 'trigger') ORDER BY type, name";
        var before = (await connection.QueryAsync<string>(Guards)).ToList();
        const string Row = "SELECT id || target_id || action || old_status || new_status || version || occurred_at || actor_id || actor_name || correlation_id || operation_id || client_address || user_agent FROM target_history";
        var row = await connection.ExecuteScalarAsync<string>(Row);

        Assert.Equal([5], await migrator.MigrateAsync(upTo: 5));

        // Every index and trigger on history comes back exactly as it was (a later guard left out here would fail this).
        Assert.Equal(before, await connection.QueryAsync<string>(Guards));
        Assert.Contains(before, g => g.StartsWith("trigger target_history_refuse_update", StringComparison.Ordinal));
        Assert.Equal(row, await connection.ExecuteScalarAsync<string>(Row));
        Assert.Null(await connection.ExecuteScalarAsync<string?>("SELECT note FROM target_history"));
        await connection.ExecuteAsync(
            "INSERT INTO target_history (id, target_id, action, version, occurred_at, correlation_id, note) VALUES (@id, @id, 'Repaired', 1, 0, 'c', 'why')",
            new { id = Guid.CreateVersion7().ToString("D") });
        await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync(
            "INSERT INTO target_history (id, target_id, action, version, occurred_at, correlation_id) VALUES (@id, @id, 'Bogus', 1, 0, 'c')",
            new { id = Guid.CreateVersion7().ToString("D") }));
        await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("UPDATE target_history SET note = 'forged'"));
        await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("DELETE FROM target_history"));
        Assert.Equal("ok", await connection.ExecuteScalarAsync<string>("PRAGMA integrity_check"));
    }

    [Fact]
    public async Task Migrate_ToVersion6_RebuildsHistory_KeepingEveryEntry_EveryIndexAndEveryGuard_AndAddsTheHierarchy()
    {
        var database = NewDatabase();
        var migrator = new SqliteMigrator(database);
        await migrator.MigrateAsync(upTo: 5);
        await using var connection = new SqliteConnection(database.ConnectionString);
        await connection.OpenAsync();
        await connection.ExecuteAsync(
            "INSERT INTO target_history (id, target_id, action, version, occurred_at, actor_name, correlation_id, note) VALUES (@id, @id, 'Repaired', 1, 0, 'Ops', 'c', 'why')",
            new { id = Guid.CreateVersion7().ToString("D") });
        const string Guards = "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master WHERE tbl_name = 'target_history' AND type IN ('index', 'trigger') ORDER BY type, name";
        var before = (await connection.QueryAsync<string>(Guards)).ToList();
        const string Row = "SELECT id || target_id || action || version || occurred_at || actor_name || correlation_id || note FROM target_history";
        var row = await connection.ExecuteScalarAsync<string>(Row);

        Assert.Equal([6], await migrator.MigrateAsync(upTo: 6));

        Assert.Equal(before, await connection.QueryAsync<string>(Guards));
        Assert.Equal(row, await connection.ExecuteScalarAsync<string>(Row));
        await connection.ExecuteAsync(
            "INSERT INTO target_history (id, target_id, action, version, occurred_at, correlation_id, note) VALUES (@id, @id, 'Linked', 2, 0, 'c', 'Goal x')",
            new { id = Guid.CreateVersion7().ToString("D") });
        await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync(
            "INSERT INTO target_history (id, target_id, action, version, occurred_at, correlation_id) VALUES (@id, @id, 'Bogus', 1, 0, 'c')",
            new { id = Guid.CreateVersion7().ToString("D") }));
        await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("UPDATE target_history SET note = 'forged'"));
        await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("DELETE FROM target_history"));

        // Links need both sides, of the kind they claim; the items' history is append-only.
        await connection.ExecuteAsync("PRAGMA foreign_keys = ON");
        var (target, goal) = (Guid.CreateVersion7().ToString("D"), Guid.CreateVersion7().ToString("D"));
        await connection.ExecuteAsync(
            """
            INSERT INTO targets (id, name, name_norm, markets, version, created_at, updated_at) VALUES (@target, 'T', 'T', '[]', 1, 0, 0);
            INSERT INTO hierarchy_items (id, kind, title, title_norm, version, created_at, updated_at) VALUES (@goal, 'Goal', 'G', 'G', 1, 0, 0);
            INSERT INTO outcome_links (target_id, item_id, kind) VALUES (@target, @goal, 'Goal');
            INSERT INTO hierarchy_history (id, item_id, kind, action, version, occurred_at, correlation_id) VALUES (@goal, @goal, 'Goal', 'Created', 1, 0, 'c');
            """,
            new { target, goal });
        await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("INSERT INTO outcome_links (target_id, item_id, kind) VALUES (@target, @goal, 'Sprint')", new { target = Guid.CreateVersion7().ToString("D"), goal }));
        await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("UPDATE outcome_links SET kind = 'Sprint'"));
        await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("DELETE FROM targets"));
        await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("DELETE FROM hierarchy_items"));
        await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("DELETE FROM hierarchy_history"));
        await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("UPDATE hierarchy_history SET actor_name = 'forged'"));
        Assert.Equal("ok", await connection.ExecuteScalarAsync<string>("PRAGMA integrity_check"));
    }

    [Fact]
    public async Task Migrate_ToVersion8_AddsTheFeedColumnInPlace_KeepingEveryEntryAndEveryGuard()
    {
        var database = NewDatabase();
        var migrator = new SqliteMigrator(database);
        await migrator.MigrateAsync(upTo: 7);
        await using var connection = new SqliteConnection(database.ConnectionString);
        await connection.OpenAsync();
        var entryId = Guid.CreateVersion7().ToString("D");
        await connection.ExecuteAsync(
            "INSERT INTO target_history (id, target_id, action, version, occurred_at, correlation_id) VALUES (@entryId, @entryId, 'Created', 1, 0, 'c')",
            new { entryId });
        const string Triggers = "SELECT name || ': ' || sql FROM sqlite_master WHERE tbl_name = 'target_history' AND type = 'trigger' ORDER BY name";
        var before = (await connection.QueryAsync<string>(Triggers)).ToList();

        Assert.Equal([8], await migrator.MigrateAsync(upTo: 8));

        // Added in place: the table is not rebuilt, so its append-only triggers are the same objects, and they hold.
        Assert.Equal(before, await connection.QueryAsync<string>(Triggers));
        Assert.NotEmpty(before);
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT feed_seq FROM target_history WHERE id = @entryId", new { entryId }));
        await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("UPDATE target_history SET feed_seq = 99"));
        await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("DELETE FROM target_history"));
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT seq FROM target_feed_clock"));
        Assert.Equal("ok", await connection.ExecuteScalarAsync<string>("PRAGMA integrity_check"));
    }

    [Fact]
    public async Task Migrate_ToVersion9_FillsTheStaysFromTheExistingHistory_LeavingTheHistoryGuarded()
    {
        var database = NewDatabase();
        var migrator = new SqliteMigrator(database);
        await migrator.MigrateAsync(upTo: 8);
        await using var connection = new SqliteConnection(database.ConnectionString);
        await connection.OpenAsync();
        var target = Guid.CreateVersion7().ToString("D");
        const long Epoch = 621355968000000000; // 1970-01-01 in ticks, as the history stores times
        (string Action, string? Status, long Version, long Micros)[] entries =
        [
            ("Created", "Cold", 1, 100), ("Updated", "Cold", 2, 200), ("Repaired", "Cold", 3, 300), ("Linked", "Cold", 4, 350),
            ("StatusChanged", "Hot", 5, 400), ("Deleted", null, 6, 500), ("Created", null, 7, 600),
        ];
        foreach (var (action, status, version, micros) in entries)
        {
            await connection.ExecuteAsync(
                "INSERT INTO target_history (id, target_id, action, new_status, version, occurred_at, correlation_id) VALUES (@id, @target, @action, @status, @version, @at, 'c')",
                new { id = Guid.CreateVersion7().ToString("D"), target, action, status, version, at = Epoch + (micros * 10) });
        }

        Assert.Equal([9], await migrator.MigrateAsync(upTo: 9));

        // Updated, Linked and a repair to the same status begin no stay; the deletion closes one; the re-creation opens one.
        var stays = await connection.QueryAsync<(long Version, string? Status, long Entered, long? Exited, string? Next, long Deleted)>(
            "SELECT version, status, entered_us, exited_us, next_status, ended_by_delete FROM target_stays WHERE target_id = @target ORDER BY version", new { target });
        Assert.Equal([(1L, "Cold", 100L, 400L, "Hot", 0L), (5L, "Hot", 400L, 500L, null, 1L), (7L, null, 600L, null, null, 0L)], stays);
        await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("DELETE FROM target_history"));
    }

    [Fact]
    public async Task Initialize_WithMigrationsOff_OnAnEmptyDatabase_RefusesNamingTheSetting()
    {
        await using var repository = SqliteDialect.CreateStore(new SqliteStoreOptions { ConnectionString = fixture.NewConnectionString(), ApplyMigrations = false });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => repository.InitializeAsync());

        Assert.Contains("SqliteStoreOptions.ApplyMigrations", error.Message, StringComparison.Ordinal);
        Assert.Contains("0001", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Initialize_WithMigrationsOff_OnACurrentDatabase_Works()
    {
        var connectionString = fixture.NewConnectionString();
        await new SqliteMigrator(NewDatabase(connectionString)).MigrateAsync();
        await using var repository = SqliteDialect.CreateStore(new SqliteStoreOptions { ConnectionString = connectionString, ApplyMigrations = false });

        var page = await repository.QueryAsync(new TargetQuery());

        Assert.Equal(0, page.TotalCount);
    }

    [Fact]
    public async Task Initialize_OnADatabaseFromANewerPackage_Refuses()
    {
        var connectionString = fixture.NewConnectionString();
        var database = NewDatabase(connectionString);
        await new SqliteMigrator(database, [.. SqliteMigrator.Embedded.Value, new SqliteMigration(99, "0099_future.sql", "CREATE TABLE future (x INTEGER);")]).MigrateAsync();
        await using var repository = SqliteDialect.CreateStore(new SqliteStoreOptions { ConnectionString = connectionString });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => repository.InitializeAsync());

        Assert.Contains("version 99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Initialize_FileDatabase_SwitchesToWal()
    {
        var connectionString = fixture.NewConnectionString();
        await using var repository = SqliteDialect.CreateStore(new SqliteStoreOptions { ConnectionString = connectionString });
        await repository.InitializeAsync();

        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        Assert.Equal("wal", await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
    }
}
