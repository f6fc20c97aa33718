using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;
using TargetTracking.Conformance;

namespace TargetTracking.MySql.Tests;

/// <summary>
/// Migrations as only MariaDB runs them: under the GET_LOCK lock, which a migrator waits for and times out on, and
/// idempotent, because MariaDB commits every DDL statement on its own. What every database shares (each migration
/// applied once, raced by many starters, the lock released) is <see cref="MigrationConformance{TFixture}"/>.
/// </summary>
public sealed class MigrationTests(MySqlFixture fixture) : IClassFixture<MySqlFixture>
{
    private static readonly int LatestVersion = MySqlSchema.EmbeddedMigrations[^1].Version;

    private Linq2DbTargetStore Store(string connectionString, bool applyMigrations = true, IReadOnlyList<Migration>? migrations = null, TimeSpan? lockTimeout = null) =>
        MySqlDialect.BuildStore(
            fixture.DataSource(connectionString),
            new MySqlStoreOptions { ApplyMigrations = applyMigrations, MigrationLockTimeout = lockTimeout ?? TimeSpan.FromSeconds(60) },
            NullLogger.Instance,
            owned: false,
            migrations ?? MySqlSchema.EmbeddedMigrations);

    private static async Task<long> TableCountAsync(string connectionString) =>
        await Db.ScalarAsync<long>(connectionString, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()");

    [Fact]
    public async Task Migrate_OnNewDatabase_StoresTextAsCodePoints_AndIdsAsBinary()
    {
        var connectionString = await MySqlFixture.NewDatabaseAsync();
        await Store(connectionString).MigrateAsync();

        var schema = await MySqlFixture.DescribeSchemaAsync(connectionString);

        // Names compare and sort as the model's code points; ids take 16 bytes, not 36 characters.
        Assert.Contains("column targets.name varchar(255) NO utf8mb4_nopad_bin", schema, StringComparison.Ordinal);
        Assert.Contains("column targets.id binary(16) NO -", schema, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryScript_RunTwice_ChangesNothingTheSecondTime()
    {
        // MariaDB commits each DDL statement on its own: a script cut short is completed by running it again.
        var connectionString = await MySqlFixture.NewDatabaseAsync();
        await Store(connectionString).MigrateAsync();
        var before = await MySqlFixture.DescribeSchemaAsync(connectionString);

        foreach (var migration in MySqlSchema.EmbeddedMigrations)
        {
            await Db.ExecuteAsync(connectionString, migration.Sql);
        }

        Assert.Equal(before, await MySqlFixture.DescribeSchemaAsync(connectionString));
    }

    [Fact]
    public async Task Migrate_WhileAnotherHostHoldsTheLock_WaitsForIt_ThenTimesOut_NamingTheSetting()
    {
        var connectionString = await MySqlFixture.NewDatabaseAsync();
        await using var holder = new MySqlConnection(connectionString);
        await holder.OpenAsync();
        await using (var take = new MySqlCommand($"SELECT GET_LOCK({MySqlFixture.MigrationLockName}, 0)", holder))
        {
            Assert.Equal(1L, Convert.ToInt64(await take.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
        }

        var error = await Assert.ThrowsAsync<TimeoutException>(() => Store(connectionString, lockTimeout: TimeSpan.FromSeconds(1)).MigrateAsync());

        Assert.Contains("MySqlStoreOptions.MigrationLockTimeout", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await TableCountAsync(connectionString));
    }

    [Fact]
    public async Task Migrate_FromTheFirstVersionWithData_KeepsTheDataAndAddsTheGuards()
    {
        var connectionString = await MySqlFixture.NewDatabaseAsync();
        Assert.Equal(1, await Store(connectionString, applyMigrations: false).MigrateToAsync(1));

        // Rows as version 1 stored them, written by hand: a store of today would warm up tables version 1 lacks.
        var id = Guid.CreateVersion7();
        var at = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(1234560);
        await Db.ExecuteAsync(
            connectionString,
            """
            INSERT INTO targets (id, name, name_norm, description, markets, status, version, created_at, updated_at, status_changed_at)
            VALUES (?, 'Old Co', 'OLD CO', 'kept', '["EU","Nordics"]', 'Cold', 1, ?, ?, ?);
            INSERT INTO target_markets (target_id, market_norm) VALUES (?, 'EU'), (?, 'NORDICS');
            INSERT INTO target_history (id, target_id, action, old_status, new_status, version, occurred_at, correlation_id)
            VALUES (?, ?, 'Created', NULL, 'Cold', 1, ?, 'c-1');
            """,
            id.ToByteArray(bigEndian: true), at.UtcDateTime, at.UtcDateTime, at.UtcDateTime, id.ToByteArray(bigEndian: true), id.ToByteArray(bigEndian: true),
            Guid.CreateVersion7().ToByteArray(bigEndian: true), id.ToByteArray(bigEndian: true), at.UtcDateTime);

        var upgraded = Store(connectionString);
        Assert.Equal(MySqlSchema.EmbeddedMigrations.Count - 1, await upgraded.MigrateAsync());

        var target = await upgraded.GetAsync(new TargetId(id));
        Assert.NotNull(target);
        Assert.Equal(("Old Co", "kept", "Cold", at), (target.Name, target.Description, target.Status, target.CreatedAt));
        Assert.Equal(["EU", "Nordics"], target.Markets);
        Assert.Equal([target.Id], (await upgraded.QueryAsync(new TargetQuery { Market = "NORDICS" })).Items.Select(t => t.Id));
        Assert.Equal(HistoryAction.Created, Assert.Single(await upgraded.GetHistoryAsync(target.Id, new HistoryPageRequest())).Action);

        // Version 2's guards now hold for the old rows too, and the upgraded store keeps working on them.
        await Assert.ThrowsAsync<MySqlException>(() => Db.ExecuteAsync(connectionString, "UPDATE target_history SET actor_name = 'x'"));

        // Version 9 filled the stays table from the old entry (before any write of today's store touched the target).
        Assert.Equal([new StayFacts("Cold", at, null, null, false, 1)], await ((IReportStore)upgraded).GetStaysAsync(target.Id, DateTimeOffset.MaxValue));
        Assert.True((await TestTracker.For(upgraded).ChangeStatusAsync(target.Id, 1, "Active")).IsSuccess);
        Assert.Equal(2L, await Db.ScalarAsync<long>(connectionString, "SELECT COUNT(*) FROM target_stays"));

        // Version 11 gave the old rows the default tenant: another tenant sees none of them.
        Assert.Equal(0L, await Db.ScalarAsync<long>(connectionString, "SELECT COUNT(*) FROM targets WHERE tenant_id <> 'default'"));
        var elsewhere = upgraded.ForTenant(() => "another-tenant");
        Assert.Null(await elsewhere.GetAsync(target.Id));
        Assert.Empty(await elsewhere.GetHistoryAsync(target.Id, new HistoryPageRequest()));
        Assert.Equal(0, (await elsewhere.QueryAsync(new TargetQuery())).TotalCount);
    }

    [Fact]
    public async Task Migrate_WhenAScriptFails_RecordsNoVersion_AndTheFixedIdempotentScriptCompletesIt()
    {
        var connectionString = await MySqlFixture.NewDatabaseAsync();
        await Store(connectionString).MigrateAsync();
        var broken = new Migration(LatestVersion + 1, "9999_extra", "CREATE TABLE IF NOT EXISTS half_done (x INT); SELECT * FROM no_such_table;");

        var error = await Assert.ThrowsAsync<MySqlException>(() => Store(connectionString, migrations: [.. MySqlSchema.EmbeddedMigrations, broken]).MigrateAsync());
        Assert.Equal(MySqlErrorCode.NoSuchTable, error.ErrorCode);

        // DDL is not transactional here: the table the script created stays, but its version is not recorded.
        Assert.Equal(LatestVersion, await Store(connectionString).GetSchemaVersionAsync());
        Assert.Equal(1, await Db.ScalarAsync<long>(connectionString, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'half_done'"));

        var fixedScript = broken with { Sql = "CREATE TABLE IF NOT EXISTS half_done (x INT); CREATE TABLE IF NOT EXISTS other_half (y INT);" };
        Assert.Equal(1, await Store(connectionString, migrations: [.. MySqlSchema.EmbeddedMigrations, fixedScript]).MigrateAsync());
        Assert.Equal(LatestVersion + 1, await Store(connectionString, migrations: [.. MySqlSchema.EmbeddedMigrations, fixedScript]).GetSchemaVersionAsync());
    }

    [Fact]
    public async Task Store_WithMigrationsOff_RefusesADatabaseWithoutTheSchema_NamingTheSetting_AndCreatesNothing()
    {
        var connectionString = await MySqlFixture.NewDatabaseAsync();
        var store = Store(connectionString, applyMigrations: false);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.GetAsync(new TargetId(Guid.CreateVersion7())));

        Assert.Contains("MySqlStoreOptions.ApplyMigrations", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await TableCountAsync(connectionString));
    }

    [Fact]
    public void EmbeddedMigrations_CreateOnlyWhatIsMissing()
    {
        // A script cut short is completed by running it again (EveryScript_RunTwice_ChangesNothingTheSecondTime).
        Assert.All(
            MySqlSchema.EmbeddedMigrations.SelectMany(m => m.Sql.Split('\n')).Where(l => l.StartsWith("CREATE ", StringComparison.Ordinal)),
            l => Assert.Contains(" IF NOT EXISTS ", l, StringComparison.Ordinal));
    }
}
