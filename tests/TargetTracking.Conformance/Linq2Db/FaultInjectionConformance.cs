using System.Data.Common;
using Microsoft.Extensions.Logging;
using TargetTracking.Linq2Db;

namespace TargetTracking.Conformance;

/// <summary>What a server database's test project supplies to run <see cref="FaultInjectionConformance{TFixture}"/>: a way to cut a connection.</summary>
public interface IConnectionKillingFixture : ILinq2DbStoreFixture
{
    /// <summary>Ends the connection's session on the server, as a failover or an administrator would, and returns once the server has dropped it.</summary>
    /// <param name="connection">The open connection of a unit of work.</param>
    /// <returns>A task that completes when the session is gone.</returns>
    Task KillConnectionAsync(DbConnection connection);
}

/// <summary>Where in a unit of work <see cref="FaultInjectionConformance{TFixture}"/> kills the connection (outside the generic class, so that test data can name it).</summary>
public enum KillPoint
{
    /// <summary>After the rows are locked, before the changes are sent.</summary>
    BeforeSave,

    /// <summary>After the changes are written, before COMMIT.</summary>
    BeforeCommit,
}

/// <summary>
/// The connection of a unit of work is killed on the server mid-commit: the tracker retries the whole unit on a new
/// connection and applies every item exactly once, or, out of retries, throws and leaves no trace.
/// </summary>
/// <typeparam name="TFixture">The dialect's fixture.</typeparam>
public abstract class FaultInjectionConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, IConnectionKillingFixture
{
    /// <summary>A store whose first <paramref name="kills"/> write sessions lose their connection at <paramref name="point"/>.</summary>
    private sealed class KillingRepository(Linq2DbTargetStore inner, TFixture server, KillPoint point, int kills) : ITargetRepository
    {
        private int _kills = kills;

        public int Killed { get; private set; }

        public Task<Target?> GetAsync(TargetId id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);

        public Task<TargetPage> QueryAsync(TargetQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);

        public Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(TargetId id, HistoryPageRequest page, CancellationToken cancellationToken = default) =>
            inner.GetHistoryAsync(id, page, cancellationToken);

        public Task<IReadOnlyList<HistoryEntry>> GetHistoryFeedAsync(HistoryFeedRequest request, CancellationToken cancellationToken = default) =>
            inner.GetHistoryFeedAsync(request, cancellationToken);

        public bool IsTransient(Exception exception) => inner.IsTransient(exception);

        public async Task<ITargetWriteSession> BeginWriteAsync(CancellationToken cancellationToken = default)
        {
            var session = (Linq2DbWriteSession)await inner.BeginWriteAsync(cancellationToken);
            return Interlocked.Decrement(ref _kills) >= 0 ? new KillingSession(this, session, point) : session;
        }

        private async Task KillAsync(Linq2DbWriteSession session)
        {
            await server.KillConnectionAsync(Linq2DbDialect.ConnectionOf(session.Connection)!);
            Killed++;
        }

        private sealed class KillingSession(KillingRepository owner, Linq2DbWriteSession inner, KillPoint point) : ITargetWriteSession
        {
            public Task<IReadOnlyDictionary<TargetId, Target>> LockAsync(IReadOnlyCollection<TargetId> ids, CancellationToken cancellationToken = default) =>
                inner.LockAsync(ids, cancellationToken);

            public async Task SaveAsync(ChangeSet changes, CancellationToken cancellationToken = default)
            {
                if (point == KillPoint.BeforeSave)
                {
                    await owner.KillAsync(inner);
                }

                await inner.SaveAsync(changes, cancellationToken);
                if (point == KillPoint.BeforeCommit)
                {
                    await owner.KillAsync(inner);
                }
            }

            public Task CommitAsync(CancellationToken cancellationToken = default) => inner.CommitAsync(cancellationToken);

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }

    private async Task<(Linq2DbTestStore Store, Target[] Targets)> SeedAsync(int count)
    {
        var store = await fixture.CreateLinq2DbStoreAsync();
        var created = await TestTracker.For(store.Store).CreateManyAsync(Enumerable.Range(0, count).Select(i => new NewTarget($"T{i}", Status: "Cold")));
        Assert.True(created.Succeeded);
        return (store, [.. created.Items.Select(i => i.Target!)]);
    }

    [Theory]
    [InlineData(KillPoint.BeforeSave)]
    [InlineData(KillPoint.BeforeCommit)]
    public async Task BulkCommit_WhoseConnectionIsKilled_IsRetried_AndAppliesEveryItemExactlyOnce(KillPoint point)
    {
        var (store, targets) = await SeedAsync(1000);
        var killing = new KillingRepository(store.Store, fixture, point, kills: 1);
        var logs = new LogCapture();
        var tracker = TestTracker.For(killing, o => o.MaxRetryAttempts = 3, logger: logs.For<TargetTracker>());

        var bulk = tracker.BeginBulk();
        foreach (var target in targets)
        {
            bulk.ChangeStatus(target.Id, 1, "Active");
        }

        var fresh = Enumerable.Range(0, 200).Select(i => bulk.Create(new NewTarget($"New {i}", Markets: ["EU"]))).ToArray();
        var result = await bulk.CommitAsync();

        Assert.Equal(1, killing.Killed);
        Assert.True(result.Succeeded, string.Join("; ", result.Items.Where(i => i.Error is not null).Take(3).Select(i => i.Error!.Message)));
        Assert.Equal(1200, result.AppliedCount);
        foreach (var target in targets)
        {
            var now = (await tracker.GetAsync(target.Id)).Value!;
            Assert.Equal(("Active", 2L), (now.Status, now.Version));
        }

        foreach (var id in fresh)
        {
            Assert.Equal(1, (await tracker.GetAsync(id)).Value!.Version);
        }

        Assert.Equal(1200, await store.CountAsync(Tables.Targets));

        // Each new target's market is searchable once, whether the database keeps markets in a side table or in an array column.
        Assert.Equal(200, (await tracker.QueryAsync(new TargetQuery { Market = "EU", Take = 1 })).TotalCount);
        Assert.Equal(2200, await store.CountAsync(Tables.History)); // 1000 created + 1000 moves + 200 created
        var retry = Assert.Single(logs.Events);
        Assert.Equal(LogLevel.Warning, retry.Level);
        Assert.Contains("attempt 1 of 4", retry.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(KillPoint.BeforeSave)]
    [InlineData(KillPoint.BeforeCommit)]
    public async Task BulkCommit_WhoseConnectionIsKilled_WithoutRetries_ThrowsAndLeavesNoTrace(KillPoint point)
    {
        var (store, targets) = await SeedAsync(500);
        var killing = new KillingRepository(store.Store, fixture, point, kills: 1);
        var tracker = TestTracker.For(killing, o => o.MaxRetryAttempts = 0);
        var bulk = tracker.BeginBulk();
        foreach (var target in targets)
        {
            bulk.ChangeStatus(target.Id, 1, "Hot");
        }

        for (var i = 0; i < 100; i++)
        {
            bulk.Create(new NewTarget($"Never {i}"));
        }

        var error = await Assert.ThrowsAsync<TargetStoreUnavailableException>(() => bulk.CommitAsync());

        Assert.True(store.Store.IsTransient(error.InnerException!), error.InnerException!.ToString());
        Assert.Equal(500, await store.CountAsync(Tables.Targets));
        Assert.Equal(500, await store.CountAsync(Tables.History));
        Assert.Equal(0L, await store.ScalarAsync<long>($"SELECT COUNT(*) FROM {store.Qualify(Tables.Targets)} WHERE version <> 1 OR status <> 'Cold'"));
    }

    [Fact]
    public async Task Commit_WhenEveryAttemptLosesItsConnection_ThrowsAfterTheConfiguredRetries_AndLeavesNoTrace()
    {
        var (store, targets) = await SeedAsync(10);
        var killing = new KillingRepository(store.Store, fixture, KillPoint.BeforeCommit, kills: int.MaxValue);
        var logs = new LogCapture();
        var tracker = TestTracker.For(killing, o => o.MaxRetryAttempts = 2, logger: logs.For<TargetTracker>());

        var error = await Assert.ThrowsAsync<TargetStoreUnavailableException>(() => tracker.ChangeStatusAsync(targets[0].Id, 1, "Hot"));

        Assert.Contains("3 times", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, killing.Killed);
        Assert.Equal(2, logs.Events.Count(e => e.Level == LogLevel.Warning));

        // What gave up, enough to replay it, on the exception and in one error event; each attempt lost its connection
        // after writing and before COMMIT, so whether the last one committed is unknown to the library, and it says so.
        var change = Assert.Single(error.Changes);
        Assert.Equal((RequestedChangeKind.ChangeStatus, targets[0].Id, (long?)1, (string?)"Hot"), (change.Kind, change.TargetId, change.ExpectedVersion, change.Status));
        Assert.True(error.CommitOutcomeUnknown);
        var abandoned = Assert.Single(logs.Events, e => e.Level == LogLevel.Error);
        Assert.Contains(error.CorrelationId!, abandoned.Message, StringComparison.Ordinal);
        Assert.Contains($"ChangeStatus {targets[0].Id} at version 1 to Hot", abandoned.Message, StringComparison.Ordinal);
        Assert.Equal(10, await store.CountAsync(Tables.History));
        Assert.Equal(1, (await tracker.GetAsync(targets[0].Id)).Value!.Version);
    }
}
