using System.Collections.Concurrent;

namespace TargetTracking.Conformance;

/// <summary>
/// Many host instances (each its own connection pool and store) writing the same targets of one database: exactly one
/// of the writers that read the same version applies, the others get a conflict, and no change or history entry is lost.
/// </summary>
/// <typeparam name="TFixture">The dialect's fixture.</typeparam>
public abstract class ConcurrencyConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, ILinq2DbDatabaseFixture
{
    private const int Writers = 8;

    private async Task<TargetTracker[]> HostsAsync()
    {
        var database = await fixture.CreateEmptyDatabaseAsync();
        var trackers = new TargetTracker[Writers];
        for (var i = 0; i < Writers; i++)
        {
            var store = database.CreateStore(ownConnections: true);
            await store.MigrateAsync();
            trackers[i] = TestTracker.For(store, clock: TimeProvider.System);
        }

        return trackers;
    }

    private static async Task AssertNoHistoryGapAsync(TargetTracker tracker, Target target)
    {
        var history = await tracker.GetHistoryAsync(target.Id, new HistoryPageRequest(Limit: 1000));
        Assert.Equal(Enumerable.Range(1, (int)target.Version).Select(v => (long)v).Reverse(), history.Select(h => h.Version));
        Assert.Equal(target.Status, history[0].NewStatus);
    }

    [Fact]
    public async Task EightWriters_WithTheSameExpectedVersion_ExactlyOneApplies_EveryOtherGetsAConflict()
    {
        var hosts = await HostsAsync();
        var target = (await hosts[0].CreateAsync(new NewTarget("Contested", Status: "Cold"))).Value!;
        string[] cycle = ["Active", "Hot", "Cold"];

        for (var round = 0; round < 10; round++)
        {
            // Every writer read the same version; they all write at once.
            var read = (await hosts[round % Writers].GetAsync(target.Id)).Value!;

            // Always a real move: a move to the current status is a no-op success for every writer that makes it.
            var next = cycle[(Array.IndexOf(cycle, read.Status) + 1) % cycle.Length];
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var writes = hosts.Select((host, w) => Task.Run(async () =>
            {
                await go.Task;
                return w % 2 == 0
                    ? await host.ChangeStatusAsync(read.Id, read.Version, next)
                    : await host.UpdateAsync(read.Id, read.Version, TargetUpdate.From(read) with { Description = $"writer {w}, round {round}" });
            })).ToArray();
            go.SetResult();
            var results = await Task.WhenAll(writes);

            var applied = Assert.Single(results, r => r.IsSuccess);
            var conflicts = results.Where(r => !r.IsSuccess).Select(r => Assert.IsType<VersionConflictError>(r.Error)).ToList();
            Assert.Equal(Writers - 1, conflicts.Count);
            Assert.All(conflicts, c => Assert.True(applied.Value!.SameAs(c.Current), $"{c.Current} != {applied.Value}"));
            Assert.Equal(read.Version + 1, applied.Value!.Version);
            target = (await hosts[0].GetAsync(target.Id)).Value!;
            Assert.True(applied.Value.SameAs(target));
        }

        Assert.Equal(11, target.Version);
        await AssertNoHistoryGapAsync(hosts[0], target);
    }

    [Fact]
    public async Task EightWriters_BulkChangingOverlappingTargets_InShuffledOrder_LoseNothing()
    {
        var hosts = await HostsAsync();
        var created = await hosts[0].CreateManyAsync(Enumerable.Range(0, 40).Select(i => new NewTarget($"Target {i:D2}", Status: "Cold")));
        var ids = created.Items.Select(i => i.TargetId).ToArray();
        var applied = new ConcurrentDictionary<TargetId, int>();
        var conflicts = 0;

        await Task.WhenAll(hosts.Select((host, w) => Task.Run(async () =>
        {
            var random = new Random(w);
            for (var round = 0; round < 6; round++)
            {
                // Each writer names its own order: row locks taken in id order keep them from deadlocking.
                var mine = ids.OrderBy(_ => random.Next()).Take(30).ToArray();
                var current = new Dictionary<TargetId, Target>();
                foreach (var id in mine)
                {
                    current[id] = (await host.GetAsync(id)).Value!;
                }

                var bulk = host.BeginBulk();
                foreach (var id in mine)
                {
                    bulk.ChangeStatus(id, current[id].Version, current[id].Status == "Cold" ? "Active" : "Cold");
                }

                var result = await bulk.CommitAsync(BulkMode.Partial);
                foreach (var item in result.Items)
                {
                    if (item.State == BulkItemState.Applied)
                    {
                        applied.AddOrUpdate(item.TargetId, 1, (_, n) => n + 1);
                    }
                    else
                    {
                        Assert.Equal(BulkItemState.Failed, item.State);
                        Assert.IsType<VersionConflictError>(item.Error);
                        Interlocked.Increment(ref conflicts);
                    }
                }
            }
        })));

        Assert.Equal(Writers * 6 * 30, applied.Values.Sum() + conflicts);
        foreach (var id in ids)
        {
            var target = (await hosts[0].GetAsync(id)).Value!;
            Assert.Equal(1 + applied.GetValueOrDefault(id), target.Version);
            await AssertNoHistoryGapAsync(hosts[0], target);
        }
    }
}
