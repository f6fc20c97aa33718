using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>
/// Goals, sprints and commitments linked to outcomes, on every store: item CRUD with versions, typed errors and own history;
/// links as versioned changes of the outcome with one entry each; relations only through outcomes; delete with Cascade and
/// Restrict; set-based queries and roll-ups; bulk link units all-or-nothing and partial; the integrity check stays clean.
/// An adapter signs up with an empty subclass.
/// </summary>
/// <typeparam name="TFixture">The store's fixture.</typeparam>
public abstract partial class HierarchyConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, IStoreFixture
{
    private static readonly AuditContext Alice = new() { ActorId = "u-1", ActorName = "Alice", CorrelationId = "corr-1" };

    private FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));

    private sealed record Store(TargetTracker Targets, HierarchyTracker Hierarchy, TargetHealth Health);

    private async Task<Store> NewStoreAsync(LinkDeletePolicy targetDeletes = LinkDeletePolicy.Cascade)
    {
        var options = new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero };
        options.Hierarchy.TargetDeletePolicy = targetDeletes;
        var tracker = new TargetTracker(await fixture.CreateRepositoryBesideANeighbourAsync(), options, Clock);
        return new Store(tracker, new HierarchyTracker(tracker), new TargetHealth(tracker));
    }

    // Each create a millisecond later: version-7 ids of one millisecond are in random order, and queries return id order.
    private async Task<Target> OutcomeAsync(Store s, string name, string? status = "Active")
    {
        Clock.Advance(TimeSpan.FromMilliseconds(1));
        return Ok(await s.Targets.CreateAsync(new NewTarget(name, null, ["EU"], status), Alice));
    }

    private Task<HierarchyItem> GoalAsync(Store s, string title, DateOnly? date = null, string? status = null) =>
        CreateAsync(s, HierarchyKind.Goal, new HierarchyItemFields { Title = title, TargetDate = date, Status = status });

    private Task<HierarchyItem> SprintAsync(Store s, string name) =>
        CreateAsync(s, HierarchyKind.Sprint, new HierarchyItemFields { Title = "Sprint " + name, SprintName = name, StartDate = new DateOnly(2026, 1, 1), EndDate = new DateOnly(2026, 2, 1) });

    private Task<HierarchyItem> CommitmentAsync(Store s, string title, string? status = null, DateOnly? due = null) =>
        CreateAsync(s, HierarchyKind.Commitment, new HierarchyItemFields { Title = title, Status = status, Priority = 2, DueDate = due });

    private async Task<HierarchyItem> CreateAsync(Store s, HierarchyKind kind, HierarchyItemFields fields)
    {
        Clock.Advance(TimeSpan.FromMilliseconds(1));
        return Ok(await s.Hierarchy.CreateAsync(kind, fields, Alice));
    }

    private static T Ok<T>(Result<T> result)
    {
        Assert.True(result.IsSuccess, result.ToString());
        return result.Value!;
    }

    private static async Task LinkAsync(Store s, Target outcome, params HierarchyItem[] items)
    {
        foreach (var item in items)
        {
            var linked = await s.Hierarchy.LinkAsync(outcome.Id, item.Id, Alice);
            Assert.Equal(BulkItemState.Applied, linked.State);
        }
    }

    private static async Task AssertHealthyAsync(Store s)
    {
        var report = await s.Health.CheckIntegrityAsync();
        Assert.Empty(report.Problems);
    }

    [Fact]
    public async Task Items_CreateReadUpdateMoveDelete_WithVersionsAndOwnHistory()
    {
        var s = await NewStoreAsync();
        var goal = await GoalAsync(s, "Grow EU revenue", new DateOnly(2026, 9, 30));
        Assert.Equal((1L, HierarchyKind.Goal, new DateOnly(2026, 9, 30)), (goal.Version, goal.Kind, goal.TargetDate));
        Assert.Equal(goal, Ok(await s.Hierarchy.GetAsync(goal.Id)));

        Clock.Advance(TimeSpan.FromMinutes(1));
        var updated = Ok(await s.Hierarchy.UpdateAsync(goal.Id, 1, new HierarchyItemFields { Title = "Grow EU revenue 20%", Description = "FY26", TargetDate = new DateOnly(2026, 12, 31) }, Alice));
        Assert.Equal((2L, "Grow EU revenue 20%", "FY26"), (updated.Version, updated.Title, updated.Description));
        Assert.Equal(Clock.GetUtcNow(), updated.UpdatedAt);

        // The same fields again: a no-op, no version, no entry.
        var same = Ok(await s.Hierarchy.UpdateAsync(goal.Id, 2, new HierarchyItemFields { Title = "Grow EU revenue 20%", Description = "FY26", TargetDate = new DateOnly(2026, 12, 31) }, Alice));
        Assert.Equal(2, same.Version);

        var moved = Ok(await s.Hierarchy.ChangeStatusAsync(goal.Id, 2, "active", Alice));
        Assert.Equal(("Active", 3L), (moved.Status, moved.Version));

        var stale = await s.Hierarchy.ChangeStatusAsync(goal.Id, 2, "At Risk", Alice);
        Assert.Equal(3, Assert.IsType<ItemVersionConflictError>(stale.Error).Current.Version);

        var forbidden = await s.Hierarchy.ChangeStatusAsync(goal.Id, 3, PipelineOptions.NotSet, Alice);
        Assert.IsType<ItemTransitionNotAllowedError>(forbidden.Error);
        Assert.IsType<UnknownStatusError>((await s.Hierarchy.ChangeStatusAsync(goal.Id, 3, "Shipped", Alice)).Error);

        var deleted = Ok(await s.Hierarchy.DeleteAsync(goal.Id, 3, audit: Alice));
        Assert.Equal(3, deleted.Version);
        Assert.IsType<ItemNotFoundError>((await s.Hierarchy.GetAsync(goal.Id)).Error);
        Assert.IsType<ItemNotFoundError>((await s.Hierarchy.DeleteAsync(goal.Id, 3, audit: Alice)).Error);

        var history = await s.Hierarchy.GetHistoryAsync(goal.Id);
        Assert.Equal(
            [(HistoryAction.Deleted, 4L, "Active", (string?)null), (HistoryAction.StatusChanged, 3L, null, "Active"), (HistoryAction.Updated, 2L, null, null), (HistoryAction.Created, 1L, null, null)],
            history.Select(h => (h.Action, h.Version, h.OldStatus, h.NewStatus)));
        Assert.All(history, h => Assert.Equal(("u-1", "Alice", "corr-1", HierarchyKind.Goal), (h.ActorId, h.ActorName, h.CorrelationId, h.Kind)));
        Assert.Equal([3L, 2L], (await s.Hierarchy.GetHistoryAsync(goal.Id, new HistoryPageRequest(4, 2))).Select(h => h.Version));
    }

    [Fact]
    public async Task Items_InvalidFields_AreTypedErrorsAndWriteNothing()
    {
        var s = await NewStoreAsync();
        var backwards = await s.Hierarchy.CreateAsync(HierarchyKind.Sprint, new HierarchyItemFields
        {
            Title = "S1", SprintName = "S1", StartDate = new DateOnly(2026, 3, 1), EndDate = new DateOnly(2026, 2, 1),
        }, Alice);
        Assert.Contains(Assert.IsType<InvalidInputError>(backwards.Error).Errors, e => e.Field == "endDate");

        var wrongKind = await s.Hierarchy.CreateAsync(HierarchyKind.Goal, new HierarchyItemFields { Title = "G", Priority = 1 }, Alice);
        Assert.Contains(Assert.IsType<InvalidInputError>(wrongKind.Error).Errors, e => e.Field == "priority");

        var blank = await s.Hierarchy.CreateAsync(HierarchyKind.Commitment, new HierarchyItemFields { Title = " ", Priority = 9 }, Alice);
        Assert.Equal(["title", "priority"], Assert.IsType<InvalidInputError>(blank.Error).Errors.Select(e => e.Field));

        Assert.IsType<UnknownStatusError>((await s.Hierarchy.CreateAsync(HierarchyKind.Commitment, new HierarchyItemFields { Title = "C", Status = "Hot" }, Alice)).Error);
        Assert.Equal(0, (await s.Hierarchy.QueryAsync(new HierarchyQuery { Kind = HierarchyKind.Sprint })).TotalCount);
        Assert.Equal(0, (await s.Hierarchy.QueryAsync(new HierarchyQuery { Kind = HierarchyKind.Goal })).TotalCount);
    }

    [Fact]
    public async Task Items_Query_ByStatusTextAndDateRange_Paged()
    {
        var s = await NewStoreAsync();
        var a = await CommitmentAsync(s, "Call Acme", "To Do", new DateOnly(2026, 2, 1));
        var b = await CommitmentAsync(s, "Email ACME legal", "In Progress", new DateOnly(2026, 3, 1));
        var c = await CommitmentAsync(s, "Draft contract", null, new DateOnly(2026, 4, 1));
        await GoalAsync(s, "Acme goal");

        var all = await s.Hierarchy.QueryAsync(new HierarchyQuery { Kind = HierarchyKind.Commitment });
        Assert.Equal([a.Id, b.Id, c.Id], all.Items.Select(i => i.Id));
        Assert.Equal(3, all.TotalCount);

        Assert.Equal([a.Id, b.Id], (await s.Hierarchy.QueryAsync(new HierarchyQuery { Kind = HierarchyKind.Commitment, TitleContains = "acme" })).Items.Select(i => i.Id));
        Assert.Equal([b.Id, c.Id], (await s.Hierarchy.QueryAsync(new HierarchyQuery { Kind = HierarchyKind.Commitment, Statuses = ["in progress", null] })).Items.Select(i => i.Id));
        Assert.Equal([b.Id], (await s.Hierarchy.QueryAsync(new HierarchyQuery { Kind = HierarchyKind.Commitment, From = new DateOnly(2026, 2, 2), To = new DateOnly(2026, 3, 31) })).Items.Select(i => i.Id));

        var page = await s.Hierarchy.QueryAsync(new HierarchyQuery { Kind = HierarchyKind.Commitment, Skip = 1, Take = 1 });
        Assert.Equal([b.Id], page.Items.Select(i => i.Id));
        Assert.Equal(3, page.TotalCount);
        Assert.Throws<ArgumentException>(() => { _ = s.Hierarchy.QueryAsync(new HierarchyQuery { Kind = HierarchyKind.Goal, Statuses = ["Hot"] }); });
    }

    [Fact]
    public async Task Link_IsAVersionedChangeOfTheOutcome_WithOneEntry_AndTwiceIsANoOp()
    {
        var s = await NewStoreAsync();
        var outcome = await OutcomeAsync(s, "Acme", "Hot");
        var goal = await GoalAsync(s, "Grow");

        Clock.Advance(TimeSpan.FromMinutes(5));
        var linked = await s.Hierarchy.LinkAsync(outcome.Id, goal.Id, Alice);
        Assert.Equal((BulkItemState.Applied, new OutcomeLink(outcome.Id, goal.Id, HierarchyKind.Goal)), (linked.State, linked.Link));
        var after = Ok(await s.Targets.GetAsync(outcome.Id));
        Assert.Equal((2L, "Hot", Clock.GetUtcNow()), (after.Version, after.Status, after.UpdatedAt));

        var entry = Assert.Single(await s.Targets.GetHistoryAsync(outcome.Id, new HistoryPageRequest(Limit: 1)));
        Assert.Equal((HistoryAction.Linked, 2L, "Hot", "Hot", "Alice", "corr-1"), (entry.Action, entry.Version, entry.OldStatus, entry.NewStatus, entry.ActorName, entry.CorrelationId));
        Assert.True(OutcomeLink.TryRead(entry, out var read));
        Assert.Equal(linked.Link, read);

        var twice = await s.Hierarchy.LinkAsync(outcome.Id, goal.Id, Alice);
        Assert.Equal(BulkItemState.Unchanged, twice.State);
        Assert.Equal(2, Ok(await s.Targets.GetAsync(outcome.Id)).Version);

        Assert.IsType<ItemNotFoundError>((await s.Hierarchy.LinkAsync(outcome.Id, Guid.CreateVersion7(), Alice)).Error);
        Assert.IsType<NotFoundError>((await s.Hierarchy.LinkAsync(new TargetId(Guid.CreateVersion7()), goal.Id, Alice)).Error);

        var unlinked = await s.Hierarchy.UnlinkAsync(outcome.Id, goal.Id, Alice);
        Assert.Equal(BulkItemState.Applied, unlinked.State);
        Assert.Equal(BulkItemState.Unchanged, (await s.Hierarchy.UnlinkAsync(outcome.Id, goal.Id, Alice)).State);
        var history = await s.Targets.GetHistoryAsync(outcome.Id);
        Assert.Equal([HistoryAction.Unlinked, HistoryAction.Linked, HistoryAction.Created], history.Select(h => h.Action));
        Assert.Equal(3, Ok(await s.Targets.GetAsync(outcome.Id)).Version);

        // The goal's own version is untouched by links; a stale client of the outcome gets a conflict.
        Assert.Equal(1, Ok(await s.Hierarchy.GetAsync(goal.Id)).Version);
        Assert.IsType<VersionConflictError>((await s.Targets.ChangeStatusAsync(outcome.Id, 1, "Closed", Alice)).Error);
        await AssertHealthyAsync(s);
    }

    [Fact]
    public async Task ItemsRelate_OnlyThroughOutcomes_EachOnce()
    {
        var s = await NewStoreAsync();
        var o1 = await OutcomeAsync(s, "o1");
        var o2 = await OutcomeAsync(s, "o2");
        var o3 = await OutcomeAsync(s, "o3");
        var g1 = await GoalAsync(s, "g1");
        var g2 = await GoalAsync(s, "g2");
        var sp = await SprintAsync(s, "S1");
        var c1 = await CommitmentAsync(s, "c1");
        var c2 = await CommitmentAsync(s, "c2");
        var orphan = await CommitmentAsync(s, "orphan");
        var lonelySprint = await SprintAsync(s, "S2");

        await LinkAsync(s, o1, g1, sp, c1, c2);
        await LinkAsync(s, o2, g1, g2, c1);
        await LinkAsync(s, o3, g2);

        Assert.Equal([c1.Id, c2.Id], (await s.Hierarchy.GetRelatedAsync(g1.Id, HierarchyKind.Commitment)).Items.Select(i => i.Id));
        Assert.Equal(2, (await s.Hierarchy.GetRelatedAsync(g1.Id, HierarchyKind.Commitment)).TotalCount);
        Assert.Equal([c1.Id], (await s.Hierarchy.GetRelatedAsync(g2.Id, HierarchyKind.Commitment)).Items.Select(i => i.Id));
        Assert.Equal([sp.Id], (await s.Hierarchy.GetRelatedAsync(g1.Id, HierarchyKind.Sprint)).Items.Select(i => i.Id));
        Assert.Empty((await s.Hierarchy.GetRelatedAsync(g2.Id, HierarchyKind.Sprint)).Items);
        Assert.Equal([g1.Id, g2.Id], (await s.Hierarchy.GetRelatedAsync(c1.Id, HierarchyKind.Goal)).Items.Select(i => i.Id));
        Assert.Equal([g2.Id], (await s.Hierarchy.GetRelatedAsync(g1.Id, HierarchyKind.Goal)).Items.Select(i => i.Id));
        Assert.Equal([c2.Id], (await s.Hierarchy.GetRelatedAsync(g1.Id, HierarchyKind.Commitment, skip: 1, take: 1)).Items.Select(i => i.Id));

        var outcomes = await s.Hierarchy.GetOutcomesAsync(g1.Id);
        Assert.Equal(new[] { o1.Id, o2.Id }.Order(), outcomes.Items.Select(t => t.Id));
        Assert.Equal(new[] { g1.Id, sp.Id, c1.Id, c2.Id }.Order(), (await s.Hierarchy.GetItemsOfOutcomeAsync(o1.Id)).Select(i => i.Id));

        var tree = Ok(await s.Hierarchy.GetTreeAsync(g1.Id));
        Assert.Equal((g1.Id, 2L), (tree.Goal.Id, tree.TotalOutcomes));
        var node1 = tree.Outcomes.Single(n => n.Outcome.Id == o1.Id);
        Assert.Equal([sp.Id], node1.Sprints.Select(i => i.Id));
        Assert.Equal(new[] { c1.Id, c2.Id }.Order(), node1.Commitments.Select(i => i.Id));
        Assert.Equal([c1.Id], tree.Outcomes.Single(n => n.Outcome.Id == o2.Id).Commitments.Select(i => i.Id));
        Assert.Single(Ok(await s.Hierarchy.GetTreeAsync(g1.Id, skip: 1, take: 1)).Outcomes);
        Assert.IsType<ItemNotFoundError>((await s.Hierarchy.GetTreeAsync(c1.Id)).Error);

        Assert.Equal([orphan.Id], (await s.Hierarchy.GetOrphansAsync(HierarchyKind.Commitment)).Items.Select(i => i.Id));
        Assert.Equal([lonelySprint.Id], (await s.Hierarchy.GetOrphansAsync(HierarchyKind.Sprint)).Items.Select(i => i.Id));
        await AssertHealthyAsync(s);
    }

    [Fact]
    public async Task DeleteItem_Cascade_RemovesLinksWithUnlinkedEntries_Restrict_RefusesNamingThem()
    {
        var s = await NewStoreAsync();
        var o1 = await OutcomeAsync(s, "o1");
        var o2 = await OutcomeAsync(s, "o2");
        var goal = await GoalAsync(s, "g");
        await LinkAsync(s, o1, goal);
        await LinkAsync(s, o2, goal);

        var refused = await s.Hierarchy.DeleteAsync(goal.Id, 1, LinkDeletePolicy.Restrict, Alice);
        var error = Assert.IsType<LinksExistError>(refused.Error);
        Assert.Equal((2, "links_exist"), (error.TotalLinks, error.Code));
        Assert.Equal(new[] { o1.Id, o2.Id }.Order(), error.Links.Select(l => l.TargetId).Order());
        Assert.Equal(2, (await s.Hierarchy.GetOutcomesAsync(goal.Id)).TotalCount);

        Ok(await s.Hierarchy.DeleteAsync(goal.Id, 1, LinkDeletePolicy.Cascade, Alice));
        Assert.Equal(0, (await s.Hierarchy.GetOutcomesAsync(goal.Id)).TotalCount);
        foreach (var outcome in new[] { o1, o2 })
        {
            var last = (await s.Targets.GetHistoryAsync(outcome.Id, new HistoryPageRequest(Limit: 1)))[0];
            Assert.Equal((HistoryAction.Unlinked, 3L, $"Goal {goal.Id:D}"), (last.Action, last.Version, last.Note));
            Assert.Empty(await s.Hierarchy.GetItemsOfOutcomeAsync(outcome.Id));
        }

        await AssertHealthyAsync(s);
    }

    [Theory]
    [InlineData(LinkDeletePolicy.Cascade)]
    [InlineData(LinkDeletePolicy.Restrict)]
    public async Task DeleteTarget_FollowsTheTargetDeletePolicy(LinkDeletePolicy policy)
    {
        var s = await NewStoreAsync(policy);
        var outcome = await OutcomeAsync(s, "o");
        var goal = await GoalAsync(s, "g");
        var commitment = await CommitmentAsync(s, "c");
        await LinkAsync(s, outcome, goal, commitment);

        var deleted = await s.Targets.DeleteAsync(outcome.Id, 3, Alice);
        if (policy == LinkDeletePolicy.Restrict)
        {
            Assert.Equal(2, Assert.IsType<LinksExistError>(deleted.Error).Links.Count);
            Assert.True((await s.Targets.GetAsync(outcome.Id)).IsSuccess);
            Assert.Equal(2, (await s.Hierarchy.GetItemsOfOutcomeAsync(outcome.Id)).Count);
        }
        else
        {
            Assert.True(deleted.IsSuccess, deleted.ToString());
            var history = await s.Targets.GetHistoryAsync(outcome.Id);
            Assert.Equal([(HistoryAction.Deleted, 6L), (HistoryAction.Unlinked, 5L), (HistoryAction.Unlinked, 4L)], history.Take(3).Select(h => (h.Action, h.Version)));
            Assert.Equal(0, (await s.Hierarchy.GetOutcomesAsync(goal.Id)).TotalCount);
            Assert.Equal([commitment.Id], (await s.Hierarchy.GetOrphansAsync(HierarchyKind.Commitment)).Items.Select(i => i.Id));
        }

        await AssertHealthyAsync(s);
    }

    [Fact]
    public async Task Progress_RollsUpInTheStore_WeightedSharedOutcomesCountInEach_NothingCountedIsNull()
    {
        var s = await NewStoreAsync();
        var closed = await OutcomeAsync(s, "closed", "Active");
        closed = Ok(await s.Targets.ChangeStatusAsync(closed.Id, 1, "Closed", Alice));
        var cold = await OutcomeAsync(s, "cold", "Cold");
        var passed = await OutcomeAsync(s, "passed", "Passed");
        var g1 = await GoalAsync(s, "g1");
        var g2 = await GoalAsync(s, "g2");
        var onlyPassed = await GoalAsync(s, "only passed");
        var empty = await GoalAsync(s, "empty");
        await LinkAsync(s, closed, g1, g2);
        await LinkAsync(s, cold, g1);
        await LinkAsync(s, passed, g1, onlyPassed);

        var progress = await s.Hierarchy.GetProgressAsync(HierarchyKind.Goal, [g1.Id, g2.Id, onlyPassed.Id, empty.Id]);
        Assert.Equal(
            [(g1.Id, (double?)62.5, 2L, 1L), (g2.Id, 100, 1, 0), (onlyPassed.Id, null, 0, 1), (empty.Id, null, 0, 0)],
            progress.Select(p => (p.ItemId, p.Percent, p.Counted, p.Excluded)));

        // A sprint from its commitments' statuses, each commitment once however many of its outcomes it shares.
        var sprint = await SprintAsync(s, "S1");
        var done = await CommitmentAsync(s, "done", "To Do");
        done = Ok(await s.Hierarchy.ChangeStatusAsync(done.Id, 1, "Done", Alice));
        var doing = await CommitmentAsync(s, "doing", "In Progress");
        var dropped = await CommitmentAsync(s, "dropped", "To Do");
        Ok(await s.Hierarchy.ChangeStatusAsync(dropped.Id, 1, "Dropped", Alice));
        await LinkAsync(s, closed, sprint, done, doing);
        await LinkAsync(s, cold, sprint, done, dropped);
        var sprintProgress = Assert.Single(await s.Hierarchy.GetProgressAsync(HierarchyKind.Sprint, [sprint.Id]));
        Assert.Equal(((double?)75, 2L, 1L), (sprintProgress.Percent, sprintProgress.Counted, sprintProgress.Excluded));
        Assert.Null(Assert.Single(await s.Hierarchy.GetProgressAsync(HierarchyKind.Goal, [sprint.Id])).Percent);
    }

    [Theory]
    [InlineData(BulkMode.AllOrNothing)]
    [InlineData(BulkMode.Partial)]
    public async Task BulkLinks_OneUnit_OneTypedOutcomePerItem_SamePathAsSingles(BulkMode mode)
    {
        var s = await NewStoreAsync();
        var o1 = await OutcomeAsync(s, "o1");
        var o2 = await OutcomeAsync(s, "o2");
        var goal = await GoalAsync(s, "g");
        var sprint = await SprintAsync(s, "S1");
        var missing = Guid.CreateVersion7();
        await LinkAsync(s, o2, sprint);

        var result = await s.Hierarchy.ApplyLinksAsync(
            [
                new LinkRequest(LinkAction.Link, o1.Id, goal.Id),
                new LinkRequest(LinkAction.Link, o2.Id, goal.Id),
                new LinkRequest(LinkAction.Link, o1.Id, missing),
                new LinkRequest(LinkAction.Unlink, o2.Id, sprint.Id),
                new LinkRequest(LinkAction.Link, o1.Id, goal.Id),
            ],
            mode,
            Alice);

        var applied = mode == BulkMode.Partial ? BulkItemState.Applied : BulkItemState.RolledBack;
        var again = mode == BulkMode.Partial ? BulkItemState.Unchanged : BulkItemState.RolledBack;
        Assert.Equal([applied, applied, BulkItemState.Failed, applied, again], result.Items.Select(i => i.State));
        Assert.IsType<ItemNotFoundError>(result.Items[2].Error);
        Assert.False(result.Succeeded);

        var outcomesOfGoal = await s.Hierarchy.GetOutcomesAsync(goal.Id);
        if (mode == BulkMode.AllOrNothing)
        {
            Assert.Equal(0, outcomesOfGoal.TotalCount);
            Assert.Equal([sprint.Id], (await s.Hierarchy.GetItemsOfOutcomeAsync(o2.Id)).Select(i => i.Id));
            Assert.Equal(1, Ok(await s.Targets.GetAsync(o1.Id)).Version);
        }
        else
        {
            Assert.Equal(2, outcomesOfGoal.TotalCount);
            Assert.Equal([goal.Id], (await s.Hierarchy.GetItemsOfOutcomeAsync(o2.Id)).Select(i => i.Id));

            // o2: created, linked to the sprint, linked to the goal, unlinked from the sprint: one entry per change, one correlation.
            var history = await s.Targets.GetHistoryAsync(o2.Id);
            Assert.Equal([(HistoryAction.Unlinked, 4L), (HistoryAction.Linked, 3L), (HistoryAction.Linked, 2L), (HistoryAction.Created, 1L)], history.Select(h => (h.Action, h.Version)));
            Assert.Equal(history[0].CorrelationId, history[1].CorrelationId);
        }

        await AssertHealthyAsync(s);
    }
}
