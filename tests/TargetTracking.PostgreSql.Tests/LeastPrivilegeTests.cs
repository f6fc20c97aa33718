using Npgsql;
using TargetTracking.Conformance;

namespace TargetTracking.PostgreSql.Tests;

/// <summary>
/// The least-privilege setup of docs/adapters-postgresql.md: a migration role owns the schema, an application role gets
/// <see cref="PostgreSqlDialect.ApplicationRoleGrants"/> and nothing more, and the store runs as the application role with
/// migrations off. Every store it creates is a new schema migrated and granted that way.
/// </summary>
public sealed class LeastPrivilegeFixture : IStoreFixture, IAsyncLifetime
{
    private const long CatalogLock = 7_428_001;

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..10];
    private readonly List<NpgsqlDataSource> _dataSources = [];

    public string Migrator => $"tt_migrator_{_suffix}";

    public string Application => $"tt_app_{_suffix}";

    /// <summary>Gets a superuser's data source (the test cluster's).</summary>
    public NpgsqlDataSource Admin { get; private set; } = null!;

    /// <summary>Gets the migration role's data source.</summary>
    public NpgsqlDataSource AsMigrator { get; private set; } = null!;

    /// <summary>Gets the application role's data source.</summary>
    public NpgsqlDataSource AsApplication { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var admin = new NpgsqlConnectionStringBuilder(await PostgreSqlServer.GetConnectionStringAsync());
        Admin = Track(NpgsqlDataSource.Create(admin.ConnectionString));
        var password = Guid.NewGuid().ToString("N");
        // Several classes use this fixture and start together: two GRANTs on the one database row at once fail with
        // "tuple concurrently updated" (XX000), so the catalog changes of every fixture take turns on one lock, held
        // to the end of the batch's implicit transaction.
        await Db.ExecuteAsync(
            Admin,
            $"""
            SELECT pg_advisory_xact_lock({CatalogLock});
            CREATE ROLE {Migrator} LOGIN PASSWORD '{password}';
            CREATE ROLE {Application} LOGIN PASSWORD '{password}';
            GRANT CREATE ON DATABASE "{admin.Database}" TO {Migrator}
            """);
        AsMigrator = Track(NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Username = Migrator, Password = password }.ConnectionString));
        AsApplication = Track(NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Username = Application, Password = password }.ConnectionString));
    }

    public async Task DisposeAsync()
    {
        foreach (var dataSource in _dataSources.Skip(1))
        {
            await dataSource.DisposeAsync();
        }

        NpgsqlConnection.ClearAllPools();

        // Several classes use this fixture, each with its own roles, and they finish while others still run DDL: a
        // DROP OWNED can then meet a deadlock or a lock it must wait out. Try again a few times; the roles live in the
        // run's throwaway cluster, so one left behind costs nothing.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await Db.ExecuteAsync(Admin, $"SELECT pg_advisory_xact_lock({CatalogLock}); DROP OWNED BY {Migrator}, {Application} CASCADE; DROP ROLE {Application}; DROP ROLE {Migrator}");
                break;
            }
            catch (PostgresException) when (attempt < 5)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt));
            }
            catch (PostgresException)
            {
                break;
            }
        }

        await Admin.DisposeAsync();
    }

    /// <summary>Migrates a new schema as the migration role and grants the application role what the docs say.</summary>
    public async Task<string> NewSchemaAsync(bool allowHistoryPurge = true)
    {
        var schema = PostgreSqlFixture.NewSchema();
        await PostgreSqlDialect.CreateStore(AsMigrator, new PostgreSqlStoreOptions { Schema = schema }).MigrateAsync();
        await Db.ExecuteAsync(AsMigrator, PostgreSqlDialect.Create(schema).ApplicationRoleGrants(Application, allowHistoryPurge));
        return schema;
    }

    /// <summary>The store as the application runs it: as the application role, migrations off.</summary>
    public Linq2DbTargetStore Store(string schema) =>
        PostgreSqlDialect.CreateStore(AsApplication, new PostgreSqlStoreOptions { Schema = schema, ApplyMigrations = false });

    public async Task<ITargetRepository> CreateRepositoryAsync() => Store(await NewSchemaAsync());

    private NpgsqlDataSource Track(NpgsqlDataSource dataSource)
    {
        _dataSources.Add(dataSource);
        return dataSource;
    }
}

/// <summary>The whole conformance suite, purge policy included, with the store running as the application role.</summary>
public sealed class PostgreSqlLeastPrivilegeConformance(LeastPrivilegeFixture f) : TargetRepositoryConformance<LeastPrivilegeFixture>(f);

public sealed class PostgreSqlLeastPrivilegeOperationConformance(LeastPrivilegeFixture f) : OperationConformance<LeastPrivilegeFixture>(f);

public sealed class PostgreSqlLeastPrivilegeHierarchyConformance(LeastPrivilegeFixture f) : HierarchyConformance<LeastPrivilegeFixture>(f);

/// <summary>The reports, and the writes that keep the stays table, as the application role.</summary>
public sealed class PostgreSqlLeastPrivilegeReportConformance(LeastPrivilegeFixture f) : ReportConformance<LeastPrivilegeFixture>(f);

/// <summary>The ledger sealed and verified as the application role: it may insert seals and move its chain's head.</summary>
public sealed class PostgreSqlLeastPrivilegeLedgerConformance(LeastPrivilegeFixture f) : LedgerConformance<LeastPrivilegeFixture>(f);

/// <summary>Erasure as the application role, granted the privileged path (the purge grant): it has no UPDATE on history.</summary>
public sealed class PostgreSqlLeastPrivilegeErasureConformance(LeastPrivilegeFixture f) : ErasureConformance<LeastPrivilegeFixture>(f);

/// <summary>A session of the application role (and careless sessions of other roles) attack the history with raw SQL.</summary>
public sealed class LeastPrivilegeTests(LeastPrivilegeFixture fixture) : IClassFixture<LeastPrivilegeFixture>
{
    private static readonly string[] TenantTables =
    [
        "targets", "target_history", "target_stays", "target_operations", "target_operation_items", "target_operation_failures",
        "hierarchy_items", "outcome_links", "hierarchy_history", "stagnation_claims", "webhook_subscriptions", "webhook_dead_letters",
        "tenant_deletions", "ledger_heads", "ledger_seals",
    ];

    [Fact]
    public async Task ApplicationRole_InTenantAsTransaction_SeesAndWritesNoRowOfTenantB_EvenWithRawSql()
    {
        // Both tenants written by the store running as the application role: the single change's one statement, a bulk,
        // the hierarchy and an operation, each under the row-level security policies (migration 0012).
        var schema = await fixture.NewSchemaAsync();
        var raw = fixture.Store(schema);
        var store = TestTracker.For(raw);
        foreach (var tenant in new[] { "tenant-a", "tenant-b" })
        {
            var tracker = store.ForTenant(tenant);
            var target = (await tracker.CreateAsync(new NewTarget(tenant, Status: "Cold"))).Value!;
            Assert.Equal("Hot", (await tracker.ChangeStatusAsync(target.Id, 1, "Hot")).Value?.Status);
            var bulk = tracker.BeginBulk().ChangeStatus(target.Id, 2, "Active");
            bulk.Create(new NewTarget(tenant + " 2"));
            Assert.True((await bulk.CommitAsync()).Succeeded);
            var goal = (await new HierarchyTracker(tracker).CreateAsync(HierarchyKind.Goal, new HierarchyItemFields { Title = tenant })).Value!;
            Assert.Equal(BulkItemState.Applied, (await new HierarchyTracker(tracker).LinkAsync(target.Id, goal.Id)).State);
            Assert.True((await new TargetOperations(tracker).StartAsync(new StartOperationRequest("op", "Closed", OperationSelection.ForIds([target.Id])))).IsSuccess);
            Assert.Equal(2, (await tracker.QueryAsync()).TotalCount);

            // Webhook state (migration 0013): a lease, a save and a dead letter, in the tenant's rows.
            var hooks = (TargetTracking.Storage.IWebhookStore)raw.ForTenant(() => tenant);
            var at = DateTimeOffset.UnixEpoch;
            var lease = new TargetTracking.Storage.WebhookLease("crm", "host-1", at.AddMinutes(1));
            Assert.NotNull(await hooks.TryLeaseAsync(lease, at));
            var letter = new WebhookDeadLetter("crm", Guid.CreateVersion7(), target.Id, FeedToken.Of(1, 1, Guid.Empty), "{}", 8, "HTTP 500", at);
            Assert.True(await hooks.SaveAsync(new TargetTracking.Storage.WebhookState("crm", null, 0, null, null), lease, at, letter));
            Assert.True(await new Ledger(tracker, new LedgerOptions { PersonalDataKey = new byte[32] }).SealOnceAsync() > 0);
        }

        await using var connection = await fixture.AsApplication.OpenConnectionAsync();
        async Task<long> CountAsync(NpgsqlTransaction? transaction, string table, string where = "true")
        {
            await using var command = new NpgsqlCommand($"SELECT count(*) FROM \"{schema}\".{table} WHERE {where}", connection, transaction);
            return (long)(await command.ExecuteScalarAsync())!;
        }

        // Tenant A's transaction: every row of A, no row of B, whatever the SQL asks for.
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using (var setting = new NpgsqlCommand("SELECT set_config('targettracking.tenant', 'tenant-a', true)", connection, transaction))
            {
                await setting.ExecuteNonQueryAsync();
            }

            foreach (var table in TenantTables.Where(t => t is not "stagnation_claims" and not "target_operation_failures" and not "tenant_deletions"))
            {
                Assert.True(await CountAsync(transaction, table) > 0, table);
            }

            foreach (var table in TenantTables)
            {
                Assert.Equal(0, await CountAsync(transaction, table, "tenant_id <> 'tenant-a'"));
            }

            await using (var update = new NpgsqlCommand($"UPDATE \"{schema}\".targets SET name = 'stolen' WHERE tenant_id = 'tenant-b'", connection, transaction))
            {
                Assert.Equal(0, await update.ExecuteNonQueryAsync());
            }

            await using (var insert = new NpgsqlCommand(
                $"INSERT INTO \"{schema}\".targets (tenant_id, id, name, name_norm, markets, markets_norm, version, created_at, updated_at) VALUES ('tenant-b', gen_random_uuid(), 'x', 'X', '{{}}', '{{}}', 1, now(), now())",
                connection,
                transaction))
            {
                var refused = await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync());
                Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
            }
        }

        // A transaction that names no tenant sees nothing at all.
        foreach (var table in TenantTables)
        {
            Assert.Equal(0, await CountAsync(null, table));
        }

        // Nothing of B changed.
        Assert.Equal(["tenant-b", "tenant-b 2"], (await StoreContents.TargetsAsync(store.ForTenant("tenant-b"))).Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    private async Task<(string Schema, TargetTracker Tracker, Target Kept, Target Deleted)> SeedAsync(bool allowHistoryPurge = true)
    {
        var schema = await fixture.NewSchemaAsync(allowHistoryPurge);
        var tracker = TestTracker.For(fixture.Store(schema));
        var kept = (await tracker.CreateAsync(new NewTarget("Kept", Status: "Cold"), new AuditContext { ActorName = "Alice" })).Value!;
        kept = (await tracker.ChangeStatusAsync(kept.Id, 1, "Hot", new AuditContext { ActorName = "Alice" })).Value!;
        var deleted = (await tracker.CreateAsync(new NewTarget("Deleted, history kept"))).Value!;
        Assert.True((await tracker.DeleteAsync(deleted.Id, 1)).IsSuccess);
        return (schema, tracker, kept, deleted);
    }

    private static async Task<PostgresException> RefusedAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
    }

    private async Task AssertHistoryIntactAsync(string schema, TargetTracker tracker, Target kept, Target deleted)
    {
        Assert.Equal(4, await Db.CountAsync(fixture.Admin, schema, "target_history"));
        Assert.Equal(["Alice", "Alice"], (await tracker.GetHistoryAsync(kept.Id)).Select(e => e.ActorName));
        Assert.Equal(2, (await tracker.GetHistoryAsync(deleted.Id)).Count);
    }

    [Theory]
    [InlineData("UPDATE {0}.target_history SET actor_name = 'Mallory'")]
    [InlineData("DELETE FROM {0}.target_history")]
    [InlineData("TRUNCATE {0}.target_history")]
    [InlineData("ALTER TABLE {0}.target_history DISABLE TRIGGER target_history_append_only")]
    [InlineData("ALTER TABLE {0}.target_history DISABLE TRIGGER ALL")]
    [InlineData("SET session_replication_role = replica; DELETE FROM {0}.target_history")]
    [InlineData("SET targettracking.allow_history_purge = on; DELETE FROM {0}.target_history")]
    [InlineData("SET targettracking.history_purge = on; DELETE FROM {0}.target_history")]
    [InlineData("INSERT INTO {0}.target_history SELECT * FROM {0}.target_history ON CONFLICT (tenant_id, id) DO UPDATE SET actor_name = 'Mallory'")]
    [InlineData("DROP TRIGGER target_history_append_only ON {0}.target_history")]
    [InlineData("CREATE OR REPLACE FUNCTION {0}.target_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$")]
    public async Task ApplicationRole_CannotRewriteHistory_WithRawSql(string attack)
    {
        var (schema, tracker, kept, deleted) = await SeedAsync();

        var error = await RefusedAsync(fixture.AsApplication, string.Format(System.Globalization.CultureInfo.InvariantCulture, attack, $"\"{schema}\""));

        Assert.Equal("42501", error.SqlState); // insufficient_privilege: the role was never given the right
        await AssertHistoryIntactAsync(schema, tracker, kept, deleted);
    }

    [Fact]
    public async Task ApplicationRole_CannotUseThePurgeSwitch_ToEraseHistoryOnItsOwn()
    {
        var (schema, tracker, kept, deleted) = await SeedAsync();
        await using var connection = await fixture.AsApplication.OpenConnectionAsync();

        async Task RunAsync(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }

        async Task<long> PurgeAsync(Guid id, long version)
        {
            await using var command = new NpgsqlCommand($"SELECT \"{schema}\".delete_targets_purging_history(ARRAY[$1]::uuid[], ARRAY[$2]::bigint[])", connection)
            {
                Parameters = { new() { Value = id }, new() { Value = version } },
            };
            return (long)(await command.ExecuteScalarAsync())!;
        }

        // History of a target deleted earlier (its history kept), or of a live target without deleting it: nothing goes.
        Assert.Equal(0, await PurgeAsync(deleted.Id.Value, 1));
        Assert.Equal(0, await PurgeAsync(deleted.Id.Value, 2));
        Assert.Equal(0, await PurgeAsync(kept.Id.Value, 1));

        // A temporary table cannot stand in for the store's targets: the function's search_path puts pg_temp last.
        await RunAsync($"CREATE TEMP TABLE targets (id uuid, version bigint); INSERT INTO targets VALUES ('{deleted.Id}', 1); SET search_path = pg_temp, public");
        Assert.Equal(0, await PurgeAsync(deleted.Id.Value, 1));
        await AssertHistoryIntactAsync(schema, tracker, kept, deleted);
    }

    [Fact]
    public async Task ApplicationRole_WithoutThePurgeGrant_CannotCallThePurgeAtAll()
    {
        var (schema, tracker, kept, deleted) = await SeedAsync(allowHistoryPurge: false);

        var error = await RefusedAsync(fixture.AsApplication, $"SELECT \"{schema}\".delete_targets_purging_history(ARRAY['{kept.Id}']::uuid[], ARRAY[2]::bigint[])");

        Assert.Equal("42501", error.SqlState);
        await AssertHistoryIntactAsync(schema, tracker, kept, deleted);
        var purging = TestTracker.For(fixture.Store(schema), o => o.DeletePolicy = DeletePolicy.PurgeHistory, logger: null);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => purging.DeleteAsync(kept.Id, 2));
        Assert.Equal("42501", refused.SqlState);
        Assert.True((await tracker.GetAsync(kept.Id)).IsSuccess);
    }

    [Fact]
    public async Task RoleGrantedTooMuch_OrTheOwnersOwnSession_IsStillRefusedByTheTriggers()
    {
        var (schema, tracker, kept, deleted) = await SeedAsync();

        // A careless DBA grants everything on history to the application role: the triggers still refuse it. The session names
        // the rows' tenant first, as the store does (row-level security shows a session that names none no row to touch).
        await Db.ExecuteAsync(fixture.AsMigrator, $"GRANT ALL ON \"{schema}\".target_history TO {fixture.Application}");
        foreach (var attack in new[] { "UPDATE {0}.target_history SET actor_name = 'Mallory'", "TRUNCATE {0}.target_history", "SET targettracking.history_purge = on; DELETE FROM {0}.target_history", "SET targettracking.allow_history_purge = on; DELETE FROM {0}.target_history" })
        {
            var error = await RefusedAsync(fixture.AsApplication, "SELECT set_config('targettracking.tenant', 'default', false); " + string.Format(System.Globalization.CultureInfo.InvariantCulture, attack, $"\"{schema}\""));
            Assert.Contains("append-only", error.MessageText, StringComparison.Ordinal);
        }

        // The owner's careless statements too, and the old switch opens nothing for anybody.
        foreach (var attack in new[] { "DELETE FROM {0}.target_history", "SET targettracking.allow_history_purge = on; DELETE FROM {0}.target_history", "UPDATE {0}.target_history SET actor_name = 'Mallory'" })
        {
            var error = await RefusedAsync(fixture.AsMigrator, string.Format(System.Globalization.CultureInfo.InvariantCulture, attack, $"\"{schema}\""));
            Assert.Contains("append-only", error.MessageText, StringComparison.Ordinal);
        }

        await AssertHistoryIntactAsync(schema, tracker, kept, deleted);
    }

    [Fact]
    public async Task Store_RunningAsTheApplicationRole_PurgesUnderThePolicy_AndOnlyThatTarget()
    {
        var (schema, tracker, kept, _) = await SeedAsync();
        var purging = TestTracker.For(fixture.Store(schema), o => o.DeletePolicy = DeletePolicy.PurgeHistory);
        var doomed = (await purging.CreateAsync(new NewTarget("Erase me", Status: "Cold"))).Value!;

        Assert.True((await purging.DeleteAsync(doomed.Id, 1)).IsSuccess);

        Assert.Empty(await tracker.GetHistoryAsync(doomed.Id));
        Assert.Equal(4, await Db.CountAsync(fixture.Admin, schema, "target_history"));
        Assert.Equal(2, (await tracker.GetHistoryAsync(kept.Id)).Count);
    }

    [Fact]
    public async Task ApplicationRole_WithoutThePurgeGrant_CannotDeleteATenant()
    {
        var (schema, tracker, kept, deleted) = await SeedAsync(allowHistoryPurge: false);

        var refused = await Assert.ThrowsAsync<PostgresException>(() => new TenantPurge(tracker).DeleteAsync("Contract ended"));

        Assert.Equal("42501", refused.SqlState);
        await AssertHistoryIntactAsync(schema, tracker, kept, deleted);
        Assert.Equal(0, await Db.CountAsync(fixture.Admin, schema, "tenant_deletions"));
    }

    [Fact]
    public async Task Store_RunningAsTheApplicationRole_DeletesItsTenantOnly_AndCannotTouchTheRecord()
    {
        var (schema, tracker, kept, deleted) = await SeedAsync();
        var other = tracker.ForTenant("tenant-b");
        await other.CreateAsync(new NewTarget("Tenant B's"));
        var goal = (await new HierarchyTracker(other).CreateAsync(HierarchyKind.Goal, new HierarchyItemFields { Title = "B's goal" })).Value!;

        var deletion = await new TenantPurge(other).DeleteAsync("Contract ended");

        Assert.Equal(("tenant-b", 1L, 1L), (deletion.Tenant, deletion.Targets, deletion.HistoryEntries));
        Assert.Empty(await StoreContents.TargetsAsync(other));
        Assert.Empty(await new HierarchyTracker(other).GetHistoryAsync(goal.Id));
        await AssertHistoryIntactAsync(schema, tracker, kept, deleted);

        // The record is the application role's to read, in its tenant, never to change.
        Assert.Equal([deletion], await new TenantPurge(other).GetDeletionsAsync());
        Assert.Empty(await new TenantPurge(tracker).GetDeletionsAsync());
        foreach (var attack in new[] { "UPDATE {0}.tenant_deletions SET reason = 'x'", "DELETE FROM {0}.tenant_deletions", "TRUNCATE {0}.tenant_deletions", "INSERT INTO {0}.tenant_deletions SELECT * FROM {0}.tenant_deletions" })
        {
            var error = await RefusedAsync(fixture.AsApplication, "SELECT set_config('targettracking.tenant', 'tenant-b', false); " + string.Format(System.Globalization.CultureInfo.InvariantCulture, attack, $"\"{schema}\""));
            Assert.Equal("42501", error.SqlState);
        }

        Assert.Equal(1, await Db.CountAsync(fixture.Admin, schema, "tenant_deletions"));
    }

    [Fact]
    public void TheDocsShowTheGrantsTheLibraryWrites()
    {
        var page = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Docs", "adapters-postgresql.md"));

        Assert.Contains(PostgreSqlDialect.Create().ApplicationRoleGrants("tt_app", allowHistoryPurge: false), page, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => PostgreSqlDialect.Create().ApplicationRoleGrants("app; DROP TABLE x", allowHistoryPurge: false));
    }

}
