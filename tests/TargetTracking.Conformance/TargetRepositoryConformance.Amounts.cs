using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>A target's amount and owner (issue 25): set on create, update and in bulk, audited, filtered and sorted alike on every store.</summary>
public abstract partial class TargetRepositoryConformance<TFixture>
{
    public static TheoryData<string> ExactAmounts() =>
    [
        "0", "0.01", "0.0001", "1", "19.99", "1234.5678", "123456789012.34", "99999999999999.9999", "922337203685477.5807",
    ];

    [Theory]
    [MemberData(nameof(ExactAmounts))]
    public async Task Amount_RoundTripsExactly_OnCreateReadQueryAndHistory(string text)
    {
        var amount = decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        var tracker = await NewTrackerAsync();
        var created = (await tracker.CreateAsync(new NewTarget("Deal", Amount: new Money(amount, "eur"), OwnerId: "u-42"), Alice)).Value!;
        var read = (await tracker.GetAsync(created.Id)).Value!;
        Assert.True(created.SameAs(read), $"{created} != {read}");
        Assert.Equal(new Money(amount, "EUR"), read.Amount);

        // The same decimal to the last digit, and the same text: no trailing zeros are added by a store.
        Assert.Equal(text, read.Amount!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("u-42", read.OwnerId);
        Assert.Equal(read.Amount, Assert.Single((await tracker.QueryAsync(new TargetQuery { AmountAtLeast = amount, AmountAtMost = amount })).Items).Amount);
        var entry = Assert.Single(await HistoryAsync(tracker, created.Id));
        Assert.Equal((null, new Money(amount, "EUR"), null, "u-42"), (entry.OldAmount, entry.NewAmount, entry.OldOwnerId, entry.NewOwnerId));
    }

    [Fact]
    public async Task Amount_ThatIsNotStorableExactly_IsRefused_AndNothingIsWritten()
    {
        var tracker = await NewTrackerAsync();
        var refused = await tracker.CreateAsync(new NewTarget("Deal", Amount: new Money(0.00001m, "EURO"), OwnerId: " "), Alice);
        var invalid = Assert.IsType<InvalidInputError>(refused.Error);
        Assert.Equal(["amount", "amount.currency", "ownerId"], invalid.Errors.Select(e => e.Field));
        Assert.IsType<InvalidInputError>((await tracker.CreateAsync(new NewTarget("Deal", Amount: new Money(-1m, "EUR")))).Error);
        Assert.IsType<InvalidInputError>((await tracker.CreateAsync(new NewTarget("Deal", Amount: new Money(Money.MaxValue + 0.0001m, "EUR")))).Error);
        Assert.Equal(0, (await tracker.QueryAsync()).TotalCount);
    }

    [Fact]
    public async Task Update_SetsAndClearsAmountAndOwner_AuditedBeforeAndAfter()
    {
        var tracker = await NewTrackerAsync();
        var target = await CreateAsync(tracker, "Deal", "Cold");
        var set = (await tracker.UpdateAsync(target.Id, 1, TargetUpdate.From(target) with { Amount = new Money(1500.50m, "USD"), OwnerId = "anna" }, Alice)).Value!;
        Assert.Equal((new Money(1500.5m, "USD"), "anna", 2L), (set.Amount, set.OwnerId, set.Version));

        // A status change keeps them.
        var moved = (await tracker.ChangeStatusAsync(set.Id, 2, "Hot", Alice)).Value!;
        Assert.Equal((new Money(1500.5m, "USD"), "anna"), (moved.Amount, moved.OwnerId));
        Assert.True(moved.SameAs((await tracker.GetAsync(set.Id)).Value), "the status change's answer is the stored row");

        // The same values again: unchanged, no entry.
        var same = await tracker.UpdateAsync(set.Id, 3, TargetUpdate.From(moved), Alice);
        Assert.Equal(3, same.Value!.Version);

        var cleared = (await tracker.UpdateAsync(set.Id, 3, TargetUpdate.From(moved) with { Amount = null, OwnerId = "bob" }, Alice)).Value!;
        Assert.Equal((null, "bob", 4L), (cleared.Amount, cleared.OwnerId, cleared.Version));
        Assert.True(cleared.SameAs((await tracker.GetAsync(set.Id)).Value));

        var history = await HistoryAsync(tracker, target.Id);
        Assert.Equal([4L, 3L, 2L, 1L], history.Select(h => h.Version));
        (HistoryAction, Money?, Money?, string?, string?)[] audited =
        [
            (HistoryAction.Updated, new Money(1500.5m, "USD"), null, "anna", "bob"),
            (HistoryAction.StatusChanged, null, null, null, null),
            (HistoryAction.Updated, null, new Money(1500.5m, "USD"), null, "anna"),
            (HistoryAction.Created, null, null, null, null),
        ];
        Assert.Equal(audited, history.Select(h => (h.Action, h.OldAmount, h.NewAmount, h.OldOwnerId, h.NewOwnerId)));
    }

    [Fact]
    public async Task Bulk_SetsAmountAndOwner_PerItem_AndRefusesABadOneByName()
    {
        var tracker = await NewTrackerAsync();
        var created = await tracker.CreateManyAsync(
            [
                new NewTarget("A", Status: "Cold", Amount: new Money(10m, "EUR"), OwnerId: "anna"),
                new NewTarget("B", Status: "Cold"),
                new NewTarget("C", Status: "Hot", Amount: new Money(0.5m, "JPY")),
            ],
            audit: Alice);
        Assert.True(created.Succeeded);
        var (a, b, c) = (created.Items[0].Target!, created.Items[1].Target!, created.Items[2].Target!);

        var bulk = tracker.BeginBulk()
            .Update(a.Id, 1, TargetUpdate.From(a) with { Amount = new Money(20m, "EUR") })
            .Update(b.Id, 1, TargetUpdate.From(b) with { OwnerId = "bob", Amount = new Money(7.25m, "usd") })
            .Update(c.Id, 1, TargetUpdate.From(c) with { Amount = new Money(1.23456m, "JPY") });
        var partial = await bulk.CommitAsync(BulkMode.Partial, Alice);
        Assert.Equal([BulkItemState.Applied, BulkItemState.Applied, BulkItemState.Failed], partial.Items.Select(i => i.State));
        Assert.Equal("amount", Assert.Single(Assert.IsType<InvalidInputError>(partial.Items[2].Error).Errors).Field);
        Assert.Equal(new Money(20m, "EUR"), (await tracker.GetAsync(a.Id)).Value!.Amount);
        Assert.Equal((new Money(7.25m, "USD"), "bob"), ((await tracker.GetAsync(b.Id)).Value!.Amount, (await tracker.GetAsync(b.Id)).Value!.OwnerId));
        Assert.Equal(1, (await tracker.GetAsync(c.Id)).Value!.Version);
    }

    [Fact]
    public async Task Query_FiltersByOwnerCurrencyAndAmount_AndSortsByAmount()
    {
        var tracker = await NewTrackerAsync();
        var created = await tracker.CreateManyAsync(
            [
                new NewTarget("A", Amount: new Money(100m, "EUR"), OwnerId: "anna"),
                new NewTarget("B", Amount: new Money(0.01m, "EUR"), OwnerId: "bob"),
                new NewTarget("C"),
                new NewTarget("D", Amount: new Money(250.0001m, "USD"), OwnerId: "anna"),
                new NewTarget("E", Amount: new Money(100.5m, "USD")),
            ],
            audit: Alice);
        Assert.True(created.Succeeded);

        async Task<string[]> Names(TargetQuery query) => [.. (await tracker.QueryAsync(query)).Items.Select(t => t.Name)];
        Assert.Equal(["A", "D"], await Names(new TargetQuery { OwnerId = "anna" }));
        Assert.Empty(await Names(new TargetQuery { OwnerId = "ANNA" }));
        Assert.Equal(["D", "E"], await Names(new TargetQuery { Currency = "usd" }));
        Assert.Equal(["A", "D", "E"], await Names(new TargetQuery { AmountAtLeast = 100m }));
        Assert.Equal(["A", "B", "E"], await Names(new TargetQuery { AmountAtMost = 250m }));
        Assert.Equal(["D"], await Names(new TargetQuery { AmountAtLeast = 250.00005m }));
        Assert.Equal(["A"], await Names(new TargetQuery { Currency = "EUR", AmountAtLeast = 1m, OwnerId = "anna" }));

        // Without an amount sorts lowest.
        Assert.Equal(["C", "B", "A", "E", "D"], await Names(new TargetQuery { SortBy = TargetSort.Amount }));
        Assert.Equal(["D", "E", "A", "B", "C"], await Names(new TargetQuery { SortBy = TargetSort.Amount, Descending = true }));
        await Assert.ThrowsAsync<ArgumentException>(() => tracker.QueryAsync(new TargetQuery { Currency = "EURO" }));
        await Assert.ThrowsAsync<ArgumentException>(() => tracker.QueryAsync(new TargetQuery { AmountAtLeast = -1m }));
    }
}
