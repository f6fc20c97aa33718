namespace TargetTracking.Conformance;

/// <summary>
/// The migration runner on a dialect's own scripts: each script applied once, in order, and recorded; a second run
/// applies and changes nothing; host instances starting at once apply each migration once between them and leave the
/// migration lock free; a store migrates before its first use. What a database does differently (transactional DDL,
/// how a lock times out, upgrades of old data) stays in its own test project.
/// </summary>
/// <typeparam name="TFixture">The dialect's fixture.</typeparam>
public abstract class MigrationConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, ILinq2DbDatabaseFixture
{
    [Fact]
    public async Task EmbeddedMigrations_AreNumberedInOrder_EachNumberOnce()
    {
        var migrations = (await fixture.CreateEmptyDatabaseAsync()).Dialect.Schema.Migrations;

        // Gaps are allowed (numbers reserved by parallel work; the runner applies whatever a database lacks).
        Assert.Equal(1, migrations[0].Version);
        Assert.All(migrations.Skip(1).Zip(migrations), p => Assert.True(p.First.Version > p.Second.Version, $"{p.First.Name} after {p.Second.Name}"));
        Assert.All(migrations, m => Assert.False(string.IsNullOrWhiteSpace(m.Sql)));
    }

    [Fact]
    public async Task Migrate_OnNewDatabase_AppliesEveryScriptInOrder_AndRecordsEach()
    {
        var database = await fixture.CreateEmptyDatabaseAsync();
        var (count, latest) = (database.Dialect.Schema.Migrations.Count, database.Dialect.Schema.Migrations[^1].Version);
        var store = database.CreateStore();

        Assert.Equal(count, await store.MigrateAsync());
        Assert.Equal(latest, await store.GetSchemaVersionAsync());
        var names = await database.ListAsync<string>($"SELECT name FROM {database.VersionTable} ORDER BY version");
        Assert.Equal(database.Dialect.Schema.Migrations.Select(m => m.Name), names);
        Assert.Equal(fixture.ShippedMigrationNames, names);
    }

    [Fact]
    public async Task Migrate_Twice_SecondRunAppliesNothing_AndChangesNothing()
    {
        var database = await fixture.CreateEmptyDatabaseAsync();
        await database.CreateStore().MigrateAsync();
        var before = await database.DescribeSchemaAsync();

        Assert.Equal(0, await database.CreateStore().MigrateAsync());
        Assert.Equal(0, await database.CreateStore().MigrateAsync());

        Assert.Equal(before, await database.DescribeSchemaAsync());
    }

    [Fact]
    public async Task Migrate_RacedByManyStarters_AppliesEachMigrationOnce_AndReleasesTheLock()
    {
        var database = await fixture.CreateEmptyDatabaseAsync();
        var (count, latest) = (database.Dialect.Schema.Migrations.Count, database.Dialect.Schema.Migrations[^1].Version);

        // Stores of their own connection pools: separate host instances starting at the same moment.
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var starters = Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            var store = database.CreateStore(ownConnections: true);
            await start.Task;
            return await store.MigrateAsync();
        })).ToArray();
        start.SetResult();
        var applied = await Task.WhenAll(starters);

        Assert.Equal(count, applied.Sum());
        Assert.Equal(count, await database.ScalarAsync<long>($"SELECT COUNT(*) FROM {database.VersionTable}"));
        Assert.Equal(latest, await database.CreateStore().GetSchemaVersionAsync());

        // The lock went with each run, not with its pooled connection (a session lock would otherwise stay).
        Assert.False(await database.MigrationLockHeldAsync());
    }

    [Fact]
    public async Task Store_WithMigrationsOn_MigratesBeforeFirstUse_Once()
    {
        var database = await fixture.CreateEmptyDatabaseAsync();
        var store = database.CreateStore();

        var reads = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => store.GetAsync(new TargetId(Guid.CreateVersion7()))));

        Assert.All(reads, Assert.Null);
        Assert.Equal(database.Dialect.Schema.Migrations.Count, await database.ScalarAsync<long>($"SELECT COUNT(*) FROM {database.VersionTable}"));
    }
}
