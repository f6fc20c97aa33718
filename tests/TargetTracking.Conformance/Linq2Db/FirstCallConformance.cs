using LinqToDB.Internal.Linq;
using TargetTracking.Linq2Db;

namespace TargetTracking.Conformance;

/// <summary>
/// A fresh host's first requests do not pay linq2db's expression compilation (0.4–0.9 s per query shape in a new
/// process): the store compiles the hot shapes when it initializes (each sort both ways, each filter alone, the
/// history reads, the row lock of every write). linq2db counts cache misses per result type,
/// process-wide, so a dialect's test project runs this class alone (a collection without parallelization).
/// </summary>
/// <typeparam name="TFixture">The dialect's fixture.</typeparam>
public abstract class FirstCallConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, ILinq2DbStoreFixture
{
    /// <summary>Gets the name of the collection the derived classes join; each test project defines it without parallelization.</summary>
    public const string Collection = "linq2db query cache";

    private static long Compilations() =>
        Query<TargetRecord>.CacheMissCount + Query<HistoryRecord>.CacheMissCount + Query<long>.CacheMissCount + Query<int>.CacheMissCount;

    [Fact]
    public async Task FirstRequests_AfterInitialize_CompileNoQuery()
    {
        // As in a new process: nothing compiled.
        Query.ClearCaches();
        var store = (await fixture.CreateLinq2DbStoreAsync()).Store;
        var tracker = new TargetTracker(store, new TargetTrackingOptions());
        var before = Compilations();

        var created = (await tracker.CreateAsync(new NewTarget("Acme", Markets: ["EU"]))).Value!;
        Assert.True((await tracker.GetAsync(created.Id)).IsSuccess);
        Assert.Equal(1, (await tracker.QueryAsync()).TotalCount);
        Assert.Equal(1, (await tracker.QueryAsync(new TargetQuery { Statuses = ["Active", null] })).TotalCount);
        Assert.Equal(1, (await tracker.QueryAsync(new TargetQuery { SortBy = TargetSort.UpdatedAt, Descending = true })).TotalCount);
        Assert.Equal(1, (await tracker.QueryAsync(new TargetQuery { Market = "eu" })).TotalCount);
        Assert.True((await tracker.ChangeStatusAsync(created.Id, 1, "Active")).IsSuccess);
        Assert.Equal(2, (await tracker.GetHistoryAsync(created.Id)).Count);
        Assert.Equal(2, (await tracker.GetHistoryFeedAsync(new HistoryFeedRequest(DateTimeOffset.MinValue))).Count);
        Assert.True((await tracker.DeleteAsync(created.Id, 2)).IsSuccess);

        Assert.Equal(before, Compilations());
    }
}
