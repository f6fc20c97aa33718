using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;

namespace TargetTracking.MySql.Tests;

/// <summary>
/// Migrations on MariaDB: applied once under the GET_LOCK lock (which is released at the end, so a pooled connection
/// does not keep it), raced by many starters, and idempotent, because MariaDB commits every DDL statement on its own.
/// </summary>
public sealed class MigrationTests(MySqlFixture fixture) : IClassFixture<MySqlFixture>
{
    private const string LockName = "CONCAT('targettracking.migrations:', MD5(DATABASE()))";
    private static readonly int LatestVersion = MySqlSchema.EmbeddedMigrations.Count;

    private Linq2DbTargetStore Store(string connectionString, bool applyMigrations = true, IReadOnlyList<Migration>? migrations = null, MySqlDataSource? dataSource = null, TimeSpan? lockTimeout = null) =>
        MySqlDialect.BuildStore(
            dataSource ?? fixture.DataSource(connectionString),
            new MySqlStoreOptions { ApplyMigrations = applyMigrations, MigrationLockTimeout = lockTimeout ?? TimeSpan.FromSeconds(60) },
            NullLogger.Instance,
            owned: false,
            migrations ?? MySqlSchema.EmbeddedMigrations);

    /// <summary>Everything a migration can change: tables, columns, indexes, constraints, triggers, version rows.</summary>
    private static async Task<string> DescribeSchemaAsync(string connectionString)
    {
        const string sql =
            """
            SELECT GROUP_CONCAT(line ORDER BY line SEPARATOR '\n') FROM (
                SELECT CONCAT('table ', table_name, ' ', engine, ' ', table_collation) AS line FROM information_schema.tables WHERE table_schema = DATABASE()
                UNION ALL SELECT CONCAT('column ', table_name, '.', column_name, ' ', column_type, ' ', is_nullable, ' ', COALESCE(collation_name, '-'))
                    FROM information_schema.columns WHERE table_schema = DATABASE()
                UNION ALL SELECT CONCAT('index ', table_name, '.', index_name, ' ', seq_in_index, ' ', column_name, ' ', non_unique)
                    FROM information_schema.statistics WHERE table_schema = DATABASE()
                UNION ALL SELECT CONCAT('constraint ', table_name, '.', constraint_name, ' ', constraint_type)
                    FROM information_schema.table_constraints WHERE constraint_schema = DATABASE()
                UNION ALL SELECT CONCAT('trigger ', trigger_name, ' ', action_timing, ' ', event_manipulation, ' ', MD5(action_statement))
                    FROM information_schema.triggers WHERE trigger_schema = DATABASE()
                UNION ALL SELECT CONCAT('version ', version, ' ', name, ' ', applied_at) FROM target_tracking_migrations
            ) AS d
            """;
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var longer = new MySqlCommand("SET SESSION group_concat_max_len = 1000000", connection))
        {
            await longer.ExecuteNonQueryAsync();
        }

        await using var command = new MySqlCommand(sql, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> TableCountAsync(string connectionString) =>
        await Db.ScalarAsync<long>(connectionString, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()");

    [Fact]
    public async Task Migrate_OnNewDatabase_AppliesEveryScriptInOrder_AndRecordsEach()
    {
        var connectionString = await MySqlFixture.NewDatabaseAsync();
        var store = Store(connectionString);
        Assert.Equal(LatestVersion, await store.MigrateAsync());
        Assert.Equal(LatestVersion, await store.GetSchemaVersionAsync());
        var names = await Db.ScalarAsync<string>(connectionString, "SELECT GROUP_CONCAT(name ORDER BY version) FROM target_tracking_migrations");
        Assert.Equal(string.Join(",", MySqlSchema.EmbeddedMigrations.Select(m => m.Name)), names);
        Assert.Equal("0001_targets_and_history,0002_history_append_only,0003_operations,0004_append_only_and_status_case,0005_history_repaired,0006_hierarchy,0007_reports_and_stagnation_claims,0008_change_feed,0009_stays,0010_open_stay_by_target", names);
    }

    [Fact]
    public async Task Migrate_Twice_SecondRunAppliesNothing_AndChangesNothing()
    {
        var connectionString = await MySqlFixture.NewDatabaseAsync();
        await Store(connectionString).MigrateAsync();
        var before = await DescribeSchemaAsync(connectionString);

        Assert.Equal(0, await Store(connectionString).MigrateAsync());
        Assert.Equal(0, await Store(connectionString).MigrateAsync());

        Assert.Equal(before, await DescribeSchemaAsync(connectionString));
        Assert.Contains("column targets.name varchar(255) NO utf8mb4_nopad_bin", before, StringComparison.Ordinal);
        Assert.Contains("column targets.id binary(16) NO -", before, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryScript_RunTwice_ChangesNothingTheSecondTime()
    {
        // MariaDB commits each DDL statement on its own: a script cut short is completed by running it again.
        var connectionString = await MySqlFixture.NewDatabaseAsync();
        await Store(connectionString).MigrateAsync();
        var before = await DescribeSchemaAsync(connectionString);

        foreach (var migration in MySqlSchema.EmbeddedMigrations)
        {
            await Db.ExecuteAsync(connectionString, migration.Sql);
        }

        Assert.Equal(before, await DescribeSchemaAsync(connectionString));
    }

    [Fact]
    public async Task Migrate_RacedByManyStarters_AppliesEachMigrationOnce_AndReleasesTheLock()
    {
        var connectionString = await MySqlFixture.NewDatabaseAsync();

        // Separate data sources: separate host instances starting at the same moment.
        var dataSources = Enumerable.Range(0, 6).Select(_ => new MySqlDataSource(connectionString)).ToArray();
        try
        {
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var starters = dataSources.Select(ds => Task.Run(async () =>
            {
                var store = Store(connectionString, dataSource: ds);
                await start.Task;
                return await store.MigrateAsync();
            })).ToArray();
            start.SetResult();
            var applied = await Task.WhenAll(starters);

            Assert.Equal(LatestVersion, applied.Sum());
            Assert.Equal(LatestVersion, await Db.CountAsync(connectionString, "target_tracking_migrations"));
            Assert.Equal(LatestVersion, await Store(connectionString).GetSchemaVersionAsync());

            // The session lock went with each run, not with its pooled connection.
            Assert.Null(await Db.ScalarAsync<long?>(connectionString, $"SELECT IS_USED_LOCK({LockName})"));
        }
        finally
        {
            foreach (var ds in dataSources)
            {
                await ds.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Migrate_WhileAnotherHostHoldsTheLock_WaitsForIt_ThenTimesOut_NamingTheSetting()
    {
        var connectionString = await MySqlFixture.NewDatabaseAsync();
        await using var holder = new MySqlConnection(connectionString);
        await holder.OpenAsync();
        await using (var take = new MySqlCommand($"SELECT GET_LOCK({LockName}, 0)", holder))
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
        Assert.Equal(LatestVersion - 1, await upgraded.MigrateAsync());

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
        Assert.True((await Db.Tracker(upgraded).ChangeStatusAsync(target.Id, 1, "Active")).IsSuccess);
        Assert.Equal(2L, await Db.ScalarAsync<long>(connectionString, "SELECT COUNT(*) FROM target_stays"));
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
    public async Task Store_WithMigrationsOn_MigratesBeforeFirstUse_Once()
    {
        var connectionString = await MySqlFixture.NewDatabaseAsync();
        var store = Store(connectionString);

        var reads = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => store.GetAsync(new TargetId(Guid.CreateVersion7()))));

        Assert.All(reads, Assert.Null);
        Assert.Equal(LatestVersion, await Db.CountAsync(connectionString, "target_tracking_migrations"));
    }

    [Fact]
    public void EmbeddedMigrations_AreNumberedWithoutGaps_AndIdempotent()
    {
        Assert.Equal(Enumerable.Range(1, MySqlSchema.EmbeddedMigrations.Count), MySqlSchema.EmbeddedMigrations.Select(m => m.Version));
        Assert.All(MySqlSchema.EmbeddedMigrations, m => Assert.False(string.IsNullOrWhiteSpace(m.Sql)));
        Assert.All(
            MySqlSchema.EmbeddedMigrations.SelectMany(m => m.Sql.Split('\n')).Where(l => l.StartsWith("CREATE ", StringComparison.Ordinal)),
            l => Assert.Contains(" IF NOT EXISTS ", l, StringComparison.Ordinal));
    }
}
