namespace TargetTracking.Conformance;

/// <summary>
/// The set-based statements of a bulk commit: markets of many rows travel flat and are grouped back per row,
/// and status-only changes are written with their own narrow statement in the same batch as field updates.
/// </summary>
/// <typeparam name="TFixture">The dialect's fixture.</typeparam>
public abstract class SetBasedWriteConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, ILinq2DbStoreFixture
{
    private static IReadOnlyList<string> MarketsOf(int i) => [.. Enumerable.Range(0, i % 5).Select(m => $"Market {(i + m) % 11}")];

    [Fact]
    public async Task CreateMany_OfThousandsOfTargets_KeepsEveryTargetsMarketsInOrder_IncludingNone()
    {
        var tracker = TestTracker.For((await fixture.CreateLinq2DbStoreAsync()).Store);

        var created = await tracker.CreateManyAsync(Enumerable.Range(0, 3000).Select(i => new NewTarget($"T{i}", Markets: MarketsOf(i))));

        Assert.True(created.Succeeded);
        foreach (var (item, i) in created.Items.Select((item, i) => (item, i)))
        {
            var read = (await tracker.GetAsync(item.TargetId)).Value!;
            Assert.Equal(MarketsOf(i), read.Markets);
            Assert.True(item.Target!.SameAs(read));
        }
    }

    [Fact]
    public async Task BulkCommit_MixingStatusChangesAndFieldUpdates_StoresEveryTargetAsReturned()
    {
        var tracker = TestTracker.For((await fixture.CreateLinq2DbStoreAsync()).Store);
        var created = await tracker.CreateManyAsync(Enumerable.Range(0, 400).Select(i => new NewTarget($"T{i}", $"d{i}", MarketsOf(i), "Cold")));
        var targets = created.Items.Select(i => i.Target!).ToArray();

        var bulk = tracker.BeginBulk();
        for (var i = 0; i < targets.Length; i++)
        {
            var t = targets[i];
            _ = (i % 4) switch
            {
                0 => bulk.ChangeStatus(t.Id, 1, "Active"),
                1 => bulk.Update(t.Id, 1, TargetUpdate.From(t) with { Markets = MarketsOf(i + 1) }),
                2 => bulk.Update(t.Id, 1, TargetUpdate.From(t) with { Name = $"Renamed {i}", Description = null }),

                // A status change and then a field update of the same target: one full write of the last state.
                _ => bulk.ChangeStatus(t.Id, 1, "Hot").Update(t.Id, 2, TargetUpdate.From(t) with { Markets = [] }),
            };
        }

        var result = await bulk.CommitAsync();

        Assert.True(result.Succeeded);
        var last = result.Items.GroupBy(i => i.TargetId).Select(g => g.Last().Target!).ToList();
        Assert.Equal(targets.Length, last.Count);
        foreach (var expected in last)
        {
            var read = (await tracker.GetAsync(expected.Id)).Value!;
            Assert.True(expected.SameAs(read), $"{expected.Id}: stored {read.Status} v{read.Version} [{string.Join(",", read.Markets)}], returned {expected.Status} v{expected.Version} [{string.Join(",", expected.Markets)}]");
        }

        // The search columns follow the stored values.
        var page = await tracker.QueryAsync(new TargetQuery { Market = "Market 1", Take = 1000 });
        Assert.Equal(last.Count(t => t.Markets.Contains("Market 1")), page.TotalCount);
        var renamed = await tracker.QueryAsync(new TargetQuery { NameContains = "renamed", Take = 1000 });
        Assert.Equal(100, renamed.TotalCount);
    }
}
