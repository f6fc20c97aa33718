using FsCheck.Xunit;
using LinqToDB;
using LinqToDB.Data;
using TargetTracking;
using TargetTracking.Linq2Db;

namespace TargetTracking.Conformance;

/// <summary>
/// The stays table the write path keeps (migration 0009): after any history it holds exactly what the one definition
/// of a stay computes from the history (compared in the database, both ways), as many stays as the in-memory model
/// counts, and it commits and rolls back with the unit of work, a host's transaction included.
/// </summary>
/// <typeparam name="TFixture">The dialect's fixture.</typeparam>
public abstract class StaysTableConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, ILinq2DbStoreFixture
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 6, 9, 0, 0, TimeSpan.Zero);

    private FakeTimeProvider Clock { get; } = new(T0);

    private static async Task<long> CountAsync(Linq2DbTestStore store, string sql)
    {
        using var db = new DataConnection(store.Host);
        return await db.ExecuteAsync<long>(sql);
    }

    /// <summary>How many targets have stays in the table that differ from the definition over their history.</summary>
    private static Task<long> DisagreeingAsync(Linq2DbTestStore store) =>
        CountWhereAsync(store, $"SELECT COUNT(*) FROM ({StaysTable.Disagreeing(store.Store.Dialect)}) z", new DataParameter("tenant", TenantIds.Default, LinqToDB.DataType.NVarChar));

    private static Task<long> StaysAsync(Linq2DbTestStore store, TargetId? id = null)
    {
        var dialect = store.Store.Dialect;
        var sql = $"SELECT COUNT(*) FROM {dialect.Sql.Qualify(Tables.Stays)}";
        return id is { } target
            ? CountWhereAsync(store, sql + " WHERE target_id = @tid", dialect.Sql.IdParameter("tid", target.Value))
            : CountAsync(store, sql);
    }

    private static async Task<long> CountWhereAsync(Linq2DbTestStore store, string sql, DataParameter parameter)
    {
        using var db = new DataConnection(store.Host);
        return await db.ExecuteAsync<long>(sql, parameter);
    }

    [Property(MaxTest = 5)]
    public async Task StaysTable_AfterRandomHistories_EqualsTheDefinition_AndTheModel(int seed)
    {
        var store = await fixture.CreateLinq2DbStoreAsync();
        var tracker = new TargetTracker(store.Store, new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero }, Clock);

        await ReportScript.RunAsync(tracker, Clock, seed, 50);

        Assert.Equal(0, await DisagreeingAsync(store));
        var histories = (await ReportScript.AllHistoryAsync(tracker)).GroupBy(e => e.TargetId);
        var modelled = histories.Sum(h => ReportModel.Stays(h, DateTimeOffset.MaxValue).Count);
        Assert.True(modelled > 0);
        Assert.Equal(modelled, await StaysAsync(store));
    }

    [Fact]
    public async Task Delete_ClosesTheStay_AndAPurgeRemovesTheStays()
    {
        var store = await fixture.CreateLinq2DbStoreAsync();
        var keep = new TargetTracker(store.Store, new TargetTrackingOptions(), Clock);
        var purge = new TargetTracker(store.Store, new TargetTrackingOptions { DeletePolicy = DeletePolicy.PurgeHistory }, Clock);
        var kept = (await keep.CreateAsync(new NewTarget("Kept", Status: "Cold"))).Value!;
        Clock.Advance(TimeSpan.FromHours(1));
        kept = (await keep.ChangeStatusAsync(kept.Id, 1, "Hot")).Value!;
        Clock.Advance(TimeSpan.FromHours(1));
        Assert.True((await keep.DeleteAsync(kept.Id, kept.Version)).IsSuccess);
        var purged = (await purge.CreateAsync(new NewTarget("Purged", Status: "Cold"))).Value!;
        Assert.Equal(1, await StaysAsync(store, purged.Id));

        Assert.True((await purge.DeleteAsync(purged.Id, 1)).IsSuccess);

        var stays = await ((IReportStore)store.Store).GetStaysAsync(kept.Id, DateTimeOffset.MaxValue);
        Assert.Equal(
            [new StayFacts("Cold", T0, T0.AddHours(1), "Hot", false, 1), new StayFacts("Hot", T0.AddHours(1), T0.AddHours(2), null, true, 2)],
            stays);
        Assert.Equal(0, await StaysAsync(store, purged.Id));
        Assert.Equal(0, await DisagreeingAsync(store));
    }

    [Fact]
    public async Task IntegrityRepair_ItsRepairedEntry_MovesTheStays()
    {
        var store = await fixture.CreateLinq2DbStoreAsync();
        var tracker = new TargetTracker(store.Store, new TargetTrackingOptions(), Clock);
        var target = (await tracker.CreateAsync(new NewTarget("Drifted", Status: "Cold"))).Value!;
        var dialect = store.Store.Dialect;
        using (var db = new DataConnection(store.Host))
        {
            // The row moved past the library: its history still says Cold.
            await db.ExecuteAsync($"UPDATE {dialect.Sql.Qualify(Tables.Targets)} SET status = 'Hot' WHERE id = @tid", dialect.Sql.IdParameter("tid", target.Id.Value));
        }

        Clock.Advance(TimeSpan.FromHours(3));
        var health = new TargetHealth(tracker);
        var applied = await health.ApplyRepairAsync(await health.PlanRepairAsync(RepairPolicy.TrustTarget));

        Assert.Single(applied.Applied);
        Assert.Equal(
            [new StayFacts("Cold", T0, T0.AddHours(3), "Hot", false, 1), new StayFacts("Hot", T0.AddHours(3), null, null, false, 2)],
            await ((IReportStore)store.Store).GetStaysAsync(target.Id, DateTimeOffset.MaxValue));
        Assert.Equal(0, await DisagreeingAsync(store));
    }

    [Fact]
    public async Task AChange_DoesNotReadTheTargetsHistory_ItClosesTheOpenStayAndOpensTheNext()
    {
        var store = await fixture.CreateLinq2DbStoreAsync();
        var tracker = new TargetTracker(store.Store, new TargetTrackingOptions(), Clock);
        var target = (await tracker.CreateAsync(new NewTarget("Long-lived", Status: "Cold"))).Value!;

        // An entry the write path never wrote, far ahead of the target's versions: a write that recomputed the target's
        // stays from its history would turn it into a stay of its own; one that keeps the table from the entries it
        // writes never sees it.
        using (var db = new DataConnection(store.Host.UseMappingSchema(StoreMapping.For(store.Store.Dialect))))
        {
            await db.InsertAsync(new HistoryRecord
            {
                TenantId = TenantIds.Default, Id = Guid.CreateVersion7(), TargetId = target.Id.Value, Action = nameof(HistoryAction.StatusChanged), OldStatus = "Cold",
                NewStatus = "Passed", Version = 1000, OccurredAt = T0.AddHours(1), CorrelationId = "planted",
            });
        }

        Clock.Advance(TimeSpan.FromHours(2));
        Assert.True((await tracker.ChangeStatusAsync(target.Id, target.Version, "Active")).IsSuccess);

        Assert.Equal(
            [new StayFacts("Cold", T0, T0.AddHours(2), "Active", false, 1), new StayFacts("Active", T0.AddHours(2), null, null, false, 2)],
            await ((IReportStore)store.Store).GetStaysAsync(target.Id, DateTimeOffset.MaxValue));

        // The definition over that history disagrees: the write kept the table from its own entry alone.
        Assert.Equal(1, await DisagreeingAsync(store));
    }

    [Fact]
    public async Task AStaysTableChangedBehindTheStore_IsFound_AndARepairRebuildsIt_WritingNoHistory()
    {
        var store = await fixture.CreateLinq2DbStoreAsync();
        var tracker = new TargetTracker(store.Store, new TargetTrackingOptions(), Clock);
        var target = (await tracker.CreateAsync(new NewTarget("Tampered", Status: "Cold"))).Value!;
        Clock.Advance(TimeSpan.FromHours(1));
        target = (await tracker.ChangeStatusAsync(target.Id, target.Version, "Active")).Value!;
        var healthy = (await tracker.CreateAsync(new NewTarget("Untouched", Status: "Hot"))).Value!;
        var dialect = store.Store.Dialect;
        using (var db = new DataConnection(store.Host))
        {
            // Raw SQL reopens the first stay: the reports would read it as still in Cold.
            await db.ExecuteAsync(
                $"UPDATE {dialect.Sql.Qualify(Tables.Stays)} SET exited_us = NULL, next_status = NULL WHERE target_id = @tid AND version = 1",
                dialect.Sql.IdParameter("tid", target.Id.Value));
        }

        var health = new TargetHealth(tracker);
        var check = await health.CheckIntegrityAsync();
        var problem = Assert.Single(check.Problems);
        Assert.Equal((IntegrityProblemKind.StaysDisagreeWithHistory, target.Id), (problem.Kind, problem.TargetId));
        Assert.True(problem.IsRepairable);

        var history = await tracker.GetHistoryAsync(target.Id);
        var plan = await health.PlanRepairAsync(RepairPolicy.TrustHistory);
        var repair = Assert.Single(plan.Repairs);
        Assert.True(repair.RebuildsStays);
        Assert.Empty(repair.Entries);
        var applied = await health.ApplyRepairAsync(plan);

        Assert.Single(applied.Applied);
        Assert.Equal(history, await tracker.GetHistoryAsync(target.Id));
        var after = (await tracker.GetAsync(target.Id)).Value!;
        Assert.Equal((target.Status, target.Version), (after.Status, after.Version));
        Assert.True((await health.CheckIntegrityAsync()).IsHealthy);
        Assert.Equal(
            [new StayFacts("Cold", T0, T0.AddHours(1), "Active", false, 1), new StayFacts("Active", T0.AddHours(1), null, null, false, 2)],
            await ((IReportStore)store.Store).GetStaysAsync(target.Id, DateTimeOffset.MaxValue));
        Assert.Single(await ((IReportStore)store.Store).GetStaysAsync(healthy.Id, DateTimeOffset.MaxValue));
    }

    [Fact]
    public async Task HostTransaction_StaysRollBackAndCommitWithTheHost()
    {
        var store = await fixture.CreateLinq2DbStoreAsync();
        var tracker = new TargetTracker(store.Store, new TargetTrackingOptions(), Clock);
        Target rolledBack;
        using (var db = new DataConnection(store.Host))
        {
            await db.BeginTransactionAsync();
            var inside = tracker.WithRepository(store.Store.InHostTransaction(db));
            rolledBack = (await inside.CreateAsync(new NewTarget("Rolled back", Status: "Cold"))).Value!;
            Assert.True((await inside.ChangeStatusAsync(rolledBack.Id, 1, "Hot")).IsSuccess);
            await db.RollbackTransactionAsync();
        }

        Target committed;
        using (var db = new DataConnection(store.Host))
        {
            await db.BeginTransactionAsync();
            var inside = tracker.WithRepository(store.Store.InHostTransaction(db));
            committed = (await inside.CreateAsync(new NewTarget("Committed", Status: "Cold"))).Value!;
            Clock.Advance(TimeSpan.FromMinutes(5));
            Assert.True((await inside.ChangeStatusAsync(committed.Id, 1, "Hot")).IsSuccess);
            await db.CommitTransactionAsync();
        }

        Assert.Equal(0, await StaysAsync(store, rolledBack.Id));
        Assert.Equal(
            [new StayFacts("Cold", T0, T0.AddMinutes(5), "Hot", false, 1), new StayFacts("Hot", T0.AddMinutes(5), null, null, false, 2)],
            await ((IReportStore)store.Store).GetStaysAsync(committed.Id, DateTimeOffset.MaxValue));
        Assert.Equal(0, await DisagreeingAsync(store));
    }
}
