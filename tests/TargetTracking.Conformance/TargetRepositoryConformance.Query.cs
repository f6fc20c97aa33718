using TargetTracking;

namespace TargetTracking.Conformance;

public abstract partial class TargetRepositoryConformance<TFixture>
{
    private async Task<(TargetTracker Tracker, Dictionary<string, Target> ByName)> SeedQueryDataAsync()
    {
        var tracker = await NewTrackerAsync();
        var byName = new Dictionary<string, Target>();
        (string Name, string? Status, string[] Markets)[] seed =
        [
            ("alpha Industries", "Active", ["EU", "US"]),
            ("Beta GmbH", "Hot", ["eu"]),
            ("Été Café", null, ["APAC"]),
            ("zeta 🚀 labs", "Active", []),
            ("Zulu", "Closed", ["US"]),
            ("ALPHABET", null, ["Nordics", "EU"]),
            ("\uE000 private use", "Cold", []),
        ];
        foreach (var (name, status, markets) in seed)
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            var created = await tracker.CreateAsync(new NewTarget(name, null, markets, status is "Closed" ? "Hot" : status));
            Assert.True(created.IsSuccess, created.ToString());
            var target = created.Value;
            if (status is "Closed")
            {
                target = (await tracker.ChangeStatusAsync(target.Id, 1, "Closed")).Value!;
            }

            byName[name] = target;
        }

        return (tracker, byName);
    }

    private static async Task<List<string>> NamesAsync(TargetTracker tracker, TargetQuery query) =>
        [.. (await tracker.QueryAsync(query)).Items.Select(t => t.Name)];

    [Fact]
    public async Task Query_ByStatus_IncludingNotSet()
    {
        var (tracker, _) = await SeedQueryDataAsync();
        Assert.Equal(["alpha Industries", "zeta 🚀 labs"], await NamesAsync(tracker, new TargetQuery { Statuses = ["active"] }));
        Assert.Equal(["ALPHABET", "Été Café"], await NamesAsync(tracker, new TargetQuery { Statuses = [null] }));
        Assert.Equal(["ALPHABET", "Beta GmbH", "Zulu", "Été Café"], await NamesAsync(tracker, new TargetQuery { Statuses = [null, "Hot", "Closed"] }));
        Assert.Empty(await NamesAsync(tracker, new TargetQuery { Statuses = [] }));
        await Assert.ThrowsAsync<ArgumentException>(() => tracker.QueryAsync(new TargetQuery { Statuses = ["Lukewarm"] }));
    }

    [Fact]
    public async Task Query_ByMarket_IgnoresCase()
    {
        var (tracker, _) = await SeedQueryDataAsync();
        Assert.Equal(["ALPHABET", "Beta GmbH", "alpha Industries"], await NamesAsync(tracker, new TargetQuery { Market = "eu" }));
        Assert.Equal(["ALPHABET"], await NamesAsync(tracker, new TargetQuery { Market = " NORDICS " }));
        Assert.Empty(await NamesAsync(tracker, new TargetQuery { Market = "E" }));
    }

    [Fact]
    public async Task Query_ByNameText_IgnoresCase_AndCombinesFilters()
    {
        var (tracker, _) = await SeedQueryDataAsync();
        Assert.Equal(["ALPHABET", "alpha Industries"], await NamesAsync(tracker, new TargetQuery { NameContains = "ALPHA" }));
        Assert.Equal(["Été Café"], await NamesAsync(tracker, new TargetQuery { NameContains = "été" }));
        Assert.Equal(["zeta 🚀 labs"], await NamesAsync(tracker, new TargetQuery { NameContains = "🚀" }));
        Assert.Equal(["alpha Industries"], await NamesAsync(tracker, new TargetQuery { NameContains = "alpha", Market = "us", Statuses = ["Active"] }));
        Assert.Empty(await NamesAsync(tracker, new TargetQuery { NameContains = "%" }));
    }

    [Fact]
    public async Task Query_SortsByCodePoint_ByTimes_BothWays()
    {
        var (tracker, byName) = await SeedQueryDataAsync();
        string[] codePointOrder = ["ALPHABET", "Beta GmbH", "Zulu", "alpha Industries", "zeta 🚀 labs", "Été Café", "\uE000 private use"];
        Assert.Equal(codePointOrder, await NamesAsync(tracker, new TargetQuery()));
        Assert.Equal(codePointOrder.Reverse(), await NamesAsync(tracker, new TargetQuery { Descending = true }));
        var created = byName.Values.OrderBy(t => t.CreatedAt).Select(t => t.Name).ToList();
        Assert.Equal(created, await NamesAsync(tracker, new TargetQuery { SortBy = TargetSort.CreatedAt }));
        var updated = byName.Values.OrderByDescending(t => t.UpdatedAt).ThenByDescending(t => t.Id).Select(t => t.Name).ToList();
        Assert.Equal(updated, await NamesAsync(tracker, new TargetQuery { SortBy = TargetSort.UpdatedAt, Descending = true }));
    }

    [Fact]
    public async Task Query_Pages_WithTotalCount_AndStableTies()
    {
        var tracker = await NewTrackerAsync();
        var bulk = tracker.BeginBulk();
        var ids = Enumerable.Range(0, 25).Select(_ => bulk.Create(new NewTarget("Same name", null, ["EU"]))).ToList();
        Assert.True((await bulk.CommitAsync()).Succeeded);

        var seen = new List<TargetId>();
        for (var skip = 0; skip < 30; skip += 10)
        {
            var page = await tracker.QueryAsync(new TargetQuery { Market = "EU", Skip = skip, Take = 10 });
            Assert.Equal(25, page.TotalCount);
            seen.AddRange(page.Items.Select(t => t.Id));
        }

        Assert.Equal(ids.Order(), seen);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => tracker.QueryAsync(new TargetQuery { Take = TargetQuery.MaxTake + 1 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => tracker.QueryAsync(new TargetQuery { Skip = -1 }));
    }
}
