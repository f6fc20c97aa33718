using LinqToDB.Data;
using TargetTracking.Linq2Db;

namespace TargetTracking.Conformance;

/// <summary>Goals, sprints and commitments and their links written inside a host's transaction commit and roll back with it.</summary>
public abstract partial class HostTransactionConformance<TFixture>
{
    private static HierarchyTracker HierarchyIn(Setup setup, DataConnection db) => new(setup.Tracker.WithRepository(setup.Store.InHostTransaction(db)));

    [Fact]
    public async Task HostRollback_RemovesTheLinkAndItsHistoryEntry_AndItemsCreatedInside()
    {
        var setup = await SetUpAsync();
        var outside = new HierarchyTracker(setup.Tracker);
        var outcome = (await setup.Tracker.CreateAsync(new NewTarget("Acme"), Host)).Value!;
        var goal = (await outside.CreateAsync(HierarchyKind.Goal, new HierarchyItemFields { Title = "Win the Nordics" }, Host)).Value!;
        Guid commitment;
        using (var db = new DataConnection(setup.Host))
        {
            await db.BeginTransactionAsync();
            var inside = HierarchyIn(setup, db);
            await InsertNoteAsync(db, setup.Table, "n1");
            Assert.Equal(BulkItemState.Applied, (await inside.LinkAsync(outcome.Id, goal.Id, Host)).State);
            commitment = (await inside.CreateAsync(HierarchyKind.Commitment, new HierarchyItemFields { Title = "Call the CFO", Priority = 1 }, Host)).Value!.Id;
            var bulk = await inside.ApplyLinksAsync([new LinkRequest(LinkAction.Link, outcome.Id, commitment)], BulkMode.AllOrNothing, Host);
            Assert.True(bulk.Succeeded);

            // Inside, the host sees the links, the item and the outcome's new version and entries.
            Assert.Equal(new[] { goal.Id, commitment }.Order(), (await inside.GetItemsOfOutcomeAsync(outcome.Id)).Select(i => i.Id).Order());
            Assert.Equal([outcome.Id], (await inside.GetTreeAsync(goal.Id)).Value!.Outcomes.Select(o => o.Outcome.Id));
            var insideTracker = setup.Tracker.WithRepository(setup.Store.InHostTransaction(db));
            Assert.Equal(
                [HistoryAction.Linked, HistoryAction.Linked, HistoryAction.Created],
                (await insideTracker.GetHistoryAsync(outcome.Id)).Select(h => h.Action));
            await db.RollbackTransactionAsync();
        }

        // Both the links and their history entries went with the host's rollback; so did the item created inside.
        Assert.Empty(await outside.GetItemsOfOutcomeAsync(outcome.Id));
        Assert.Equal([HistoryAction.Created], (await setup.Tracker.GetHistoryAsync(outcome.Id)).Select(h => h.Action));
        Assert.Equal(1, (await ReadAsync(setup.Tracker, outcome.Id))?.Version);
        Assert.IsType<ItemNotFoundError>((await outside.GetAsync(commitment)).Error);
        Assert.Empty(await outside.GetHistoryAsync(commitment));
        Assert.Equal(0, await CountNotesAsync(setup));
        Assert.True((await new TargetHealth(setup.Tracker).CheckIntegrityAsync()).IsHealthy);
    }

    [Fact]
    public async Task HostCommit_KeepsTheLinkItsHistoryEntryAndTheItem()
    {
        var setup = await SetUpAsync();
        var outside = new HierarchyTracker(setup.Tracker);
        var outcome = (await setup.Tracker.CreateAsync(new NewTarget("Acme"), Host)).Value!;
        HierarchyItem sprint;
        using (var db = new DataConnection(setup.Host))
        {
            await db.BeginTransactionAsync();
            var inside = HierarchyIn(setup, db);
            sprint = (await inside.CreateAsync(
                HierarchyKind.Sprint,
                new HierarchyItemFields { Title = "Q1", SprintName = "2026-S1", StartDate = new DateOnly(2026, 1, 5), EndDate = new DateOnly(2026, 2, 27) },
                Host)).Value!;
            Assert.Equal(BulkItemState.Applied, (await inside.LinkAsync(outcome.Id, sprint.Id, Host)).State);
            await db.CommitTransactionAsync();
        }

        Assert.Equal([sprint.Id], (await outside.GetItemsOfOutcomeAsync(outcome.Id)).Select(i => i.Id));
        var newest = (await setup.Tracker.GetHistoryAsync(outcome.Id))[0];
        Assert.Equal((HistoryAction.Linked, 2L, "host-7"), (newest.Action, newest.Version, newest.ActorId));
        // Timestamps aside: this suite runs on the real clock, and stores keep different sub-second precision.
        Assert.Equal(sprint with { CreatedAt = default, UpdatedAt = default }, (await outside.GetAsync(sprint.Id)).Value! with { CreatedAt = default, UpdatedAt = default });
    }
}
