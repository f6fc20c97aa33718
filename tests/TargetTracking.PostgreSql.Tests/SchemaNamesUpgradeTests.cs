using System.Text.RegularExpressions;
using Npgsql;
using TargetTracking.Conformance;

namespace TargetTracking.PostgreSql.Tests;

/// <summary>
/// Migration 0010 on a schema that migrations 1 to 9 built (every PostgreSQL store's schema until then), holding data the
/// store wrote: the tables take the names they have on every database, and nothing else changes. The rows, the history's
/// guards, the purge, the feed's clock, the stays and an interrupted operation carry on in the renamed tables.
/// </summary>
public sealed partial class SchemaNamesUpgradeTests(PostgreSqlFixture fixture) : IClassFixture<PostgreSqlFixture>
{
    /// <summary>The tables of version 9 by their names before and after 0010; the others keep theirs.</summary>
    private static readonly (string Old, string New)[] Tables =
    [
        ("targets", "targets"), ("history", "target_history"), ("operations", "target_operations"),
        ("operation_items", "target_operation_items"), ("operation_failures", "target_operation_failures"),
        ("stays", "target_stays"), ("feed_clock", "target_feed_clock"), ("hierarchy_items", "hierarchy_items"),
        ("outcome_links", "outcome_links"), ("hierarchy_history", "hierarchy_history"), ("stagnation_claims", "stagnation_claims"),
    ];

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 3, 1, 9, 0, 0, TimeSpan.Zero));

    private NpgsqlDataSource DataSource => fixture.DataSource;

    private Linq2DbTargetStore Store(string schema, bool applyMigrations = true) =>
        PostgreSqlDialect.CreateStore(DataSource, new PostgreSqlStoreOptions { Schema = schema, ApplyMigrations = applyMigrations });

    [Fact]
    public async Task Upgrade_FromVersion9_RenamesTheTables_KeepsEveryRowAndGuard_AndTheStoreCarriesOn()
    {
        var (written, writtenSchema, ids) = await WriteThroughTheStoreAsync();
        var schema = await CopyIntoVersion9Async(writtenSchema);
        var rowsBefore = await RowsAsync(schema, renamed: false);
        var objectsBefore = await DescribeAsync(schema);
        var bodiesBefore = await BodiesAsync(schema);
        Assert.All(rowsBefore.Where(t => t.Key != "stagnation_claims"), t => Assert.NotEqual("", t.Value));

        var upgraded = Store(schema);
        Assert.Equal(1, await upgraded.MigrateToAsync(10));

        // Every row as it was, in the table's new name.
        Assert.Equal(rowsBefore, await RowsAsync(schema, renamed: true));

        // Nothing but names changed: columns, indexes, constraints, triggers, sequences, functions' owner, security,
        // search_path and grants, each under the name of its table (SQL names follow the table, as everywhere here).
        Assert.Equal(Renamed(objectsBefore), await DescribeAsync(schema));
        Assert.Equal(await Db.ScalarAsync<string>(DataSource, $"SELECT string_agg(version::text, ',' ORDER BY version) FROM \"{schema}\".target_tracking_migrations"), string.Join(',', Enumerable.Range(1, 10)));

        // The two bodies that named a renamed table name the new one, and differ in nothing else.
        var bodiesAfter = await BodiesAsync(schema);
        Assert.Equal(bodiesBefore["delete_targets_purging_history"].Replace("DELETE FROM history ", "DELETE FROM target_history ", StringComparison.Ordinal), bodiesAfter["delete_targets_purging_history"]);
        Assert.Equal(bodiesBefore["history_feed_stamp"].Replace("UPDATE feed_clock ", "UPDATE target_feed_clock ", StringComparison.Ordinal), bodiesAfter["target_history_feed_stamp"]);
        Assert.Equal(bodiesBefore["history_append_only"], bodiesAfter["target_history_append_only"]);

        // The history is append-only still, against a raw session.
        var history = $"\"{schema}\".target_history";
        foreach (var sql in new[] { $"UPDATE {history} SET actor_name = 'rewritten'", $"DELETE FROM {history}", $"TRUNCATE {history}" })
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(DataSource, sql));
            Assert.Equal(PostgresErrorCodes.RestrictViolation, error.SqlState);
            Assert.Contains("append-only", error.MessageText, StringComparison.Ordinal);
        }

        // The store reads back what the store wrote: targets, history, stays, feed, operation, links.
        var before = TestTracker.For(written, clock: _clock);
        var after = TestTracker.For(upgraded, clock: _clock);
        var end = DateTimeOffset.MaxValue;
        foreach (var id in ids.All)
        {
            var (was, now) = (await before.GetAsync(id), await after.GetAsync(id));
            Assert.True(was.IsSuccess ? was.Value.SameAs(now.IsSuccess ? now.Value : null) : !now.IsSuccess, $"{was} != {now}");
            Assert.Equal(await before.GetHistoryAsync(id), await after.GetHistoryAsync(id));
            Assert.Equal(await ((IReportStore)written).GetStaysAsync(id, end), await ((IReportStore)upgraded).GetStaysAsync(id, end));
        }

        var oldFeed = (await new ChangeFeed(after).ReadAsync(limit: 1000)).Entries;
        Assert.Equal((await new ChangeFeed(before).ReadAsync(limit: 1000)).Entries.Select(e => e.Entry), oldFeed.Select(e => e.Entry));
        var operations = new TargetOperations(after);
        Assert.Equal((await new TargetOperations(before).GetAsync(ids.OperationId)).Value, (await operations.GetAsync(ids.OperationId)).Value);
        Assert.Equal(await new TargetOperations(before).GetFailuresAsync(ids.OperationId), await operations.GetFailuresAsync(ids.OperationId));
        Assert.Equal(ids.Linked.Order(), (await new HierarchyTracker(after).GetOutcomesAsync(ids.Goal)).Items.Select(t => t.Id).Order());
        Assert.True((await new TargetHealth(after).CheckIntegrityAsync()).IsHealthy);

        // New writes: a move is stamped after every old entry; the purge policy erases a target's history only.
        _clock.Advance(TimeSpan.FromMinutes(1));
        var moved = (await after.ChangeStatusAsync(ids.Alpha, ids.AlphaVersion, "Closed")).Value!;
        var next = (await new ChangeFeed(after).ReadAsync(oldFeed[^1].Token, 1000)).Entries;
        Assert.Equal((ids.Alpha, moved.Version, "Closed"), (Assert.Single(next).Entry.TargetId, next[0].Entry.Version, next[0].Entry.NewStatus));
        Assert.True(next[0].Token.Sequence > oldFeed.Max(e => e.Token.Sequence));
        var alphaHistory = await after.GetHistoryAsync(ids.Alpha);
        Assert.Equal(next[0].Entry, alphaHistory[0]);
        Assert.Equal(await before.GetHistoryAsync(ids.Alpha), alphaHistory.Skip(1));

        var entries = await Db.CountAsync(DataSource, schema, "target_history");
        var purging = TestTracker.For(upgraded, o => o.DeletePolicy = DeletePolicy.PurgeHistory, _clock);
        Assert.True((await purging.DeleteAsync(ids.Doomed, 1)).IsSuccess);
        Assert.Empty(await after.GetHistoryAsync(ids.Doomed));
        Assert.Equal(entries - 1, await Db.CountAsync(DataSource, schema, "target_history"));

        // The interrupted operation resumes from its cursor, applying nothing twice.
        _clock.Advance(new TargetTrackingOptions().Operations.InterruptedAfter + TimeSpan.FromSeconds(1));
        var done = (await operations.RunAsync(ids.OperationId)).Value!;
        Assert.Equal((OperationStatus.Completed, 27L, 25L, 2L), (done.Status, done.Processed, done.Succeeded, done.Failed));
        foreach (var id in ids.Bulk)
        {
            Assert.Single(await after.GetHistoryAsync(id), e => e.OperationId == ids.OperationId);
        }

        Assert.True((await new TargetHealth(after).CheckIntegrityAsync()).IsHealthy);
    }

    [Fact]
    public async Task NewSchema_NamesEveryTableAsTheOtherDatabasesDo_AndNoObjectAfterAnOldName()
    {
        var schema = PostgreSqlFixture.NewSchema();
        await Store(schema).MigrateAsync();

        var tables = await Db.ScalarAsync<string[]>(DataSource, "SELECT array_agg(tablename::text ORDER BY tablename) FROM pg_tables WHERE schemaname = $1", schema);
        // The tables of version 9 by their new names, the version table, the webhook tables of version 13, tenant deletions of 14 and the ledger's of 16.
        Assert.Equal(Tables.Select(t => t.New).Concat(["target_tracking_migrations", "webhook_subscriptions", "webhook_dead_letters", "tenant_deletions", "ledger_heads", "ledger_seals", "erasures", "erased_entries"]).Order(StringComparer.Ordinal), tables);
        Assert.Equal("cursor_id", await Db.ScalarAsync<string>(DataSource, "SELECT column_name::text FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'target_operations' AND column_name LIKE 'cursor%'", schema));
        var description = await DescribeAsync(schema);
        Assert.DoesNotMatch(OldName(), description);
    }

    /// <summary>Data written through today's store into a scratch schema at the latest version, and the ids to find it by.</summary>
    private async Task<(Linq2DbTargetStore Store, string Schema, WrittenIds Ids)> WriteThroughTheStoreAsync()
    {
        var schema = PostgreSqlFixture.NewSchema();
        var store = Store(schema);
        var tracker = TestTracker.For(store, clock: _clock);
        var alice = new AuditContext { ActorId = "u-1", ActorName = "Alice", ClientAddress = "10.0.0.1", UserAgent = "ua/1" };
        async Task<Target> Step(Func<Task<Result<Target>>> write)
        {
            _clock.Advance(TimeSpan.FromMinutes(1));
            var result = await write();
            Assert.True(result.IsSuccess, result.ToString());
            return result.Value!;
        }

        var alpha = await Step(() => tracker.CreateAsync(new NewTarget("Alpha", "first", ["EU", "US"], "Cold"), alice));
        alpha = await Step(() => tracker.ChangeStatusAsync(alpha.Id, 1, "Active", alice));
        var beta = await Step(() => tracker.CreateAsync(new NewTarget("Beta", Status: "Active")));
        beta = await Step(() => tracker.UpdateAsync(beta.Id, 1, new TargetUpdate("Beta Corp", "renamed", ["DE"])));
        beta = await Step(() => tracker.ChangeStatusAsync(beta.Id, 2, "Closed"));
        var gamma = await Step(() => tracker.CreateAsync(new NewTarget("Gamma", Status: "Cold")));
        await Step(() => tracker.DeleteAsync(gamma.Id, 1, alice));
        var doomed = await Step(() => tracker.CreateAsync(new NewTarget("Doomed", Status: "Cold")));
        _clock.Advance(TimeSpan.FromMinutes(1));
        var bulk = (await tracker.CreateManyAsync(Enumerable.Range(0, 25).Select(i => new NewTarget($"Bulk {i:D2}", Markets: ["EU"], Status: "Cold")))).Items.Select(i => i.Target!.Id).ToArray();
        Assert.Equal(25, bulk.Length);

        var hierarchy = new HierarchyTracker(tracker);
        var goal = (await hierarchy.CreateAsync(HierarchyKind.Goal, new HierarchyItemFields { Title = "Grow", TargetDate = new DateOnly(2025, 12, 31) }, alice)).Value!;
        Assert.Equal(BulkItemState.Applied, (await hierarchy.LinkAsync(alpha.Id, goal.Id, alice)).State);
        Assert.Equal(BulkItemState.Applied, (await hierarchy.LinkAsync(beta.Id, goal.Id, alice)).State);
        alpha = (await tracker.GetAsync(alpha.Id)).Value!;
        alpha = await Step(() => tracker.ChangeStatusAsync(alpha.Id, alpha.Version, "Hot", alice));

        // A tracked operation stopped after its first batch: Beta (Closed is final) and Gamma (deleted) come first in id
        // order and fail, so the operation holds failures, a cursor, and items still to do.
        var operations = new TargetOperations(tracker);
        const string OperationId = "op-before-0010";
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True((await operations.StartAsync(new StartOperationRequest(OperationId, "Active", OperationSelection.ForIds([gamma.Id, beta.Id, .. bulk])) { BatchSize = 10 }, alice)).IsSuccess);
        using var stop = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => operations.RunAsync(OperationId, new StopAfterFirst(stop), stop.Token));
        var interrupted = (await operations.GetAsync(OperationId)).Value!;
        Assert.Equal((OperationStatus.Processing, 10L, 2L), (interrupted.Status, interrupted.Processed, interrupted.Failed));

        return (store, schema, new WrittenIds(alpha.Id, alpha.Version, doomed.Id, goal.Id, [alpha.Id, beta.Id], bulk, [alpha.Id, beta.Id, gamma.Id, doomed.Id, .. bulk], OperationId));
    }

    /// <summary>
    /// A schema at version 9 holding the rows of the schema <paramref name="written"/>. Today's store writes the names of version 10,
    /// so migrations 1 to 9 build the schema and the rows are copied in, table by table; the version table gets back the
    /// name those migrations gave it. Each unit of work's history goes in by a transaction of its own, in feed order,
    /// so the feed trigger of version 9 stamps the entries as it did when the store wrote them.
    /// </summary>
    private async Task<string> CopyIntoVersion9Async(string written)
    {
        var schema = PostgreSqlFixture.NewSchema();
        Assert.Equal(9, await Store(schema, applyMigrations: false).MigrateToAsync(9));
        var (to, from) = ($"\"{schema}\"", $"\"{written}\"");
        await Db.ExecuteAsync(DataSource, $"ALTER TABLE {to}.target_tracking_migrations RENAME TO schema_version; ALTER TABLE {to}.schema_version RENAME CONSTRAINT target_tracking_migrations_pkey TO schema_version_pkey");
        // Today's tables have columns version 9 has not, after its own: the tenant (migration 0012), the amount and owner
        // (0015), the lost reasons (0017), the effective time (0019). Every column but those, in order.
        async Task<string> ColumnsAsync(string table) => await Db.ScalarAsync<string>(
            DataSource,
            "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 " +
            "AND column_name NOT IN ('tenant_id', 'amount_units', 'currency', 'owner_id', 'old_amount_units', 'old_currency', 'new_amount_units', 'new_currency', 'old_owner_id', 'new_owner_id', 'reason', 'reason_note', 'effective_at')",
            written,
            table);
        foreach (var (old, renamed) in Tables.Where(t => t.Old is not "history" and not "feed_clock"))
        {
            await Db.ExecuteAsync(DataSource, $"INSERT INTO {to}.{old} OVERRIDING SYSTEM VALUE SELECT {await ColumnsAsync(renamed)} FROM {from}.{renamed}");
        }

        var historyColumns = await ColumnsAsync("target_history");

        await Db.ExecuteAsync(DataSource, $"SELECT setval(pg_get_serial_sequence('{to}.operation_failures', 'seq'), (SELECT max(seq) FROM {to}.operation_failures))");
        foreach (var seq in await Db.ScalarAsync<long[]>(DataSource, $"SELECT array_agg(DISTINCT feed_seq ORDER BY feed_seq) FROM {from}.target_history"))
        {
            await Db.ExecuteAsync(DataSource, $"INSERT INTO {to}.history SELECT {historyColumns} FROM {from}.target_history WHERE feed_seq = $1", seq);
        }

        return schema;
    }

    /// <summary>Every row of every table, as text in column order, by the table's name after 0010.</summary>
    private async Task<Dictionary<string, string>> RowsAsync(string schema, bool renamed)
    {
        var rows = new Dictionary<string, string>();
        foreach (var (old, name) in Tables)
        {
            rows[name] = await Db.ScalarAsync<string>(
                DataSource, $"SELECT coalesce(string_agg(r::text, E'\\n' ORDER BY r::text), '') FROM \"{schema}\".{(renamed ? name : old)} AS r");
        }

        return rows;
    }

    /// <summary>The schema's objects, one line each, bodies left out (<see cref="BodiesAsync"/>).</summary>
    private async Task<string> DescribeAsync(string schema)
    {
        const string sql =
            """
            SELECT string_agg(line, E'\n' ORDER BY line) FROM (
                SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || is_identity AS line
                FROM information_schema.columns WHERE table_schema = $1
                UNION ALL SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = $1
                UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(c.oid)
                    FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1
                UNION ALL SELECT 'trigger ' || tgname || ' ' || tgenabled::text || ' ' || pg_get_triggerdef(t.oid)
                    FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid JOIN pg_namespace n ON n.oid = r.relnamespace
                    WHERE n.nspname = $1 AND NOT t.tgisinternal
                UNION ALL SELECT 'sequence ' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'S'
                UNION ALL SELECT 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') definer ' || p.prosecdef
                        || ' config ' || coalesce(array_to_string(p.proconfig, ','), '-') || ' acl ' || coalesce(p.proacl::text, '-')
                        || ' owner ' || pg_get_userbyid(p.proowner)
                    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1
            ) AS d
            """;
        return await Db.ScalarAsync<string>(DataSource, sql, schema);
    }

    private async Task<Dictionary<string, string>> BodiesAsync(string schema)
    {
        var bodies = new Dictionary<string, string>();
        await using var command = DataSource.CreateCommand("SELECT p.proname::text, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = schema });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            bodies[reader.GetString(0)] = reader.GetString(1);
        }

        return bodies;
    }

    /// <summary>A description of version 9 as 0010 should leave it: each old name (and every name after it) takes the new one.</summary>
    private static string Renamed(string description) =>
        string.Join('\n', description.Split('\n').Select(line => OldName().Replace(line, m => m.Value switch
        {
            "cursor" => "cursor_id",
            "schema_version" => "target_tracking_migrations",
            var name => "target_" + name,
        })).Order(StringComparer.Ordinal));

    // A name that begins with an old table's name (hierarchy_history does not: no word boundary inside it), and the column.
    [GeneratedRegex(@"\b(history|operations|operation_items|operation_failures|stays|feed_clock|schema_version)(?=\b|_)|\bcursor\b")]
    private static partial Regex OldName();

    private sealed record WrittenIds(TargetId Alpha, long AlphaVersion, TargetId Doomed, Guid Goal, TargetId[] Linked, TargetId[] Bulk, TargetId[] All, string OperationId);

    private sealed class StopAfterFirst(CancellationTokenSource stop) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value) => stop.Cancel();
    }
}
