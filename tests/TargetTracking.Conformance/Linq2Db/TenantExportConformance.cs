using TargetTracking.Linq2Db;
namespace TargetTracking.Conformance;

/// <summary>
/// A tenant's export reads the store page by page as it is consumed, never the whole tenant at once, so memory holds one
/// page (<see cref="Linq2DbTargetStore.ExportPageSize"/> rows) however many rows the tenant has: a target written after the
/// export began, with an id after every row read so far, still reaches it; and every row comes out once across the pages.
/// </summary>
/// <typeparam name="TFixture">The dialect's fixture.</typeparam>
public abstract class TenantExportConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, ILinq2DbStoreFixture
{
    [Fact]
    public async Task Export_ReadsPageByPageAsItIsConsumed_EveryRowOnce()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        var tracker = TestTracker.For((await fixture.CreateLinq2DbStoreAsync()).Store, clock: clock).ForTenant("acme");
        var count = (2 * Linq2DbTargetStore.ExportPageSize) + 500;
        Assert.True((await tracker.CreateManyAsync(Enumerable.Range(0, count).Select(i => new NewTarget($"T{i}")))).Succeeded);

        var targets = new List<Guid>();
        var history = 0;
        TargetId? late = null;
        await foreach (var row in new TenantExport(tracker).ReadAsync())
        {
            if (late is null)
            {
                // The first page is read; the later pages are not yet: a new target (its v7 id sorts after every other) is found by them.
                clock.Advance(TimeSpan.FromMinutes(1));
                late = (await tracker.CreateAsync(new NewTarget("Late"))).Value!.Id;
            }

            if (row.Kind == TenantRecordKinds.Target)
            {
                targets.Add(((Target)row.Data).Id.Value);
            }
            else if (row.Kind == TenantRecordKinds.History)
            {
                history++;
            }
        }

        Assert.Equal(count + 1, targets.Count);
        Assert.Equal(targets.Count, targets.Distinct().Count());
        Assert.Contains(late!.Value.Value, targets);
        Assert.Equal(count + 1, history);
    }
}
