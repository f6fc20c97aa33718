using TargetTracking.Linq2Db;

namespace TargetTracking.Conformance;

/// <summary>
/// Deleting a tenant on a database, table by table: with a row of both tenants in every table the database keys by tenant
/// (read from its catalog, so a table added later that the deletion misses fails here), the deletion leaves none of the
/// deleted tenant's rows in any of them, every row of the other tenant, and one record of the deletion.
/// </summary>
/// <typeparam name="TFixture">The dialect's fixture.</typeparam>
public abstract class TenantPurgeConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, ILinq2DbDatabaseFixture
{
    private static readonly AuditContext Who = new() { ActorId = "u-1", ActorName = "Alice" };

    [Fact]
    public async Task Delete_EmptiesEveryTableOfTheTenant_KeepsTheOther_AndRecordsItOutsideTheTenant()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        var database = await fixture.CreateEmptyDatabaseAsync();
        var tracker = TestTracker.For(database.CreateStore(), clock: clock);
        await FillEveryTableAsync(tracker.ForTenant("acme"), clock);
        await FillEveryTableAsync(tracker.ForTenant("globex"), clock);
        var tables = (await database.TenantTablesAsync()).Where(t => t != Tables.TenantDeletions).ToList();
        var before = new Dictionary<string, long>();
        foreach (var table in tables)
        {
            before[table] = await CountAsync(database, table, "globex");
        }

        // Every table of the catalog is filled (a table added later must be filled here too), except MariaDB's truncate
        // guard, which exists only to be referenced and stays empty.
        Assert.All(tables.Where(t => t != "target_history_truncate_guard"), t => Assert.True(before[t] > 0, $"The test writes no row into {t}."));
        var acmeHistory = await CountAsync(database, Tables.History, "acme");

        var deleted = await new TenantPurge(tracker.ForTenant("acme")).DeleteAsync("Contract ended", Who);

        Assert.Equal(("acme", 2L, acmeHistory), (deleted.Tenant, deleted.Targets, deleted.HistoryEntries));
        foreach (var table in tables)
        {
            Assert.True(await CountAsync(database, table, "acme") == 0, $"{table} keeps rows of the deleted tenant.");
            Assert.True(await CountAsync(database, table, "globex") == before[table], $"{table} lost rows of another tenant.");
        }

        Assert.Equal(1, await CountAsync(database, Tables.TenantDeletions, "acme"));
        Assert.Equal(0, await CountAsync(database, Tables.TenantDeletions, "globex"));
    }

    [Fact]
    public async Task Records_AreAppendOnly_AgainstPlainSql()
    {
        var database = await fixture.CreateEmptyDatabaseAsync();
        var tracker = TestTracker.For(database.CreateStore()).ForTenant("acme");
        await tracker.CreateAsync(new NewTarget("Deal"), Who);
        await new TenantPurge(tracker).DeleteAsync("Contract ended", Who);

        var table = database.Qualify(Tables.TenantDeletions);
        await Assert.ThrowsAnyAsync<Exception>(() => database.ScalarAsync<long>($"UPDATE {table} SET reason = 'edited'"));
        await Assert.ThrowsAnyAsync<Exception>(() => database.ScalarAsync<long>($"DELETE FROM {table}"));
        Assert.Equal("Contract ended", Assert.Single(await new TenantPurge(tracker).GetDeletionsAsync()).Reason);

        // Nor can plain SQL delete the hierarchy's history, now that a purge path may.
        var goal = (await new HierarchyTracker(tracker).CreateAsync(HierarchyKind.Goal, new HierarchyItemFields { Title = "Goal" }, Who)).Value!;
        await Assert.ThrowsAnyAsync<Exception>(() => database.ScalarAsync<long>($"DELETE FROM {database.Qualify(Tables.HierarchyHistory)}"));
        Assert.Single(await new HierarchyTracker(tracker).GetHistoryAsync(goal.Id));
    }

    private static Task<long> CountAsync(Linq2DbTestDatabase database, string table, string tenant) =>
        database.ScalarAsync<long>($"SELECT COUNT(*) FROM {database.Qualify(table)} WHERE tenant_id = '{tenant}'");

    /// <summary>Writes at least one row of the tenant into every table the store keys by tenant.</summary>
    [Fact]
    public async Task Erasures_AreAppendOnly_AndHistoryStaysNotUpdatable_AgainstPlainSql()
    {
        var database = await fixture.CreateEmptyDatabaseAsync();
        var tracker = TestTracker.For(database.CreateStore()).ForTenant("acme");
        await tracker.CreateAsync(new NewTarget("Deal"), Who);
        await tracker.CreateAsync(new NewTarget("Other"), new AuditContext { ActorId = "u-2", ActorName = "Bob" });
        var erasure = await new PersonalDataErasure(tracker).EraseActorAsync(Who.ActorId!, "Erasure request", Who);
        Assert.Equal(1, erasure.Entries);

        foreach (var table in new[] { Tables.Erasures, Tables.ErasedEntries })
        {
            var name = database.Qualify(table);
            await Assert.ThrowsAnyAsync<Exception>(() => database.ScalarAsync<long>($"UPDATE {name} SET tenant_id = 'globex'"));
            await Assert.ThrowsAnyAsync<Exception>(() => database.ScalarAsync<long>($"DELETE FROM {name}"));
        }

        // The erasure's own path is the only one: a plain session still cannot rewrite an entry's personal fields.
        await Assert.ThrowsAnyAsync<Exception>(() => database.ScalarAsync<long>($"UPDATE {database.Qualify(Tables.History)} SET actor_name = 'Mallory'"));
        Assert.Equal("Erasure request", Assert.Single(await new PersonalDataErasure(tracker).GetErasuresAsync()).Reason);
    }

    private static async Task FillEveryTableAsync(TargetTracker tenant, FakeTimeProvider clock)
    {
        var deal = (await tenant.CreateAsync(new NewTarget("Deal", null, ["EU"], "Cold"), Who)).Value!;
        var other = (await tenant.CreateAsync(new NewTarget("Other", null, [], "Closed"), Who)).Value!;
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True((await tenant.ChangeStatusAsync(deal.Id, 1, "Active", Who)).IsSuccess);
        var hierarchy = new HierarchyTracker(tenant);
        var goal = (await hierarchy.CreateAsync(HierarchyKind.Goal, new HierarchyItemFields { Title = "Goal" }, Who)).Value!;
        Assert.Equal(BulkItemState.Applied, (await hierarchy.LinkAsync(deal.Id, goal.Id, Who)).State);
        var operations = new TargetOperations(tenant);
        var operation = (await operations.StartAsync(new StartOperationRequest("op-1", "Active", OperationSelection.ForIds([deal.Id, other.Id])), Who)).Value!;
        Assert.Equal(1, (await operations.RunAsync(operation.Id)).Value!.Failed); // Closed cannot move to Active
        var now = clock.GetUtcNow();
        Assert.True(await tenant.Port<IStagnationClaims>().TryClaimAsync(new StagnationClaim(deal.Id, now, "Active", now)));
        var hooks = tenant.Port<IWebhookStore>();
        Assert.NotNull(await hooks.TryLeaseAsync(new WebhookLease("crm", "sender", now.AddMinutes(1)), now));
        await hooks.AddDeadLetterAsync(new WebhookDeadLetter("crm", Guid.CreateVersion7(), deal.Id, FeedToken.Of(1, 1, Guid.Empty), "{}", 1, null, now));
        Assert.True(await new Ledger(tenant, LedgerSamples.Options(), clock).SealOnceAsync() > 0);
        Assert.True((await new PersonalDataErasure(tenant).EraseActorAsync(Who.ActorId!, "Erasure request", Who)).Entries > 0);
    }
}
