using Microsoft.Extensions.DependencyInjection;

namespace TargetTracking.Tests;

/// <summary>The code shown in docs/hierarchy.md, compiled and run so it cannot drift from the API; the page is checked to show it verbatim.</summary>
public sealed class HierarchyDocsSamples
{
    [Fact]
    public async Task GoalsOutcomesSprintsCommitments()
    {
        #region sample_hierarchy
        var services = new ServiceCollection();
        services.AddTargetTracking(options =>
        {
            options.Hierarchy.OutcomeWeights["Hot"] = 80;                       // roll-up weights are configuration
            options.Hierarchy.TargetDeletePolicy = LinkDeletePolicy.Restrict;   // a linked outcome cannot be deleted
        }).UseInMemory();
        await using var provider = services.BuildServiceProvider();
        var targets = provider.GetRequiredService<TargetTracker>();
        var hierarchy = provider.GetRequiredService<HierarchyTracker>();
        var coach = new AuditContext { ActorId = "u-7", ActorName = "Sam" };

        var goal = (await hierarchy.CreateAsync(HierarchyKind.Goal, new HierarchyItemFields { Title = "Win the Nordics", TargetDate = new DateOnly(2026, 12, 31) }, coach)).Value!;
        var sprint = (await hierarchy.CreateAsync(HierarchyKind.Sprint, new HierarchyItemFields
        {
            Title = "Q1 push", SprintName = "2026-S1", StartDate = new DateOnly(2026, 1, 5), EndDate = new DateOnly(2026, 2, 27),
        }, coach)).Value!;
        var call = (await hierarchy.CreateAsync(HierarchyKind.Commitment, new HierarchyItemFields { Title = "Call the CFO", Priority = 1 }, coach)).Value!;
        var acme = (await targets.CreateAsync(new NewTarget("Acme Oy", null, ["Nordics"], "Hot"), coach)).Value!;
        var bolt = (await targets.CreateAsync(new NewTarget("Bolt AB", null, ["Nordics"], "Cold"), coach)).Value!;

        // Goals, sprints and commitments meet only in outcomes: link each to the outcome it serves, in one unit of work.
        var links = await hierarchy.ApplyLinksAsync(
        [
            new LinkRequest(LinkAction.Link, acme.Id, goal.Id),
            new LinkRequest(LinkAction.Link, bolt.Id, goal.Id),
            new LinkRequest(LinkAction.Link, acme.Id, sprint.Id),
            new LinkRequest(LinkAction.Link, acme.Id, call.Id),
        ], BulkMode.AllOrNothing, coach);

        var commitments = await hierarchy.GetRelatedAsync(goal.Id, HierarchyKind.Commitment);   // the goal's commitments, through its outcomes
        var tree = (await hierarchy.GetTreeAsync(goal.Id)).Value!;                              // goal → outcomes → sprints and commitments
        var progress = (await hierarchy.GetProgressAsync(HierarchyKind.Goal, [goal.Id]))[0];     // (80 + 25) / 2 = 52.5
        var history = await targets.GetHistoryAsync(acme.Id);                                   // Linked ×3 (v2..v4), Created (v1)
        var refused = await targets.DeleteAsync(acme.Id, 4, coach);                             // LinksExistError under Restrict
        #endregion

        Assert.True(links.Succeeded);
        Assert.Equal([call.Id], commitments.Items.Select(i => i.Id));
        Assert.Equal(2, tree.TotalOutcomes);
        Assert.Equal(52.5, progress.Percent);
        Assert.Equal([HistoryAction.Linked, HistoryAction.Linked, HistoryAction.Linked, HistoryAction.Created], history.Select(h => h.Action));
        Assert.IsType<LinksExistError>(refused.Error);
    }

    [Fact]
    public async Task LinksToMissingRows_AreFoundAndRepaired()
    {
        var repository = new TargetTracking.InMemory.InMemoryTargetStore();
        var tracker = new TargetTracker(repository, new TargetTrackingOptions());
        var hierarchy = new HierarchyTracker(tracker);
        var health = new TargetHealth(tracker);
        var goal = (await hierarchy.CreateAsync(HierarchyKind.Goal, new HierarchyItemFields { Title = "Win the Nordics" })).Value!;
        var acme = (await tracker.CreateAsync(new NewTarget("Acme Oy", null, ["Nordics"], "Hot"))).Value!;
        await hierarchy.LinkAsync(acme.Id, goal.Id);
        repository.TamperHierarchy(items: items => items.Remove(goal.Id));   // as a restore with the foreign keys off would

        #region sample_hierarchy_integrity
        var report = await health.CheckIntegrityAsync();
        var broken = report.Problems
            .Where(p => p.Kind == IntegrityProblemKind.LinkToMissingRow)
            .Select(p => $"{p.TargetId} → {p.Link!.Kind} {p.Link.ItemId}: {p.Detail}")   // "… no item has the id …"
            .ToList();
        var plan = await health.PlanRepairAsync(RepairPolicy.TrustHistory);                // a dry run: writes nothing
        var removed = plan.Repairs.Sum(r => r.RemovedLinks.Count);                       // the links the repair removes
        var result = await health.ApplyRepairAsync(plan, new AuditContext { ActorId = "ops", ActorName = "Nightly repair" });
        var unlinked = (await tracker.GetHistoryAsync(acme.Id))[0];                       // Unlinked, v3, "Goal 0193…", by the repairer
        #endregion

        Assert.Single(broken);
        Assert.Contains("no item has the id", broken[0], StringComparison.Ordinal);
        Assert.Equal(1, removed);
        Assert.Single(result.Applied);
        Assert.Equal((HistoryAction.Unlinked, 3L, "Nightly repair"), (unlinked.Action, unlinked.Version, unlinked.ActorName));
        Assert.True((await health.CheckIntegrityAsync()).IsHealthy);
    }

    [Theory]
    [InlineData("sample_hierarchy")]
    [InlineData("sample_hierarchy_integrity")]
    public void TheDocsShowTheSamplesVerbatim(string region) =>
        Assert.Contains(Conformance.DocSync.Sample("HierarchyDocsSamples.cs.txt", region), Conformance.DocSync.Page("hierarchy.md"), StringComparison.Ordinal);
}
