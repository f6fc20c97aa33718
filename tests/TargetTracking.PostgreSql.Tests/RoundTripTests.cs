using Npgsql;
using TargetTracking.Conformance;
using Xunit.Abstractions;

namespace TargetTracking.PostgreSql.Tests;

/// <summary>
/// A bulk commit costs a fixed number of network round trips, whatever its size: the rows are locked with
/// one statement and all targets and history are written with one batch.
/// </summary>
public sealed class RoundTripTests(PostgreSqlFixture fixture, ITestOutputHelper output) : IClassFixture<PostgreSqlFixture>
{
    private async Task<(int Creates, int Changes)> MeasureAsync(RoundTripCounter counter, TargetTracker tracker, int items)
    {
        var create = tracker.BeginBulk();
        var ids = Enumerable.Range(0, items).Select(i => create.Create(new NewTarget($"Target {i}", Markets: ["EU", $"M{i % 7}"]))).ToArray();
        counter.Reset();
        var created = await create.CommitAsync();
        var creates = counter.RoundTrips;
        Assert.True(created.Succeeded);

        var change = tracker.BeginBulk();
        foreach (var id in ids)
        {
            change.ChangeStatus(id, 1, "Cold");
        }

        counter.Reset();
        var changed = await change.CommitAsync();
        var changes = counter.RoundTrips;
        Assert.Equal(items, changed.AppliedCount);
        return (creates, changes);
    }

    private static NpgsqlDataSource Proxied(PostgreSqlFixture fixture, RoundTripCounter counter) =>
        NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(fixture.ConnectionString)
        {
            Host = "127.0.0.1",
            Port = counter.Port,
            MaxPoolSize = 1,
            SslMode = SslMode.Disable, // the counter reads the protocol in clear
            GssEncryptionMode = GssEncryptionMode.Disable,
        }.ConnectionString);

    [Fact]
    public async Task SingleStatusChange_ThatPassesItsChecks_TakesOneRoundTrip_AndOneThatFailsSaysWhy()
    {
        var server = new NpgsqlConnectionStringBuilder(fixture.ConnectionString);
        await using var counter = new RoundTripCounter(server.Host!, server.Port);
        await using var dataSource = Proxied(fixture, counter);
        var tracker = TestTracker.For(await fixture.CreatePostgreSqlRepositoryAsync(dataSource));
        var target = (await tracker.CreateAsync(new NewTarget("Acme", Status: "Cold"))).Value!;
        await tracker.ChangeStatusAsync(target.Id, 1, "Active");

        counter.Reset();
        var moved = await tracker.ChangeStatusAsync(target.Id, 2, "Hot");
        var applied = counter.RoundTrips;

        counter.Reset();
        var stale = await tracker.ChangeStatusAsync(target.Id, 2, "Cold");
        var refusedTrips = counter.RoundTrips;
        await tracker.ChangeStatusAsync(target.Id, 3, "Passed");
        var forbidden = await tracker.ChangeStatusAsync(target.Id, 4, "Hot");
        output.WriteLine($"round trips: applied {applied}, refused {refusedTrips}");

        Assert.Equal(("Hot", 3L), (moved.Value?.Status, moved.Value?.Version ?? 0));
        Assert.Equal(1, applied);
        Assert.True(refusedTrips > 1, "a refused change reads why");
        Assert.IsType<VersionConflictError>(stale.Error);
        Assert.IsType<TransitionNotAllowedError>(forbidden.Error);
        Assert.Equal(4, (await tracker.GetHistoryAsync(target.Id)).Count);
    }

    [Fact]
    public async Task BulkCommit_OfTenThousandItems_TakesAFewRoundTrips_TheSameAsTenItems()
    {
        var server = new NpgsqlConnectionStringBuilder(fixture.ConnectionString);
        await using var counter = new RoundTripCounter(server.Host!, server.Port);
        await using var dataSource = Proxied(fixture, counter);
        var store = await fixture.CreatePostgreSqlRepositoryAsync(dataSource);
        var tracker = TestTracker.For(store);

        // Warm up: the physical connection and Npgsql's type loading are paid once per pool, not per commit.
        await MeasureAsync(counter, tracker, 1);

        var small = await MeasureAsync(counter, tracker, 10);
        var large = await MeasureAsync(counter, tracker, 10_000);
        output.WriteLine($"round trips: 10 creates {small.Creates}, 10 status changes {small.Changes}; 10,000 creates {large.Creates}, 10,000 status changes {large.Changes}");

        // The counter sees every exchange: five single reads are five round trips.
        counter.Reset();
        for (var i = 0; i < 5; i++)
        {
            await store.GetAsync(new TargetId(Guid.CreateVersion7()));
        }

        Assert.Equal(5, counter.RoundTrips);
        Assert.Equal(small, large);
        Assert.Equal(1, large.Creates);  // one batch: BEGIN, the inserts and COMMIT
        Assert.Equal(2, large.Changes);  // SELECT … FOR UPDATE (BEGIN rides along), one batch of writes ending in COMMIT
        Assert.Equal(1 + 10 + 10_000, (await tracker.QueryAsync(new TargetQuery { Statuses = ["Cold"], Take = 1 })).TotalCount);
    }

    [Fact]
    public async Task TheTenant_IsSetWithTheFirstCommandOfEachTransaction_NotWithEveryCommand()
    {
        const string TenantBlock = "DO $tt$";
        var server = new NpgsqlConnectionStringBuilder(fixture.ConnectionString);
        await using var counter = new RoundTripCounter(server.Host!, server.Port) { Recording = true };
        await using var dataSource = Proxied(fixture, counter);
        var tracker = TestTracker.For(await fixture.CreatePostgreSqlRepositoryAsync(dataSource));
        var ids = new List<TargetId>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await tracker.CreateAsync(new NewTarget($"T{i}", Status: "Cold"))).Value!.Id);
        }

        counter.Reset();
        var page = await tracker.QueryAsync(new TargetQuery { Statuses = ["Cold"] });
        var query = (counter.RoundTrips, counter.SentCount(TenantBlock));

        counter.Reset();
        await tracker.GetAsync(ids[1]);
        await tracker.GetAsync(ids[2]);
        var reads = (counter.RoundTrips, counter.SentCount(TenantBlock));
        output.WriteLine($"query (count, then page, in one snapshot): {query}; two reads: {reads}");

        Assert.Equal(3, page.Items.Count);
        Assert.True(query.RoundTrips >= 2, "the query counts, then reads the page, in one snapshot transaction");
        Assert.Equal(1, query.Item2);
        Assert.Equal((2, 2), reads); // a command outside a transaction is a transaction of its own: each sets it
    }
}
