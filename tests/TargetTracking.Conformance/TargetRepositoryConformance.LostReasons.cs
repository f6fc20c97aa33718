using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>
/// Lost reasons (issue 25): a move into a closed-lost status needs a reason code from the configured list, and optional free
/// text; the code is stored in the entry's reason, the text in its note. Refused with a typed error naming it on single changes,
/// bulk units of work (per item) and tracked operations alike, with nothing written.
/// </summary>
public abstract partial class TargetRepositoryConformance<TFixture>
{
    private static void LostNeedsAReason(TargetTrackingOptions options)
    {
        options.Pipeline.LostReasons.Add("Price");
        options.Pipeline.LostReasons.Add("Timing");
        options.Pipeline.LostReasons.Add("Competitor");
    }

    [Fact]
    public async Task LostReasons_RefuseAMoveIntoLostWithoutAKnownReason_AndWriteNothing_ThenRecordCodeAndNote()
    {
        var tracker = await NewTrackerAsync(LostNeedsAReason);
        var deal = (await tracker.CreateAsync(new NewTarget("Valves", Status: "Active"), Alice)).Value!;

        var missing = Assert.IsType<LostReasonError>((await tracker.ChangeStatusAsync(deal.Id, 1, "passed", Alice)).Error);
        Assert.Equal(("lost_reason_required", "Passed", (string?)null), (missing.Code, missing.Status, missing.Given));
        Assert.Equal(["Price", "Timing", "Competitor"], missing.Reasons);
        Assert.Contains("needs a lost reason, one of: Price, Timing, Competitor", missing.Message, StringComparison.Ordinal);

        var unknown = Assert.IsType<LostReasonError>((await tracker.ChangeStatusAsync(deal.Id, 1, "Passed", new LostReason("Budget"), Alice)).Error);
        Assert.Equal(("lost_reason_unknown", "Budget"), (unknown.Code, unknown.Given));

        var elsewhere = Assert.IsType<LostReasonError>((await tracker.ChangeStatusAsync(deal.Id, 1, "Hot", new LostReason("Price"), Alice)).Error);
        Assert.Equal("lost_reason_not_allowed", elsewhere.Code);

        var tooLong = Assert.IsType<InvalidInputError>((await tracker.ChangeStatusAsync(deal.Id, 1, "Passed", new LostReason("Price", new string('x', LostReason.MaxNoteLength + 1)), Alice)).Error);
        Assert.Equal("reason.note", Assert.Single(tooLong.Errors).Field);

        Assert.True(deal.SameAs((await tracker.GetAsync(deal.Id)).Value), "nothing written");
        Assert.Single(await HistoryAsync(tracker, deal.Id));

        // The code is matched ignoring case and stored as configured; the free text goes in the note. A reopening takes none.
        var lost = (await tracker.ChangeStatusAsync(deal.Id, 1, "Passed", new LostReason("competitor", "Anna chose Acme's offer"), Alice)).Value!;
        var reopened = (await tracker.ChangeStatusAsync(deal.Id, lost.Version, "Cold", Alice)).Value!;
        var history = await HistoryAsync(tracker, deal.Id);
        Assert.Equal(3, reopened.Version);
        Assert.Equal(("Competitor", "Anna chose Acme's offer"), (history[1].Reason, history[1].Note));
        Assert.Equal(((string?)null, (string?)null), (history[2].Reason, history[2].Note));
        Assert.Null(history[0].Reason);
    }

    [Fact]
    public async Task LostReasons_InBulk_FailOnlyTheItemsWithoutOne_AndStoreEachItemsReason()
    {
        var tracker = await NewTrackerAsync(LostNeedsAReason);
        var created = await tracker.CreateManyAsync([.. Enumerable.Range(0, 5).Select(i => new NewTarget($"Deal {i}", Status: "Active"))], audit: Alice);
        var t = created.Items.Select(i => i.Target!).ToArray();

        var rolledBack = await tracker.BeginBulk().ChangeStatus(t[0].Id, 1, "Passed", new LostReason("Price")).ChangeStatus(t[1].Id, 1, "Passed").CommitAsync(BulkMode.AllOrNothing, Alice);
        Assert.Equal([BulkItemState.RolledBack, BulkItemState.Failed], rolledBack.Items.Select(i => i.State));
        Assert.Equal("lost_reason_required", rolledBack.Items[1].Error!.Code);
        Assert.Equal("Active", (await tracker.GetAsync(t[0].Id)).Value!.Status);

        // Reasoned moves beside plain moves, a failing one, and an update that carries an amount: every history shape in one unit.
        var result = await tracker.BeginBulk()
            .ChangeStatus(t[0].Id, 1, "Passed", new LostReason("Price", "Too expensive"))
            .ChangeStatus(t[1].Id, 1, "Passed", new LostReason("Timing"))
            .ChangeStatus(t[2].Id, 1, "Passed", new LostReason("Weather"))
            .ChangeStatus(t[3].Id, 1, "Hot")
            .Update(t[4].Id, 1, TargetUpdate.From(t[4]) with { Amount = new Money(12.5m, "EUR") })
            .CommitAsync(BulkMode.Partial, Alice);
        Assert.Equal(
            [BulkItemState.Applied, BulkItemState.Applied, BulkItemState.Failed, BulkItemState.Applied, BulkItemState.Applied],
            result.Items.Select(i => i.State));
        Assert.Equal(("lost_reason_unknown", "Weather"), (result.Items[2].Error!.Code, ((LostReasonError)result.Items[2].Error!).Given));

        var entries = await Task.WhenAll(t.Select(async x => (await HistoryAsync(tracker, x.Id))[0]));
        Assert.Equal(["Price", "Timing", null, null, null], entries.Select(e => e.Reason));
        Assert.Equal(["Too expensive", null, null, null, null], entries.Select(e => e.Note));
        Assert.Equal(HistoryAction.Created, entries[2].Action);
        Assert.Equal(new Money(12.5m, "EUR"), entries[4].NewAmount);
    }

    [Fact]
    public async Task LostReasons_TrackedOperation_IsRefusedAtStartWithoutOne_AndRecordsItsReasonOnEveryEntry()
    {
        var tracker = await NewTrackerAsync(LostNeedsAReason);
        var a = (await tracker.CreateAsync(new NewTarget("A", Status: "Active"), Alice)).Value!;
        var b = (await tracker.CreateAsync(new NewTarget("B", Status: "Cold"), Alice)).Value!;
        var operations = new TargetOperations(tracker);
        var selection = OperationSelection.ForIds([a.Id, b.Id]);

        var refused = Assert.IsType<LostReasonError>((await operations.StartAsync(new StartOperationRequest("lose", "Passed", selection), Alice)).Error);
        Assert.Equal("lost_reason_required", refused.Code);
        Assert.IsType<OperationNotFoundError>((await operations.GetAsync("lose")).Error);

        var started = (await operations.StartAsync(new StartOperationRequest("lose", "Passed", selection) { Reason = new LostReason("timing", "Budget frozen until Q3") }, Alice)).Value!;
        Assert.Equal(new LostReason("Timing", "Budget frozen until Q3"), started.Reason);
        Assert.Equal(started.Reason, (await operations.GetAsync("lose")).Value!.Reason);
        var done = (await operations.RunAsync("lose")).Value!;
        Assert.Equal((2L, 0L), (done.Processed, done.Failed));
        foreach (var id in new[] { a.Id, b.Id })
        {
            var last = (await HistoryAsync(tracker, id))[0];
            Assert.Equal(("Passed", "Timing", "Budget frozen until Q3", "lose"), (last.NewStatus, last.Reason, last.Note, last.OperationId));
        }
    }

    [Fact]
    public async Task LostReasons_NotConfigured_NoMoveNeedsOne_AndNoneMayBeGiven()
    {
        var tracker = await NewTrackerAsync();
        var deal = (await tracker.CreateAsync(new NewTarget("Valves", Status: "Active"), Alice)).Value!;

        Assert.Equal("lost_reason_not_allowed", (await tracker.ChangeStatusAsync(deal.Id, 1, "Passed", new LostReason("Price"), Alice)).Error!.Code);
        var lost = (await tracker.ChangeStatusAsync(deal.Id, 1, "Passed", Alice)).Value!;
        Assert.Equal(2, lost.Version);
        Assert.Null((await HistoryAsync(tracker, deal.Id))[0].Reason);
    }
}
