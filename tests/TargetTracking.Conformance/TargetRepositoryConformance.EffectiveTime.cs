using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>
/// When a move really happened (issue 25): a status change may carry the time it took effect, not in the future and not before
/// the target's previous effective change; history keeps the recorded and the effective time; a backdated change is appended,
/// never a rewrite. Refusals name the bound and write nothing, on single changes and per item in bulk.
/// </summary>
public abstract partial class TargetRepositoryConformance<TFixture>
{
    [Fact]
    public async Task EffectiveTime_ABackdatedMove_KeepsBothTimes_AndIsAppended()
    {
        var tracker = await NewTrackerAsync();
        var created = await CreateAsync(tracker, "Moved last Tuesday", "Cold");
        var createdAt = Clock.GetUtcNow();
        Clock.Advance(TimeSpan.FromDays(10));
        var before = await HistoryAsync(tracker, created.Id);
        var tuesday = createdAt.AddDays(3);

        var moved = (await tracker.ChangeStatusAsync(created.Id, 1, "Active", tuesday, Alice)).Value!;
        Assert.Equal(("Active", 2L), (moved.Status, moved.Version));
        Assert.Equal(tuesday, moved.StatusChangedAt);
        Assert.Equal(Clock.GetUtcNow(), moved.UpdatedAt);
        Assert.True(moved.SameAs((await tracker.GetAsync(created.Id)).Value), "the row as answered");

        var history = await HistoryAsync(tracker, created.Id);
        var entry = history[0];
        Assert.Equal((HistoryAction.StatusChanged, 2L), (entry.Action, entry.Version));
        Assert.Equal(Clock.GetUtcNow(), entry.OccurredAt);
        Assert.Equal(tuesday, entry.EffectiveAt);
        Assert.Equal(TimeSpan.Zero, entry.EffectiveAt.Offset);

        // Appended: the entries before it are read back exactly as they were.
        Assert.Equal(before, history.Skip(1));
        Assert.Equal(createdAt, history[1].EffectiveAt);

        // A move without a time takes effect when it is recorded.
        Clock.Advance(TimeSpan.FromHours(1));
        var now = (await tracker.ChangeStatusAsync(created.Id, 2, "Hot", Alice)).Value!;
        Assert.Equal(Clock.GetUtcNow(), now.StatusChangedAt);
        var latest = (await HistoryAsync(tracker, created.Id))[0];
        Assert.Equal((Clock.GetUtcNow(), Clock.GetUtcNow()), (latest.OccurredAt, latest.EffectiveAt));
    }

    [Fact]
    public async Task EffectiveTime_InTheFuture_OrBeforeThePreviousEffectiveChange_IsRefused_NamingTheBound_AndWritesNothing()
    {
        var tracker = await NewTrackerAsync();
        var created = await CreateAsync(tracker, "Bounded", "Cold");
        var createdAt = Clock.GetUtcNow();
        Clock.Advance(TimeSpan.FromDays(10));
        var now = Clock.GetUtcNow();

        var future = Assert.IsType<EffectiveTimeOutOfRangeError>((await tracker.ChangeStatusAsync(created.Id, 1, "Active", now.AddTicks(10), Alice)).Error);
        Assert.Equal((created.Id, now.AddTicks(10), (DateTimeOffset?)null, now), (future.Id, future.EffectiveAt, future.NotBefore, future.NotAfter));
        Assert.Equal("effective_time_out_of_range", future.Code);
        Assert.Contains("in the future", future.Message, StringComparison.Ordinal);

        var beforeCreation = Assert.IsType<EffectiveTimeOutOfRangeError>((await tracker.ChangeStatusAsync(created.Id, 1, "Active", createdAt.AddDays(-1), Alice)).Error);
        Assert.Equal(createdAt, beforeCreation.NotBefore);
        Assert.True(created.SameAs((await tracker.GetAsync(created.Id)).Value), "nothing written");
        Assert.Single(await HistoryAsync(tracker, created.Id));

        // The bound moves with each change: not before the previous effective change, which may be itself backdated; equal is allowed.
        var tuesday = createdAt.AddDays(3);
        Assert.True((await tracker.ChangeStatusAsync(created.Id, 1, "Active", tuesday, Alice)).IsSuccess);
        var earlier = Assert.IsType<EffectiveTimeOutOfRangeError>((await tracker.ChangeStatusAsync(created.Id, 2, "Hot", tuesday.AddTicks(-10), Alice)).Error);
        Assert.Equal((tuesday, now), (earlier.NotBefore!.Value, earlier.NotAfter));
        Assert.Contains("before its previous effective change", earlier.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await HistoryAsync(tracker, created.Id)).Count);
        Assert.Equal(tuesday, (await tracker.ChangeStatusAsync(created.Id, 2, "Hot", tuesday, Alice)).Value!.StatusChangedAt);

        // An edit of the fields is not a status change: it does not move the bound.
        var hot = (await tracker.GetAsync(created.Id)).Value!;
        Clock.Advance(TimeSpan.FromHours(1));
        var edited = (await tracker.UpdateAsync(hot.Id, hot.Version, TargetUpdate.From(hot) with { Description = "edited" }, Alice)).Value!;
        Assert.True((await tracker.ChangeStatusAsync(created.Id, edited.Version, "Closed", tuesday.AddDays(1), Alice)).IsSuccess);
    }

    [Fact]
    public async Task EffectiveTime_IsKeptInUtc_ToTheMicrosecond()
    {
        var tracker = await NewTrackerAsync();
        var created = await CreateAsync(tracker, "Precise", "Cold");
        Clock.Advance(TimeSpan.FromDays(1));
        var given = new DateTimeOffset(Clock.GetUtcNow().AddHours(-5).UtcTicks + 7, TimeSpan.Zero).ToOffset(TimeSpan.FromHours(2));

        var moved = (await tracker.ChangeStatusAsync(created.Id, 1, "Active", given, Alice)).Value!;
        var expected = new DateTimeOffset(given.UtcTicks - 7, TimeSpan.Zero);
        Assert.Equal(expected, moved.StatusChangedAt);
        Assert.Equal(TimeSpan.Zero, moved.StatusChangedAt!.Value.Offset);
        var read = (await tracker.GetAsync(created.Id)).Value!;
        Assert.True(moved.SameAs(read), $"{moved} != {read}");
        Assert.Equal(expected.UtcTicks, (await HistoryAsync(tracker, created.Id))[0].EffectiveAt.UtcTicks);
    }

    [Fact]
    public async Task EffectiveTime_InBulk_EachItemCarriesItsOwn_AnEarlierItemIsTheBound_AndRefusalsArePerItem()
    {
        var tracker = await NewTrackerAsync();
        var created = await tracker.CreateManyAsync([new NewTarget("A", Status: "Cold"), new NewTarget("B", Status: "Cold"), new NewTarget("C", Status: "Cold")], audit: Alice);
        var t = created.Items.Select(i => i.Target!).ToArray();
        var createdAt = Clock.GetUtcNow();
        Clock.Advance(TimeSpan.FromDays(10));

        // All or nothing: one item before its bound rolls the unit back, and its error names the bound.
        var rolledBack = await tracker.BeginBulk()
            .ChangeStatus(t[0].Id, 1, "Active", createdAt.AddDays(1))
            .ChangeStatus(t[1].Id, 1, "Active", createdAt.AddDays(-1))
            .CommitAsync(BulkMode.AllOrNothing, Alice);
        Assert.Equal([BulkItemState.RolledBack, BulkItemState.Failed], rolledBack.Items.Select(i => i.State));
        Assert.Equal(createdAt, Assert.IsType<EffectiveTimeOutOfRangeError>(rolledBack.Items[1].Error).NotBefore);
        Assert.All(await Task.WhenAll(t.Select(async x => (await tracker.GetAsync(x.Id)).Value!)), x => Assert.Equal(1, x.Version));
        Assert.Single(await HistoryAsync(tracker, t[0].Id));

        var result = await tracker.BeginBulk()
            .ChangeStatus(t[0].Id, 1, "Active", createdAt.AddDays(1))
            .ChangeStatus(t[1].Id, 1, "Active", createdAt.AddDays(2))
            .ChangeStatus(t[1].Id, 2, "Hot", createdAt.AddDays(1))
            .ChangeStatus(t[2].Id, 1, "Active", Clock.GetUtcNow().AddDays(1))
            .ChangeStatus(t[2].Id, 1, "Hot")
            .CommitAsync(BulkMode.Partial, Alice);
        Assert.Equal(
            [BulkItemState.Applied, BulkItemState.Applied, BulkItemState.Failed, BulkItemState.Failed, BulkItemState.Applied],
            result.Items.Select(i => i.State));
        Assert.Equal(createdAt.AddDays(2), Assert.IsType<EffectiveTimeOutOfRangeError>(result.Items[2].Error).NotBefore);
        Assert.Null(Assert.IsType<EffectiveTimeOutOfRangeError>(result.Items[3].Error).NotBefore);

        var read = await Task.WhenAll(t.Select(async x => (await tracker.GetAsync(x.Id)).Value!));
        Assert.Equal([("Active", createdAt.AddDays(1)), ("Active", createdAt.AddDays(2)), ("Hot", Clock.GetUtcNow())], read.Select(x => (x.Status!, x.StatusChangedAt!.Value)));
        for (var i = 0; i < 3; i++)
        {
            Assert.True(result.Items.Last(o => o.TargetId == t[i].Id && o.Target is not null).Target!.SameAs(read[i]), $"item {i} as answered");
            var entry = (await HistoryAsync(tracker, t[i].Id))[0];
            Assert.Equal((Clock.GetUtcNow(), read[i].StatusChangedAt!.Value), (entry.OccurredAt, entry.EffectiveAt));
        }
    }

    [Fact]
    public async Task EffectiveTime_InATrackedOperation_MovesEachTargetEffectiveThen_AndFailsThoseWithALaterChange_ByCode()
    {
        var tracker = await NewTrackerAsync();
        var early = await CreateAsync(tracker, "Early", "Cold");
        var createdAt = Clock.GetUtcNow();
        Clock.Advance(TimeSpan.FromDays(5));
        var late = await CreateAsync(tracker, "Late", "Cold");
        Clock.Advance(TimeSpan.FromDays(5));
        var operations = new TargetOperations(tracker);
        var monday = createdAt.AddDays(2);

        var future = await operations.StartAsync(new StartOperationRequest("tomorrow", "Active", OperationSelection.ForIds([early.Id])) { EffectiveAt = Clock.GetUtcNow().AddDays(1) }, Alice);
        Assert.Equal("effectiveAt", Assert.Single(Assert.IsType<InvalidInputError>(future.Error).Errors).Field);

        var started = (await operations.StartAsync(new StartOperationRequest("monday", "Active", OperationSelection.ForIds([early.Id, late.Id])) { EffectiveAt = monday }, Alice)).Value!;
        Assert.Equal(monday, started.EffectiveAt);
        Assert.Equal(monday, (await operations.GetAsync("monday")).Value!.EffectiveAt);
        var done = (await operations.RunAsync("monday")).Value!;
        Assert.Equal((2L, 1L), (done.Processed, done.Failed));
        var failure = Assert.Single(await operations.GetFailuresAsync("monday"));
        Assert.Equal((late.Id, "effective_time_out_of_range"), (failure.TargetId, failure.Code));

        var moved = (await tracker.GetAsync(early.Id)).Value!;
        Assert.Equal(("Active", monday), (moved.Status, moved.StatusChangedAt!.Value));
        var entry = (await HistoryAsync(tracker, early.Id))[0];
        Assert.Equal((Clock.GetUtcNow(), monday, "monday"), (entry.OccurredAt, entry.EffectiveAt, entry.OperationId));
        Assert.Equal("Cold", (await tracker.GetAsync(late.Id)).Value!.Status);
    }
}
