using TargetTracking;

namespace TargetTracking.Conformance;

public abstract partial class TargetRepositoryConformance<TFixture>
{
    [Fact]
    public async Task ReturnedValues_WrittenThroughByACaller_DoNotChangeStoredData()
    {
        var tracker = await NewTrackerAsync();
        var created = await CreateAsync(tracker, "Acme", "Cold", "EU", "US");
        ReadOnlyAssert.CannotWriteThrough(created.Markets, "created target's markets");

        var read = (await tracker.GetAsync(created.Id)).Value!;
        ReadOnlyAssert.CannotWriteThrough(read.Markets, "read target's markets");
        var page = await tracker.QueryAsync();
        ReadOnlyAssert.CannotWriteThrough(page.Items, "query page");
        ReadOnlyAssert.CannotWriteThrough(page.Items[0].Markets, "queried target's markets");

        var updated = (await tracker.UpdateAsync(created.Id, 1, TargetUpdate.From(created) with { Markets = ["APAC"] })).Value!;
        ReadOnlyAssert.CannotWriteThrough(updated.Markets, "updated target's markets");
        var conflict = Assert.IsType<VersionConflictError>((await tracker.ChangeStatusAsync(created.Id, 1, "Hot")).Error);
        ReadOnlyAssert.CannotWriteThrough(conflict.Current.Markets, "conflict's current markets");
        var refused = Assert.IsType<TransitionNotAllowedError>((await tracker.ChangeStatusAsync(created.Id, 2, "Closed")).Error);
        ReadOnlyAssert.CannotWriteThrough(refused.AllowedNext, "AllowedNext");
        ReadOnlyAssert.CannotWriteThrough(Assert.IsType<UnknownStatusError>((await tracker.ChangeStatusAsync(created.Id, 2, "Tepid")).Error).KnownStatuses, "KnownStatuses");
        ReadOnlyAssert.CannotWriteThrough(Assert.IsType<InvalidInputError>((await tracker.CreateAsync(new NewTarget(" "))).Error).Errors, "InvalidInputError.Errors");
        ReadOnlyAssert.CannotWriteThrough(tracker.Pipeline.Statuses, "Pipeline.Statuses");
        ReadOnlyAssert.CannotWriteThrough(tracker.Pipeline.NextStatuses("Cold"), "Pipeline.NextStatuses");

        var bulk = tracker.BeginBulk();
        bulk.ChangeStatus(created.Id, 2, "Active");
        bulk.Create(new NewTarget("Beta", Markets: ["US"]));
        var result = await bulk.CommitAsync();
        ReadOnlyAssert.CannotWriteThrough(result.Items, "bulk result items");
        ReadOnlyAssert.CannotWriteThrough(result.Items[1].Target!.Markets, "bulk-created target's markets");
        ReadOnlyAssert.CannotWriteThrough(await tracker.GetHistoryAsync(created.Id), "history");
        ReadOnlyAssert.CannotWriteThrough(await tracker.GetHistoryFeedAsync(new HistoryFeedRequest(DateTimeOffset.MinValue)), "history feed");
        ReadOnlyAssert.CannotWriteThrough(await tracker.CountByStatusAsync(), "status counts");
        ReadOnlyAssert.CannotWriteThrough(await tracker.FindUnconfiguredStatusesAsync(), "unconfigured statuses");

        // What the store keeps is what was written, whatever a caller did with what it got back.
        var stored = (await tracker.GetAsync(created.Id)).Value!;
        Assert.Equal(["APAC"], stored.Markets);
        Assert.Equal(("Active", 3L), (stored.Status, stored.Version));
        Assert.Equal(3, (await HistoryAsync(tracker, created.Id)).Count);
        Assert.Equal(1, (await tracker.QueryAsync(new TargetQuery { Market = "APAC" })).TotalCount);
        Assert.False(tracker.Pipeline.CanMove("Cold", "Closed"));
    }

    [Theory]
    [InlineData(PipelineOptions.NotSet)]
    [InlineData("Not Set")]
    [InlineData("not set")]
    [InlineData("NOTSET")]
    public async Task NotSet_InEverySpelling_IsAcceptedAlike_ByChangesQueriesAndBulk(string notSet)
    {
        var tracker = await NewTrackerAsync(o => o.Pipeline.Permit("Cold", PipelineOptions.NotSet));
        var unset = await CreateAsync(tracker, "Unset", notSet);
        Assert.Null(unset.Status);
        var cold = await CreateAsync(tracker, "Cold one", "Cold");

        var moved = await tracker.ChangeStatusAsync(cold.Id, 1, notSet);
        Assert.True(moved.IsSuccess, moved.ToString());
        Assert.Null(moved.Value.Status);
        Assert.Null(Assert.IsType<HistoryEntry>((await HistoryAsync(tracker, cold.Id))[0]).NewStatus);
        Assert.Equal(StatusStateMachine.Display(null), StatusStateMachine.Display(moved.Value.Status));

        Assert.Equal(2, (await tracker.QueryAsync(new TargetQuery { Statuses = [notSet] })).TotalCount);
        Assert.Equal(2, (await tracker.QueryAsync(new TargetQuery { Statuses = [null, notSet] })).TotalCount);

        // A move to the current status in another spelling of Not Set is a no-op.
        var same = await tracker.ChangeStatusAsync(unset.Id, 1, notSet);
        Assert.True(same.IsSuccess);
        Assert.Equal(1, same.Value.Version);
        var bulk = tracker.BeginBulk();
        bulk.ChangeStatus(unset.Id, 1, "Cold");
        bulk.ChangeStatus(unset.Id, 2, notSet);
        Assert.True((await bulk.CommitAsync()).Succeeded);
        Assert.Null((await tracker.GetAsync(unset.Id)).Value!.Status);
    }
}
