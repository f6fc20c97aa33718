using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>
/// A status that requires fields (issue 25: Hot requires an amount and an owner): refused with a typed error naming each
/// missing field on single changes, creates, bulk units of work (per item) and tracked operations alike, with nothing written.
/// </summary>
public abstract partial class TargetRepositoryConformance<TFixture>
{
    private static void HotNeedsAmountAndOwner(TargetTrackingOptions options) => options.Pipeline.Require("Hot", TargetField.Amount, TargetField.Owner);

    [Fact]
    public async Task RequiredFields_RefuseASingleMoveAndACreate_NamingWhatIsMissing_AndWriteNothing()
    {
        var tracker = await NewTrackerAsync(HotNeedsAmountAndOwner);
        var cold = (await tracker.CreateAsync(new NewTarget("Cold one", Status: "Cold", OwnerId: "anna"), Alice)).Value!;

        var refused = Assert.IsType<RequiredFieldsMissingError>((await tracker.ChangeStatusAsync(cold.Id, 1, "hot", Alice)).Error);
        Assert.Equal((cold.Id, "Hot"), (refused.Id, refused.Status));
        Assert.Equal([TargetField.Amount], refused.Missing);
        Assert.Contains("cannot enter Hot without amount", refused.Message, StringComparison.Ordinal);
        Assert.True(cold.SameAs((await tracker.GetAsync(cold.Id)).Value), "nothing written");
        Assert.Single(await HistoryAsync(tracker, cold.Id));

        var created = Assert.IsType<RequiredFieldsMissingError>((await tracker.CreateAsync(new NewTarget("Straight to Hot", Status: "Hot"), Alice)).Error);
        Assert.Equal([TargetField.Amount, TargetField.Owner], created.Missing);
        Assert.Equal(1, (await tracker.QueryAsync()).TotalCount);

        // With the fields set, the same move goes through; moves elsewhere never needed them.
        var priced = (await tracker.UpdateAsync(cold.Id, 1, TargetUpdate.From(cold) with { Amount = new Money(5000m, "EUR") }, Alice)).Value!;
        Assert.Equal("Hot", (await tracker.ChangeStatusAsync(cold.Id, priced.Version, "Hot", Alice)).Value!.Status);
        Assert.True((await tracker.CreateAsync(new NewTarget("Active one", Status: "Active"), Alice)).IsSuccess);
    }

    [Fact]
    public async Task RequiredFields_InBulk_FailOnlyTheItemsMissingThem_AndAFieldSetEarlierInTheUnitCounts()
    {
        var tracker = await NewTrackerAsync(HotNeedsAmountAndOwner);
        var created = await tracker.CreateManyAsync(
            [
                new NewTarget("Ready", Status: "Cold", Amount: new Money(1m, "EUR"), OwnerId: "anna"),
                new NewTarget("No owner", Status: "Cold", Amount: new Money(1m, "EUR")),
                new NewTarget("Bare", Status: "Cold"),
                new NewTarget("Set in the unit", Status: "Cold"),
            ],
            audit: Alice);
        Assert.True(created.Succeeded);
        var t = created.Items.Select(i => i.Target!).ToArray();

        var allOrNothing = tracker.BeginBulk().ChangeStatus(t[0].Id, 1, "Hot").ChangeStatus(t[1].Id, 1, "Hot");
        var rolledBack = await allOrNothing.CommitAsync(BulkMode.AllOrNothing, Alice);
        Assert.Equal([BulkItemState.RolledBack, BulkItemState.Failed], rolledBack.Items.Select(i => i.State));
        Assert.Equal("Cold", (await tracker.GetAsync(t[0].Id)).Value!.Status);

        var bulk = tracker.BeginBulk()
            .ChangeStatus(t[0].Id, 1, "Hot")
            .ChangeStatus(t[1].Id, 1, "Hot")
            .ChangeStatus(t[2].Id, 1, "Hot")
            .Update(t[3].Id, 1, TargetUpdate.From(t[3]) with { Amount = new Money(9m, "USD"), OwnerId = "bob" })
            .ChangeStatus(t[3].Id, 2, "Hot");
        var result = await bulk.CommitAsync(BulkMode.Partial, Alice);
        Assert.Equal(
            [BulkItemState.Applied, BulkItemState.Failed, BulkItemState.Failed, BulkItemState.Applied, BulkItemState.Applied],
            result.Items.Select(i => i.State));
        Assert.Equal([TargetField.Owner], Assert.IsType<RequiredFieldsMissingError>(result.Items[1].Error).Missing);
        Assert.Equal([TargetField.Amount, TargetField.Owner], Assert.IsType<RequiredFieldsMissingError>(result.Items[2].Error).Missing);
        Assert.Equal(["Hot", "Cold", "Cold", "Hot"], await Task.WhenAll(t.Select(async x => (await tracker.GetAsync(x.Id)).Value!.Status!)));
        Assert.Single(await HistoryAsync(tracker, t[1].Id));
    }

    [Fact]
    public async Task RequiredFields_InATrackedOperation_FailTheItemsMissingThem_ByCode()
    {
        var tracker = await NewTrackerAsync(HotNeedsAmountAndOwner);
        var ready = (await tracker.CreateAsync(new NewTarget("Ready", Status: "Cold", Amount: new Money(1m, "EUR"), OwnerId: "anna"), Alice)).Value!;
        var bare = (await tracker.CreateAsync(new NewTarget("Bare", Status: "Cold"), Alice)).Value!;
        var operations = new TargetOperations(tracker);

        Assert.True((await operations.StartAsync(new StartOperationRequest("to-hot", "Hot", OperationSelection.ForIds([ready.Id, bare.Id])), Alice)).IsSuccess);
        var done = (await operations.RunAsync("to-hot")).Value!;
        Assert.Equal((2L, 1L), (done.Processed, done.Failed));
        var failure = Assert.Single(await operations.GetFailuresAsync("to-hot"));
        Assert.Equal((bare.Id, "required_fields_missing"), (failure.TargetId, failure.Code));
        Assert.Contains("amount, owner", failure.Message, StringComparison.Ordinal);
        Assert.Equal(("Hot", "Cold"), ((await tracker.GetAsync(ready.Id)).Value!.Status, (await tracker.GetAsync(bare.Id)).Value!.Status));
    }
}
