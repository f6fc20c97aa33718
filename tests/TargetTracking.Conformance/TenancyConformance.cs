using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>
/// Tenancy, on every store that keys its rows by tenant (<c>ITenantStore</c>): two tenants interleaved in one store, each
/// seeing only its own rows; another tenant's id in every API is exactly the not-found of a missing id and writes nothing; a
/// call without a tenant where tenancy is required fails before it touches the store; random commands for three tenants
/// agree with three separate models after every step.
/// </summary>
public abstract class TenancyConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, IStoreFixture
{
    private static readonly AuditContext Who = new() { ActorId = "u-1", ActorName = "Alice" };

    protected TFixture Fixture { get; } = fixture;

    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    private async Task<TargetTracker> NewTrackerAsync(Action<TargetTrackingOptions>? configure = null, ITenantAccessor? accessor = null)
    {
        var options = new TargetTrackingOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(1) };
        configure?.Invoke(options);
        return new TargetTracker(await Fixture.CreateRepositoryAsync(), options, Clock, tenantAccessor: accessor);
    }

    [Fact]
    public async Task TwoTenants_Interleaved_EachSeesOnlyItsOwnRows()
    {
        var store = await NewTrackerAsync();
        var acme = store.ForTenant("acme");
        var globex = store.ForTenant("globex");
        var a1 = (await acme.CreateAsync(new NewTarget("Shared name", null, ["EU"], "Cold"), Who)).Value!;
        var g1 = (await globex.CreateAsync(new NewTarget("Shared name", null, ["EU"], "Cold"), Who)).Value!;
        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True((await acme.ChangeStatusAsync(a1.Id, 1, "Active", Who)).IsSuccess);
        var a2 = (await acme.CreateAsync(new NewTarget("Only acme", null, [], null), Who)).Value!;

        Assert.Equal([a1.Id, a2.Id], (await StoreContents.TargetsAsync(acme)).Select(t => t.Id));
        Assert.Equal([g1.Id], (await StoreContents.TargetsAsync(globex)).Select(t => t.Id));
        Assert.Equal(3, (await StoreContents.HistoryAsync(acme)).Count);
        Assert.Equal(g1.Id, Assert.Single(await StoreContents.HistoryAsync(globex)).TargetId);
        Assert.Equal([(null, 1L), ("Active", 1L)], (await acme.CountByStatusAsync()).OrderBy(c => c.Status).Select(c => (c.Status, c.Count)));
        Assert.Equal([("Cold", 1L)], (await globex.CountByStatusAsync()).Select(c => (c.Status, c.Count)));
        Assert.Equal(1, (await globex.QueryAsync(new TargetQuery { Market = "eu", NameContains = "shared" })).TotalCount);

        // The store without a tenant is the default tenant, which holds neither.
        Assert.Empty(await StoreContents.TargetsAsync(store));

        // Reports, counts as of a date, stays and the feed are per tenant.
        Assert.Equal([(null, 1L), ("Active", 1L)], (await new TargetReports(acme).CountAsOfAsync(Clock.GetUtcNow().AddSeconds(1))).OrderBy(c => c.Status).Select(c => (c.Status, c.Count)));
        Assert.Equal([("Cold", 1L)], (await new TargetReports(globex).CountAsOfAsync(Clock.GetUtcNow().AddSeconds(1))).Select(c => (c.Status, c.Count)));
        Assert.Equal(3, (await new ChangeFeed(acme).ReadAsync()).Entries.Count);
        Assert.Equal(g1.Id, Assert.Single((await new ChangeFeed(globex).ReadAsync()).Entries).Entry.TargetId);
        if (Fixture is DatabasePerTenantFixture)
        {
            // Each tenant's database has positions of its own: no one order across them (DatabasePerTenantConformance).
            await Assert.ThrowsAsync<NotSupportedException>(() => new ChangeFeed(store).ReadAllTenantsAsync());
        }
        else
        {
            var all = await new ChangeFeed(store).ReadAllTenantsAsync();
            Assert.Equal(["acme", "acme", "acme", "globex"], all.Select(e => e.Tenant).Order(StringComparer.Ordinal));
            Assert.Equal(all.Select(e => e.Entry.Token).Order(), all.Select(e => e.Entry.Token));
        }

        // Integrity is per tenant: both are sound, and each counts its own rows.
        var acmeCheck = await new TargetHealth(acme).CheckIntegrityAsync();
        var globexCheck = await new TargetHealth(globex).CheckIntegrityAsync();
        Assert.True(acmeCheck.IsHealthy && globexCheck.IsHealthy);
        Assert.Equal((2, 1), (acmeCheck.TargetsChecked, globexCheck.TargetsChecked));
    }

    [Fact]
    public async Task AnotherTenantsIds_InEveryApi_AreNotFound_AndWriteNothing()
    {
        var store = await NewTrackerAsync();
        var owner = store.ForTenant("acme");
        var prober = store.ForTenant("globex");
        var target = (await owner.CreateAsync(new NewTarget("Acme deal", "secret", ["EU"], "Cold"), Who)).Value!;
        var goal = (await new HierarchyTracker(owner).CreateAsync(HierarchyKind.Goal, new HierarchyItemFields { Title = "Acme goal" }, Who)).Value!;
        Assert.Equal(BulkItemState.Applied, (await new HierarchyTracker(owner).LinkAsync(target.Id, goal.Id, Who)).State);
        var operation = (await new TargetOperations(owner).StartAsync(new StartOperationRequest("op-1", "Active", OperationSelection.ForIds([target.Id])), Who)).Value!;
        var ownerTargets = await StoreContents.TargetsAsync(owner);
        var ownerHistory = await StoreContents.HistoryAsync(owner);

        // What a missing id answers, to compare with: the same error, only the id differs.
        var missing = TargetId.New(Clock);
        var missingItem = Guid.CreateVersion7();
        void SameAsMissing(TargetError? probed, TargetError? forMissing, Guid probedId, Guid missingId)
        {
            Assert.NotNull(probed);
            Assert.NotNull(forMissing);
            Assert.Equal(forMissing.GetType(), probed.GetType());
            Assert.Equal(forMissing.Code, probed.Code);
            string Masked(string message, params Guid[] ids) => ids.Aggregate(message, (m, id) => m.Replace(id.ToString(), "ID", StringComparison.OrdinalIgnoreCase));
            Assert.Equal(Masked(forMissing.Message, missingId, missing.Value, missingItem), Masked(probed.Message, probedId, target.Id.Value, goal.Id));
            Assert.DoesNotContain("acme", probed.Message, StringComparison.OrdinalIgnoreCase);
        }

        void SameTarget(Result<Target> probed, Result<Target> forMissing) => SameAsMissing(probed.Error, forMissing.Error, target.Id.Value, missing.Value);

        SameTarget(await prober.GetAsync(target.Id), await prober.GetAsync(missing));
        SameTarget(await prober.ChangeStatusAsync(target.Id, 1, "Active", Who), await prober.ChangeStatusAsync(missing, 1, "Active", Who));
        SameTarget(await prober.UpdateAsync(target.Id, 1, new TargetUpdate("stolen"), Who), await prober.UpdateAsync(missing, 1, new TargetUpdate("stolen"), Who));
        SameTarget(await prober.DeleteAsync(target.Id, 1, Who), await prober.DeleteAsync(missing, 1, Who));
        var bulk = await prober.BeginBulk().ChangeStatus(target.Id, 1, "Hot").Update(target.Id, 1, new TargetUpdate("x")).CommitAsync(BulkMode.Partial, Who);
        var bulkMissing = await prober.BeginBulk().ChangeStatus(missing, 1, "Hot").Update(missing, 1, new TargetUpdate("x")).CommitAsync(BulkMode.Partial, Who);
        SameAsMissing(bulk.Items[0].Error, bulkMissing.Items[0].Error, target.Id.Value, missing.Value);
        SameAsMissing(bulk.Items[1].Error, bulkMissing.Items[1].Error, target.Id.Value, missing.Value);
        Assert.Empty(await prober.GetHistoryAsync(target.Id));

        var hierarchy = new HierarchyTracker(prober);
        SameAsMissing((await hierarchy.GetAsync(goal.Id)).Error, (await hierarchy.GetAsync(missingItem)).Error, goal.Id, missingItem);
        SameAsMissing((await hierarchy.ChangeStatusAsync(goal.Id, 1, "Active", Who)).Error, (await hierarchy.ChangeStatusAsync(missingItem, 1, "Active", Who)).Error, goal.Id, missingItem);
        SameAsMissing((await hierarchy.DeleteAsync(goal.Id, 1, audit: Who)).Error, (await hierarchy.DeleteAsync(missingItem, 1, audit: Who)).Error, goal.Id, missingItem);
        var ownGoal = (await hierarchy.CreateAsync(HierarchyKind.Goal, new HierarchyItemFields { Title = "Globex goal" }, Who)).Value!;
        SameAsMissing((await hierarchy.LinkAsync(target.Id, ownGoal.Id, Who)).Error, (await hierarchy.LinkAsync(missing, ownGoal.Id, Who)).Error, target.Id.Value, missing.Value);
        SameAsMissing((await hierarchy.UnlinkAsync(target.Id, goal.Id, Who)).Error, (await hierarchy.UnlinkAsync(missing, missingItem, Who)).Error, target.Id.Value, missing.Value);
        Assert.Empty((await hierarchy.GetOutcomesAsync(goal.Id)).Items);
        Assert.Empty(await hierarchy.GetItemsOfOutcomeAsync(target.Id));
        Assert.Empty(await hierarchy.GetHistoryAsync(goal.Id));

        var operations = new TargetOperations(prober);
        SameAsMissingOperation((await operations.GetAsync(operation.Id)).Error, (await operations.GetAsync("op-missing")).Error);
        SameAsMissingOperation((await operations.RunAsync(operation.Id)).Error, (await operations.RunAsync("op-missing")).Error);
        SameAsMissingOperation((await operations.CancelAsync(operation.Id)).Error, (await operations.CancelAsync("op-missing")).Error);
        Assert.Empty(await operations.FindRunnableAsync());

        // Its own operation over another tenant's id finds nothing to change.
        var probe = (await operations.StartAsync(new StartOperationRequest("probe", "Hot", OperationSelection.ForIds([target.Id])), Who)).Value!;
        var ran = (await operations.RunAsync(probe.Id)).Value!;
        Assert.Equal(0, ran.Succeeded);

        var reports = new TargetReports(prober);
        Assert.Empty((await reports.GetStaysAsync(target.Id)).Stays);
        var health = new TargetHealth(prober);
        Assert.True((await health.PlanRepairAsync(RepairPolicy.TrustHistory)).IsEmpty);

        // Nothing of the owner's changed, and the prober holds only what it made itself.
        Assert.Equal(ownerTargets.Select(Fields), (await StoreContents.TargetsAsync(owner)).Select(Fields));
        Assert.Equal(ownerHistory, await StoreContents.HistoryAsync(owner));
        Assert.Single(await new HierarchyTracker(owner).GetItemsOfOutcomeAsync(target.Id));
        Assert.Equal(OperationStatus.Pending, (await new TargetOperations(owner).GetAsync(operation.Id)).Value!.Status);
        Assert.Empty(await StoreContents.TargetsAsync(prober));
        Assert.Empty(await StoreContents.HistoryAsync(prober));
    }

    private static (TargetId, string, string?, string, string?, long, DateTimeOffset) Fields(Target t) =>
        (t.Id, t.Name, t.Description, string.Join('|', t.Markets), t.Status, t.Version, t.UpdatedAt);

    private static void SameAsMissingOperation(TargetError? probed, TargetError? forMissing)
    {
        Assert.NotNull(probed);
        Assert.NotNull(forMissing);
        Assert.Equal(forMissing.GetType(), probed.GetType());
        Assert.Equal(forMissing.Code, probed.Code);
        Assert.Equal(forMissing.Message.Replace("op-missing", "ID", StringComparison.Ordinal), probed.Message.Replace("op-1", "ID", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoTenant_WhereRequired_Throws_AndTouchesNothing()
    {
        var accessor = new Accessor();
        var tracker = await NewTrackerAsync(o => o.Tenancy.Required = true, accessor);
        await Assert.ThrowsAsync<TenantRequiredException>(() => tracker.CreateAsync(new NewTarget("No tenant", null, [])));
        await Assert.ThrowsAsync<TenantRequiredException>(() => tracker.QueryAsync());
        await Assert.ThrowsAsync<TenantRequiredException>(() => new ChangeFeed(tracker).ReadAsync());

        accessor.Tenant = "acme";
        Assert.True((await tracker.CreateAsync(new NewTarget("With tenant", null, []))).IsSuccess);
        Assert.Single(await StoreContents.TargetsAsync(tracker));
        Assert.Single(await StoreContents.TargetsAsync(tracker.ForTenant("acme")));
        Assert.Empty(await StoreContents.TargetsAsync(tracker.ForTenant(TenantIds.Default)));

        // Resolved per call: the same tracker serves another tenant at the next call.
        accessor.Tenant = "globex";
        Assert.Empty(await StoreContents.TargetsAsync(tracker));
        accessor.Tenant = "not a valid id";
        await Assert.ThrowsAsync<ArgumentException>(() => tracker.QueryAsync());
    }

    [Fact]
    public async Task OperationsOfManyTenants_RunInOneHost_EachInItsTenant()
    {
        var store = await NewTrackerAsync();
        var ids = new Dictionary<string, TargetId>(StringComparer.Ordinal);
        foreach (var tenant in new[] { "acme", "globex" })
        {
            var tracker = store.ForTenant(tenant);
            ids[tenant] = (await tracker.CreateAsync(new NewTarget(tenant, null, [], "Cold"), Who)).Value!.Id;
            await new TargetOperations(tracker).StartAsync(new StartOperationRequest("same-id", "Active", OperationSelection.Where(new TargetQuery())), Who);
        }

        var runner = new OperationRunnerService(new TargetOperations(store), Microsoft.Extensions.Options.Options.Create(new TargetTrackingOptions()), Clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<OperationRunnerService>.Instance);
        await runner.StartAsync(CancellationToken.None);
        try
        {
            foreach (var tenant in ids.Keys)
            {
                var operations = new TargetOperations(store.ForTenant(tenant));
                for (var i = 0; i < 500 && !(await operations.GetAsync("same-id")).Value!.IsFinished; i++)
                {
                    await Task.Delay(10);
                }

                var done = (await operations.GetAsync("same-id")).Value!;
                Assert.Equal((OperationStatus.Completed, 1L, 1L), (done.Status, done.Total, done.Succeeded));
                Assert.Equal("Active", (await store.ForTenant(tenant).GetAsync(ids[tenant])).Value!.Status);
            }
        }
        finally
        {
            await runner.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task StagnationMonitor_FindsEveryTenantsStagnantTargets_AndNotifiesWithTheTenant()
    {
        var store = await NewTrackerAsync();
        var stuck = new Dictionary<string, TargetId>(StringComparer.Ordinal);
        foreach (var tenant in new[] { "acme", "globex" })
        {
            stuck[tenant] = (await store.ForTenant(tenant).CreateAsync(new NewTarget($"{tenant} stuck", null, [], "Cold"), Who)).Value!.Id;
        }

        var options = new StagnationMonitorOptions();
        options.Thresholds["Cold"] = TimeSpan.FromDays(1);
        var notifier = new ReportConformance<TFixture>.RecordingNotifier();
        Clock.Advance(TimeSpan.FromDays(2));

        // The monitor of the unpinned tracker (the hosted one) finds both tenants by itself, each notice with its tenant.
        Assert.Equal(2, await new StagnationMonitor(store, notifier, options, Clock).CheckOnceAsync());
        Assert.Equal([("acme", stuck["acme"]), ("globex", stuck["globex"])], notifier.Notices.Select(n => (n.Tenant, n.Target.Id)).Order());
        Assert.Equal(0, await new StagnationMonitor(store, notifier, options, Clock).CheckOnceAsync());

        // A monitor pinned to a tenant checks that tenant only; each stay was claimed in its own tenant.
        var late = (await store.ForTenant("globex").CreateAsync(new NewTarget("globex late", null, [], "Cold"), Who)).Value!;
        await store.ForTenant("acme").CreateAsync(new NewTarget("acme late", null, [], "Cold"), Who);
        Clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(1, await new StagnationMonitor(store.ForTenant("globex"), notifier, options, Clock).CheckOnceAsync());
        Assert.Equal(("globex", late.Id), (notifier.Notices[^1].Tenant, notifier.Notices[^1].Target.Id));
    }

    [Fact]
    public async Task Export_OfATenant_HoldsEveryRowOfIt_AsJsonLines_AndNothingOfAnother()
    {
        var store = await NewTrackerAsync();
        var acme = store.ForTenant("acme");
        var globex = store.ForTenant("globex");
        var deal = (await acme.CreateAsync(new NewTarget("Acme deal", "secret", ["EU"], "Cold"), Who)).Value!;
        var other = (await acme.CreateAsync(new NewTarget("Acme other", null, [], "Active"), Who)).Value!;
        Assert.True((await acme.ChangeStatusAsync(other.Id, 1, "Closed", Who)).IsSuccess);
        Clock.Advance(TimeSpan.FromMinutes(1));
        var goal = (await new HierarchyTracker(acme).CreateAsync(HierarchyKind.Goal, new HierarchyItemFields { Title = "Acme goal" }, Who)).Value!;
        Assert.Equal(BulkItemState.Applied, (await new HierarchyTracker(acme).LinkAsync(deal.Id, goal.Id, Who)).State);
        var operation = (await new TargetOperations(acme).StartAsync(new StartOperationRequest("op-1", "Active", OperationSelection.ForIds([deal.Id, other.Id])), Who)).Value!;
        var ran = (await new TargetOperations(acme).RunAsync(operation.Id)).Value!;
        Assert.Equal((1L, 1L), (ran.Succeeded, ran.Failed)); // Closed cannot move to Active: one failure
        var secret = (await globex.CreateAsync(new NewTarget("Globex deal", "globex-only", [], "Cold"), Who)).Value!;

        using var stream = new MemoryStream();
        var written = await new TenantExport(acme).WriteJsonLinesAsync(stream);

        var text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(TenantExport.ParseLine).ToList();
        Assert.Equal(written, lines.Count);
        Assert.DoesNotContain(secret.Id.ToString(), text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("globex", text, StringComparison.OrdinalIgnoreCase);
        string[] order = [TenantRecordKinds.Target, TenantRecordKinds.History, TenantRecordKinds.Item, TenantRecordKinds.Link, TenantRecordKinds.ItemHistory, TenantRecordKinds.Operation, TenantRecordKinds.OperationItem, TenantRecordKinds.OperationFailure];
        Assert.Equal(order, lines.Select(l => l.Kind).Distinct());
        IEnumerable<string> Ids(string kind, string property) => lines.Where(l => l.Kind == kind).Select(l => l.Data.GetProperty(property).GetString()!).Order(StringComparer.Ordinal);
        Assert.Equal((await StoreContents.TargetsAsync(acme)).Select(t => t.Id.ToString()).Order(StringComparer.Ordinal), Ids(TenantRecordKinds.Target, "id"));
        Assert.Equal((await StoreContents.HistoryAsync(acme)).Select(h => h.Id.ToString()).Order(StringComparer.Ordinal), Ids(TenantRecordKinds.History, "id"));
        Assert.Equal([goal.Id.ToString()], Ids(TenantRecordKinds.Item, "id"));
        Assert.Equal([deal.Id.ToString()], Ids(TenantRecordKinds.Link, "targetId"));
        Assert.Equal((await new HierarchyTracker(acme).GetHistoryAsync(goal.Id)).Count, lines.Count(l => l.Kind == TenantRecordKinds.ItemHistory));
        Assert.Equal(["op-1"], Ids(TenantRecordKinds.Operation, "id"));
        Assert.Equal(new[] { deal.Id.ToString(), other.Id.ToString() }.Order(StringComparer.Ordinal), Ids(TenantRecordKinds.OperationItem, "targetId"));
        Assert.Equal([other.Id.ToString()], Ids(TenantRecordKinds.OperationFailure, "targetId"));
        var exported = lines.First(l => l.Kind == TenantRecordKinds.Target && l.Data.GetProperty("id").GetString() == deal.Id.ToString()).Data;
        Assert.Equal(("Acme deal", "secret", "Active"), (exported.GetProperty("name").GetString(), exported.GetProperty("description").GetString(), exported.GetProperty("status").GetString()));

        // Another tenant's export holds its own rows only.
        using var globexStream = new MemoryStream();
        Assert.Equal(2, await new TenantExport(globex).WriteJsonLinesAsync(globexStream));
    }

    [Fact]
    public async Task Delete_OfATenant_RemovesAllOfIt_RecordsWhoAndWhy_AndLeavesAnotherAsItWas()
    {
        var store = await NewTrackerAsync(o => o.DeletePolicy = DeletePolicy.KeepHistory);
        var acme = store.ForTenant("acme");
        var globex = store.ForTenant("globex");
        var deal = (await acme.CreateAsync(new NewTarget("Acme deal", "secret", ["EU"], "Cold"), Who)).Value!;
        var gone = (await acme.CreateAsync(new NewTarget("Acme gone", null, [], "Cold"), Who)).Value!;
        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True((await acme.ChangeStatusAsync(deal.Id, 1, "Active", Who)).IsSuccess);
        Assert.True((await acme.DeleteAsync(gone.Id, 1, Who)).IsSuccess); // its history stays until the tenant goes
        var goal = (await new HierarchyTracker(acme).CreateAsync(HierarchyKind.Goal, new HierarchyItemFields { Title = "Acme goal" }, Who)).Value!;
        Assert.Equal(BulkItemState.Applied, (await new HierarchyTracker(acme).LinkAsync(deal.Id, goal.Id, Who)).State);
        var operation = (await new TargetOperations(acme).StartAsync(new StartOperationRequest("op-1", "Hot", OperationSelection.ForIds([deal.Id])), Who)).Value!;
        var kept = (await globex.CreateAsync(new NewTarget("Globex deal", null, ["EU"], "Cold"), Who)).Value!;
        using var globexBefore = new MemoryStream();
        await new TenantExport(globex).WriteJsonLinesAsync(globexBefore);
        var acmeHistory = (await StoreContents.HistoryAsync(acme)).Count;
        Clock.Advance(TimeSpan.FromMinutes(1));

        var admin = new AuditContext { ActorId = "admin-7", ActorName = "Back office", CorrelationId = "ticket-42", ClientAddress = "10.0.0.9", UserAgent = "ops-cli" };
        var deleted = await new TenantPurge(acme).DeleteAsync("  Contract ended  ", admin);

        Assert.Equal(("acme", 1L, (long)acmeHistory, "Contract ended", Clock.GetUtcNow()), (deleted.Tenant, deleted.Targets, deleted.HistoryEntries, deleted.Reason, deleted.DeletedAt));
        Assert.Equal(admin, deleted.Audit);

        // Nothing of the tenant is left, in any API.
        Assert.Empty(await StoreContents.TargetsAsync(acme));
        Assert.Empty(await StoreContents.HistoryAsync(acme));
        Assert.Empty(await acme.GetHistoryAsync(gone.Id));
        Assert.Empty(await acme.CountByStatusAsync());
        Assert.Equal("not_found", (await new HierarchyTracker(acme).GetAsync(goal.Id)).Error!.Code);
        Assert.Empty(await new HierarchyTracker(acme).GetHistoryAsync(goal.Id));
        Assert.NotNull((await new TargetOperations(acme).GetAsync(operation.Id)).Error);
        Assert.Empty((await new ChangeFeed(acme).ReadAsync()).Entries);
        Assert.Empty((await new TargetReports(acme).GetStaysAsync(deal.Id)).Stays);
        using var acmeAfter = new MemoryStream();
        Assert.Equal(0, await new TenantExport(acme).WriteJsonLinesAsync(acmeAfter));

        // The other tenant is exactly as it was.
        using var globexAfter = new MemoryStream();
        await new TenantExport(globex).WriteJsonLinesAsync(globexAfter);
        Assert.Equal(globexBefore.ToArray(), globexAfter.ToArray());
        Assert.Equal(kept.Version, (await globex.GetAsync(kept.Id)).Value!.Version);

        // The record outlives the tenant's data, is seen from the tenant only, and stays when the id is used again.
        Assert.Equal([deleted], await new TenantPurge(acme).GetDeletionsAsync());
        Assert.Empty(await new TenantPurge(globex).GetDeletionsAsync());
        Assert.True((await acme.CreateAsync(new NewTarget("Acme again"), Who)).IsSuccess);
        Assert.Equal([deleted], await new TenantPurge(acme).GetDeletionsAsync());
        Assert.True((await new TargetHealth(acme).CheckIntegrityAsync()).IsHealthy);
    }

    [Fact]
    public async Task Delete_WithoutAReason_IsRefused_AndDeletesNothing()
    {
        var store = await NewTrackerAsync();
        var acme = store.ForTenant("acme");
        await acme.CreateAsync(new NewTarget("Acme deal"), Who);

        await Assert.ThrowsAsync<ArgumentException>(() => new TenantPurge(acme).DeleteAsync("  ", Who));

        Assert.Single(await StoreContents.TargetsAsync(acme));
        Assert.Empty(await new TenantPurge(acme).GetDeletionsAsync());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task RandomCommands_ForThreeTenants_AgreeWithAModelPerTenant(int seed)
    {
        var random = new Random(seed);
        var store = await NewTrackerAsync();
        string[] tenants = ["t1", "t2", "t3"];
        var modelStores = tenants.ToDictionary(t => t, _ => new TargetTracking.InMemory.InMemoryTargetStore(), StringComparer.Ordinal);
        var models = tenants.ToDictionary(t => t, t => new TargetTracker(modelStores[t], new TargetTrackingOptions(), Clock), StringComparer.Ordinal);
        var known = tenants.ToDictionary(t => t, _ => new List<TargetId>(), StringComparer.Ordinal);
        string?[] statuses = ["Cold", "Active", "Hot", "Closed", "Passed", null];
        for (var step = 0; step < 60; step++)
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            var tenant = tenants[random.Next(tenants.Length)];
            var tracker = store.ForTenant(tenant);
            var model = models[tenant];

            // Ids come from any tenant: another tenant's id must behave as a missing one.
            var pool = known.Values.SelectMany(l => l).ToList();
            var id = pool.Count > 0 && random.Next(4) > 0 ? pool[random.Next(pool.Count)] : TargetId.New(Clock);
            var version = random.Next(1, 4);
            var status = statuses[random.Next(statuses.Length)];
            switch (random.Next(5))
            {
                case 0:
                case 1:
                    var fields = new NewTarget($"n{step}", null, [random.Next(2) == 0 ? "EU" : "US"], status);
                    var created = await tracker.CreateAsync(fields, Who);
                    Assert.True(created.IsSuccess, created.ToString());

                    // The model stores the same target under the same id.
                    await using (var session = await modelStores[tenant].BeginWriteAsync())
                    {
                        await session.SaveAsync(new TargetTracking.Storage.ChangeSet { Inserts = [created.Value], History = [.. await tracker.GetHistoryAsync(created.Value.Id)] });
                        await session.CommitAsync();
                    }

                    known[tenant].Add(created.Value.Id);
                    break;
                case 2:
                    Same(await model.ChangeStatusAsync(id, version, status, Who), await tracker.ChangeStatusAsync(id, version, status, Who));
                    break;
                case 3:
                    Same(await model.UpdateAsync(id, version, new TargetUpdate($"u{step}"), Who), await tracker.UpdateAsync(id, version, new TargetUpdate($"u{step}"), Who));
                    break;
                default:
                    Same(await model.DeleteAsync(id, version, Who), await tracker.DeleteAsync(id, version, Who));
                    break;
            }

            foreach (var t in tenants)
            {
                var expected = await StoreContents.TargetsAsync(models[t]);
                var actual = await StoreContents.TargetsAsync(store.ForTenant(t));
                Assert.Equal(expected.Select(x => (x.Id, x.Name, x.Status, x.Version)), actual.Select(x => (x.Id, x.Name, x.Status, x.Version)));
                var expectedHistory = await StoreContents.HistoryAsync(models[t]);
                var actualHistory = await StoreContents.HistoryAsync(store.ForTenant(t));
                Assert.Equal(expectedHistory.Select(e => (e.TargetId, e.Action, e.NewStatus, e.Version)).Order(), actualHistory.Select(e => (e.TargetId, e.Action, e.NewStatus, e.Version)).Order());
            }
        }
    }

    private static void Same(Result<Target> expected, Result<Target> actual)
    {
        Assert.Equal(expected.IsSuccess, actual.IsSuccess);
        Assert.Equal(expected.Error?.Code, actual.Error?.Code);
        if (expected.IsSuccess)
        {
            Assert.Equal((expected.Value.Id, expected.Value.Name, expected.Value.Status, expected.Value.Version), (actual.Value!.Id, actual.Value.Name, actual.Value.Status, actual.Value.Version));
        }
    }

    private sealed class Accessor : ITenantAccessor
    {
        public string? Tenant { get; set; }
    }
}
