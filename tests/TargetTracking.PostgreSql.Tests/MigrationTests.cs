using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TargetTracking.Conformance;

namespace TargetTracking.PostgreSql.Tests;

/// <summary>
/// Migrations as only PostgreSQL runs them: each script in one transaction (a failed one leaves nothing, not even the
/// schema), upgrades from the table names of versions before 10, history guarded by triggers. What every database
/// shares is <see cref="MigrationConformance{TFixture}"/>.
/// </summary>
public sealed class MigrationTests(PostgreSqlFixture fixture) : IClassFixture<PostgreSqlFixture>
{
    private static readonly int LatestVersion = PostgreSqlSchema.EmbeddedMigrations[^1].Version;

    private Linq2DbTargetStore Store(string schema, bool applyMigrations = true, IReadOnlyList<Migration>? migrations = null) =>
        PostgreSqlDialect.BuildStore(fixture.DataSource, new PostgreSqlStoreOptions { Schema = schema, ApplyMigrations = applyMigrations }, NullLogger.Instance, owned: false, migrations ?? PostgreSqlSchema.EmbeddedMigrations);

    private async Task<bool> SchemaExistsAsync(string schema) =>
        await Db.ScalarAsync<bool>(fixture.DataSource, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema);

    [Fact]
    public async Task Migrate_FromPreviousVersion_KeepsEveryTargetAndEntry()
    {
        var schema = PostgreSqlFixture.NewSchema();
        var old = Store(schema, applyMigrations: false);
        Assert.Equal(1, await old.MigrateToAsync(1));

        // Data as a store at schema version 1 wrote it (this version's store writes the note of version 5, so the
        // rows are written as that store did): Alpha created Cold and moved to Active, Beta, Gamma created and deleted.
        var at = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
        var (alpha, beta, gamma) = (Guid.CreateVersion7(at), Guid.CreateVersion7(at), Guid.CreateVersion7(at));
        await Db.ExecuteAsync(
            fixture.DataSource,
            $"""
            INSERT INTO "{schema}".targets (id, name, name_norm, description, markets, markets_norm, status, version, created_at, updated_at, status_changed_at) VALUES
                ($1, 'Alpha', 'ALPHA', 'first', ARRAY['EU'], ARRAY['EU'], 'Active', 2, $3, $3, $3),
                ($2, 'Beta', 'BETA', NULL, ARRAY[]::text[], ARRAY[]::text[], NULL, 1, $3, $3, NULL)
            """,
            alpha,
            beta,
            at);
        await Db.ExecuteAsync(
            fixture.DataSource,
            $"""
            INSERT INTO "{schema}".history (id, target_id, action, old_status, new_status, version, occurred_at, actor_id, actor_name, correlation_id, operation_id, client_address, user_agent) VALUES
                (gen_random_uuid(), $1, 'Created', NULL, 'Cold', 1, $4, 'u-1', 'Alice', 'c-1', NULL, '10.0.0.1', 'ua/1'),
                (gen_random_uuid(), $1, 'StatusChanged', 'Cold', 'Active', 2, $4, 'u-1', 'Alice', 'c-2', NULL, NULL, NULL),
                (gen_random_uuid(), $2, 'Created', NULL, NULL, 1, $4, NULL, NULL, 'c-1', NULL, NULL, NULL),
                (gen_random_uuid(), $3, 'Created', NULL, NULL, 1, $4, NULL, NULL, 'c-1', NULL, NULL, NULL),
                (gen_random_uuid(), $3, 'Deleted', NULL, NULL, 2, $4, NULL, NULL, 'c-3', 'op-1', NULL, NULL)
            """,
            alpha,
            beta,
            gamma,
            at);
        var rowsBefore = await DumpAsync(schema, "history");

        var upgraded = Store(schema);
        Assert.Equal(PostgreSqlSchema.EmbeddedMigrations.Count - 1, await upgraded.MigrateAsync());
        var after = TestTracker.For(upgraded);
        var targetsAfter = await after.QueryAsync(new TargetQuery { SortBy = TargetSort.Name });
        var historyAfter = await after.GetHistoryFeedAsync(new HistoryFeedRequest(DateTimeOffset.MinValue, Limit: 1000));

        Assert.Equal(rowsBefore, await DumpAsync(schema, "target_history"));
        Assert.Equal([("Alpha", "Active", 2L, (IReadOnlyList<string>)["EU"]), ("Beta", null, 1L, [])], targetsAfter.Items.Select(t => (t.Name, t.Status, t.Version, t.Markets)));
        Assert.Equal(5, historyAfter.Count);
        Assert.All(historyAfter, e => Assert.Null(e.Note));
        Assert.Contains(historyAfter, e => (e.TargetId.Value, e.Action, e.ActorName, e.ClientAddress) == (alpha, HistoryAction.Created, "Alice", "10.0.0.1"));
        Assert.True((await new TargetHealth(after).CheckIntegrityAsync()).IsHealthy);

        // And the upgraded store keeps working on the kept data.
        Assert.True((await after.ChangeStatusAsync(new TargetId(alpha), 2, "Hot")).IsSuccess);
    }

    /// <summary>Every target and history row of a schema, as text, in the columns of version 1 (history by its name at the schema's version).</summary>
    private async Task<string> DumpAsync(string schema, string history) =>
        (string)await Db.ScalarAsync<object>(
            fixture.DataSource,
            $"""
            SELECT (SELECT string_agg(t::text, E'\n' ORDER BY t.id) FROM (SELECT id, name, name_norm, description, markets, markets_norm, status, version, created_at, updated_at, status_changed_at FROM "{schema}".targets) AS t)
                || E'\n' || (SELECT string_agg(h::text, E'\n' ORDER BY h.id) FROM (SELECT id, target_id, action, old_status, new_status, version, occurred_at, actor_id, actor_name, correlation_id, operation_id, client_address, user_agent FROM "{schema}".{history}) AS h)
            """);

    [Fact]
    public async Task Migrate_From3To4_KeepsTheData_ClosesTheOldPurgeSwitch_AndMatchesStatusesIgnoringCase()
    {
        var schema = PostgreSqlFixture.NewSchema();
        var old = Store(schema, applyMigrations: false);
        Assert.Equal(3, await old.MigrateToAsync(3));

        // Data as a store at schema version 3 wrote it, one target's status in another case than the pipeline's.
        var at = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
        var (alpha, beta) = (Guid.CreateVersion7(at), Guid.CreateVersion7(at));
        await Db.ExecuteAsync(
            fixture.DataSource,
            $"""
            INSERT INTO "{schema}".targets (id, name, name_norm, description, markets, markets_norm, status, version, created_at, updated_at, status_changed_at) VALUES
                ($1, 'Alpha', 'ALPHA', 'first', ARRAY['EU'], ARRAY['EU'], 'Active', 2, $3, $3, $3),
                ($2, 'Beta', 'BETA', NULL, ARRAY[]::text[], ARRAY[]::text[], 'HOT', 1, $3, $3, $3)
            """,
            alpha,
            beta,
            at);
        await Db.ExecuteAsync(
            fixture.DataSource,
            $"""
            INSERT INTO "{schema}".history (id, target_id, action, old_status, new_status, version, occurred_at, actor_id, actor_name, correlation_id, operation_id, client_address, user_agent) VALUES
                (gen_random_uuid(), $1, 'Created', NULL, 'Cold', 1, $3, 'u-1', 'Alice', 'c-1', NULL, NULL, NULL),
                (gen_random_uuid(), $1, 'StatusChanged', 'Cold', 'Active', 2, $3, 'u-1', 'Alice', 'c-2', NULL, NULL, NULL),
                (gen_random_uuid(), $2, 'Created', NULL, 'HOT', 1, $3, NULL, NULL, 'c-1', NULL, NULL, NULL)
            """,
            alpha,
            beta,
            at);
        var rowsBefore = await DumpAsync(schema, "history");

        // At version 3 any session could switch the purge on.
        await Db.ExecuteAsync(fixture.DataSource, $"BEGIN; SET LOCAL targettracking.allow_history_purge = on; DELETE FROM \"{schema}\".history WHERE false; COMMIT;");

        Assert.Equal(1, await old.MigrateToAsync(4));
        Assert.Equal(rowsBefore, await DumpAsync(schema, "history"));
        var error = await Assert.ThrowsAsync<PostgresException>(() =>
            Db.ExecuteAsync(fixture.DataSource, $"BEGIN; SET LOCAL targettracking.allow_history_purge = on; DELETE FROM \"{schema}\".history; COMMIT;"));
        Assert.Contains("append-only", error.MessageText, StringComparison.Ordinal);

        var upgraded = Store(schema);
        await upgraded.MigrateAsync();
        Assert.Equal(rowsBefore, await DumpAsync(schema, "target_history"));
        var after = TestTracker.For(upgraded);
        Assert.Equal(["Beta"], (await after.QueryAsync(new TargetQuery { Statuses = ["hot"] })).Items.Select(t => t.Name));

        // The store keeps working on the kept data, the purge policy included.
        var purging = TestTracker.For(upgraded, o => o.DeletePolicy = DeletePolicy.PurgeHistory);
        Assert.True((await purging.DeleteAsync(new TargetId(alpha), 2)).IsSuccess);
        Assert.Empty(await after.GetHistoryAsync(new TargetId(alpha)));
        Assert.Equal(1, await Db.CountAsync(fixture.DataSource, schema, "target_history"));
    }

    [Fact]
    public async Task Migration4_RunAgainByHand_ChangesNothing()
    {
        // On the schema it was written for: later migrations rename what it names (0010).
        var schema = PostgreSqlFixture.NewSchema();
        await Store(schema, applyMigrations: false).MigrateToAsync(4);
        var before = await fixture.DescribeSchemaAsync(schema);
        var script = PostgreSqlSchema.EmbeddedMigrations.Single(m => m.Version == 4).Sql;

        await Db.ExecuteAsync(fixture.DataSource, $"BEGIN; SET LOCAL search_path TO \"{schema}\", pg_temp; {script} COMMIT;");

        Assert.Equal(before, await fixture.DescribeSchemaAsync(schema));
    }

    [Fact]
    public async Task Migrate_WhenAScriptFails_LeavesTheDatabaseAsItWas()
    {
        var schema = PostgreSqlFixture.NewSchema();
        await Store(schema).MigrateAsync();
        var before = await fixture.DescribeSchemaAsync(schema);
        var broken = new Migration(LatestVersion + 1, "9999_broken", "CREATE TABLE half_done (x int); ALTER TABLE targets ADD COLUMN extra int; SELECT 1 / 0;");

        var error = await Assert.ThrowsAsync<PostgresException>(() => Store(schema, migrations: [.. PostgreSqlSchema.EmbeddedMigrations, broken]).MigrateAsync());
        Assert.Equal("22012", error.SqlState); // division_by_zero

        Assert.Equal(before, await fixture.DescribeSchemaAsync(schema));
        Assert.Equal(LatestVersion, await Store(schema).GetSchemaVersionAsync());
    }

    [Fact]
    public async Task Migrate_WhenTheFirstScriptFails_LeavesNoSchemaBehind()
    {
        var schema = PostgreSqlFixture.NewSchema();
        var broken = new Migration(1, "0001_broken", "CREATE TABLE targets (id uuid); SELECT no_such_function();");

        await Assert.ThrowsAsync<PostgresException>(() => Store(schema, migrations: [broken]).MigrateAsync());

        Assert.False(await SchemaExistsAsync(schema));
    }

    [Fact]
    public async Task Store_WithMigrationsOff_DoesNotCreateTheSchema()
    {
        var schema = PostgreSqlFixture.NewSchema();
        var store = Store(schema, applyMigrations: false);

        await Assert.ThrowsAsync<PostgresException>(() => store.GetAsync(new TargetId(Guid.CreateVersion7())));

        Assert.False(await SchemaExistsAsync(schema));
    }

    [Fact]
    public async Task History_IsAppendOnly_InTheDatabase()
    {
        var schema = PostgreSqlFixture.NewSchema();
        var store = Store(schema);
        var tracker = TestTracker.For(store);
        var target = (await tracker.CreateAsync(new NewTarget("Kept"))).Value!;

        var update = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(fixture.DataSource, $"UPDATE \"{schema}\".target_history SET actor_name = 'forged'"));
        var delete = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(fixture.DataSource, $"DELETE FROM \"{schema}\".target_history"));
        var truncate = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(fixture.DataSource, $"TRUNCATE \"{schema}\".target_history"));

        Assert.All([update, delete, truncate], e => Assert.Contains("append-only", e.MessageText, StringComparison.Ordinal));
        Assert.Single(await tracker.GetHistoryAsync(target.Id));

        // The purge policy is the one way through: a delete under it removes the entries.
        var purging = TestTracker.For(store, o => o.DeletePolicy = DeletePolicy.PurgeHistory);
        Assert.True((await purging.DeleteAsync(target.Id, 1)).IsSuccess);
        Assert.Empty(await tracker.GetHistoryAsync(target.Id));
    }

    [Fact]
    public async Task Migrate_ToVersion5_AddsTheNote_KeepsEveryEntryAndTheGuards()
    {
        var schema = PostgreSqlFixture.NewSchema();
        var store = Store(schema);
        await store.MigrateToAsync(4);
        var entryId = Guid.CreateVersion7();
        var targetId = Guid.CreateVersion7();
        await Db.ExecuteAsync(
            fixture.DataSource,
            $"INSERT INTO \"{schema}\".history (id, target_id, action, new_status, version, occurred_at, actor_name, correlation_id) VALUES ($1, $2, 'Created', 'Cold', 1, now(), 'Old Alice', 'c-1')",
            entryId,
            targetId);
        var guards = await GuardsAsync(schema);

        Assert.Equal(1, await store.MigrateToAsync(5));

        Assert.Equal(guards, await GuardsAsync(schema));
        await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(fixture.DataSource, $"UPDATE \"{schema}\".history SET note = 'forged'"));

        // The store reads the tables by the names of the latest version.
        await store.MigrateAsync();
        var entry = Assert.Single(await store.GetHistoryAsync(new TargetId(targetId), new HistoryPageRequest()));
        Assert.Equal((entryId, HistoryAction.Created, "Cold", "Old Alice", (string?)null), (entry.Id, entry.Action, entry.NewStatus, entry.ActorName, entry.Note));
    }

    /// <summary>The triggers and functions of a schema: what keeps history append-only.</summary>
    private async Task<string> GuardsAsync(string schema) =>
        string.Join("\n", (await fixture.DescribeSchemaAsync(schema)).Split('\n').Where(line => line.StartsWith("trigger ", StringComparison.Ordinal) || line.StartsWith("function ", StringComparison.Ordinal)));
}
