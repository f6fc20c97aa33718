using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>Links to missing rows, planted with the foreign keys off: found set-based on every store, and repaired.</summary>
public abstract partial class IntegrityConformance<TFixture>
{
    private sealed record PlantedLinks(
        HierarchyTracker Hierarchy, Target Healthy, HierarchyItem Kept, Target ItemGone, HierarchyItem GoneGoal, Target WrongKind, HierarchyItem Sprint,
        Target TargetGone, TargetId NeverExisted);

    /// <summary>
    /// A sound link, and one link for each way a link can point at a missing row: its item deleted, the kind it claims not
    /// the item's, its outcome deleted (whose history is then orphaned too), and an outcome that never existed.
    /// </summary>
    private async Task<PlantedLinks> PlantLinksAsync(Store store)
    {
        var hierarchy = new HierarchyTracker(store.Tracker);
        async Task<HierarchyItem> ItemAsync(HierarchyKind kind, string title)
        {
            var fields = kind == HierarchyKind.Sprint
                ? new HierarchyItemFields { Title = title, SprintName = title, StartDate = new DateOnly(2025, 3, 1), EndDate = new DateOnly(2025, 4, 15) }
                : new HierarchyItemFields { Title = title };
            var created = await hierarchy.CreateAsync(kind, fields, Alice);
            Assert.True(created.IsSuccess, created.ToString());
            return created.Value!;
        }

        async Task LinkAsync(Target outcome, HierarchyItem item) =>
            Assert.Equal(BulkItemState.Applied, (await hierarchy.LinkAsync(outcome.Id, item.Id, Alice)).State);

        var kept = await ItemAsync(HierarchyKind.Goal, "Kept goal");
        var gone = await ItemAsync(HierarchyKind.Goal, "Gone goal");
        var sprint = await ItemAsync(HierarchyKind.Sprint, "S1");
        var healthy = await CreateAsync(store.Tracker, "Linked and sound");
        var itemGone = await CreateAsync(store.Tracker, "Its goal is gone");
        var wrongKind = await CreateAsync(store.Tracker, "Linked to a sprint as a goal");
        var targetGone = await CreateAsync(store.Tracker, "Gone with a link");
        await LinkAsync(healthy, kept);
        await LinkAsync(itemGone, gone);
        await LinkAsync(targetGone, kept);

        await store.Saboteur.DeleteItemRowAsync(gone.Id);
        await store.Saboteur.InsertLinkAsync(new OutcomeLink(wrongKind.Id, sprint.Id, HierarchyKind.Goal));
        await store.Saboteur.DeleteTargetRowAsync(targetGone.Id);
        var neverExisted = TargetId.New(Clock);
        await store.Saboteur.InsertLinkAsync(new OutcomeLink(neverExisted, kept.Id, HierarchyKind.Goal));
        return new PlantedLinks(
            hierarchy, await Reload(store, healthy), kept, await Reload(store, itemGone), gone, wrongKind, sprint, targetGone, neverExisted);
    }

    private static async Task<Target> Reload(Store store, Target target) => (await store.Tracker.GetAsync(target.Id)).Value!;

    [Fact]
    public async Task Check_ReportsEveryLinkToAMissingRow_AndNothingForSoundLinks()
    {
        var store = await NewStoreAsync();
        var p = await PlantLinksAsync(store);

        var report = await store.Health.CheckIntegrityAsync();

        var links = report.Problems.Where(x => x.Kind == IntegrityProblemKind.LinkToMissingRow)
            .Select(x => (x.TargetId, x.Link)).OrderBy(x => x.TargetId).ToList();
        Assert.Equal(
            new (TargetId?, IntegrityLink?)[]
            {
                (p.ItemGone.Id, new IntegrityLink(p.GoneGoal.Id, "Goal", true, null, p.ItemGone.Version)),
                (p.WrongKind.Id, new IntegrityLink(p.Sprint.Id, "Goal", true, "Sprint", 1)),
                (p.TargetGone.Id, new IntegrityLink(p.Kept.Id, "Goal", false, "Goal", 2)),
                (p.NeverExisted, new IntegrityLink(p.Kept.Id, "Goal", false, "Goal", null)),
            }.OrderBy(x => x.Item1),
            links);
        Assert.Equal(4, report.CountByKind[IntegrityProblemKind.LinkToMissingRow]);

        // The outcome whose row went has orphaned history too; the sound link and its outcome are not reported.
        Assert.Equal([(IntegrityProblemKind.OrphanedHistory, (TargetId?)p.TargetGone.Id)], report.Problems.Where(x => x.Kind != IntegrityProblemKind.LinkToMissingRow).Select(x => (x.Kind, x.TargetId)));
        Assert.Contains("no item has the id", report.Problems.Single(x => x.TargetId == p.ItemGone.Id).Detail, StringComparison.Ordinal);
        Assert.Contains("is a Sprint", report.Problems.Single(x => x.TargetId == p.WrongKind.Id).Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(report.Problems, x => x.TargetId == p.Healthy.Id);
    }

    [Theory]
    [InlineData(RepairPolicy.TrustHistory)]
    [InlineData(RepairPolicy.TrustTarget)]
    public async Task Repair_RemovesLinksToMissingRows_WithAnUnlinkedEntryWhereTheOutcomeExists(RepairPolicy policy)
    {
        var store = await NewStoreAsync();
        var p = await PlantLinksAsync(store);

        var plan = await store.Health.PlanRepairAsync(policy);
        var result = await store.Health.ApplyRepairAsync(plan, Repairer);

        // Each outcome that exists gets one Unlinked entry at its next version, by the repairer, naming the item as every
        // link entry does; the row follows, so replay holds.
        foreach (var (outcome, link) in new[] { (p.ItemGone, new OutcomeLink(p.ItemGone.Id, p.GoneGoal.Id, HierarchyKind.Goal)), (p.WrongKind, new OutcomeLink(p.WrongKind.Id, p.Sprint.Id, HierarchyKind.Goal)) })
        {
            var history = await store.Tracker.GetHistoryAsync(outcome.Id);
            var newest = history[0];
            Assert.Equal(
                (HistoryAction.Unlinked, outcome.Status, outcome.Status, outcome.Version + 1, link.Note, "Nightly repair"),
                (newest.Action, newest.OldStatus, newest.NewStatus, newest.Version, newest.Note, newest.ActorName));
            var current = await Reload(store, outcome);
            Assert.Equal(outcome.Version + 1, current.Version);
            HistoryAssert.Replays(current, history);
            Assert.Empty(await p.Hierarchy.GetItemsOfOutcomeAsync(outcome.Id));
        }

        // A gone outcome's history ends in its Deleted entry, with nothing after it; its link is gone.
        var goneHistory = await store.Tracker.GetHistoryAsync(p.TargetGone.Id);
        Assert.Equal(HistoryAction.Deleted, goneHistory[0].Action);
        Assert.DoesNotContain(goneHistory, e => e.Action == HistoryAction.Unlinked);
        Assert.Equal(
            new[] { p.TargetGone.Id, p.NeverExisted }.Order(),
            result.Applied.Where(r => r.Entries.All(e => e.Action != HistoryAction.Unlinked) && r.RemovedLinks.Count == 1).Select(r => r.TargetId).Order());
        Assert.Equal(4, result.Applied.Sum(r => r.RemovedLinks.Count));

        // The sound link stays; nothing is left to find; a second repair changes nothing.
        Assert.Equal([p.Kept.Id], (await p.Hierarchy.GetItemsOfOutcomeAsync(p.Healthy.Id)).Select(i => i.Id));
        Assert.Equal([p.Healthy.Id], (await p.Hierarchy.GetOutcomesAsync(p.Kept.Id)).Items.Select(t => t.Id));
        Assert.True((await store.Health.CheckIntegrityAsync()).IsHealthy);
        Assert.Empty((await store.Health.ApplyRepairAsync(plan, Repairer)).Applied);
    }
}
