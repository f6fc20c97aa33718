using TargetTracking.Conformance;

namespace TargetTracking.PostgreSql.Tests;

/// <summary>
/// A unit of work's last write travels with its COMMIT in one batch. A statement that fails in that batch must leave
/// nothing committed, and a write that something else follows is sent on its own first.
/// </summary>
public sealed class CommitWithLastWriteTests(PostgreSqlFixture fixture) : IClassFixture<PostgreSqlFixture>
{
    private static Target NewTarget(TargetId id, string name) => new()
    {
        Id = id,
        Name = name,
        Markets = [],
        Version = 1,
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };

    private static HistoryEntry Created(TargetId id) => new()
    {
        Id = Guid.CreateVersion7(),
        TargetId = id,
        Action = HistoryAction.Created,
        Version = 1,
        OccurredAt = DateTimeOffset.UnixEpoch,
        CorrelationId = "merged-commit-test",
    };

    [Fact]
    public async Task AFailingStatementInTheCommitBatch_CommitsNothing_AndIsAConflict()
    {
        var store = await fixture.CreatePostgreSqlRepositoryAsync();
        var existing = (await TestTracker.For(store).CreateAsync(new NewTarget("Existing"))).Value!;
        var fresh = TargetId.New(TimeProvider.System);

        await using (var session = await store.BeginWriteAsync())
        {
            // The fresh target and its entry come first in the batch; the existing id then fails the insert.
            await session.SaveAsync(new ChangeSet
            {
                Inserts = [NewTarget(fresh, "Fresh"), NewTarget(existing.Id, "Duplicate")],
                History = [Created(fresh)],
            });

            await Assert.ThrowsAsync<ConcurrentWriteException>(() => session.CommitAsync());
        }

        Assert.Null(await store.GetAsync(fresh));
        Assert.Empty(await store.GetHistoryAsync(fresh, new HistoryPageRequest()));
        Assert.Equal("Existing", (await store.GetAsync(existing.Id))?.Name);
    }

    [Fact]
    public async Task ALaterStatementFailingInTheCommitBatch_UndoesTheEarlierOnes()
    {
        var store = await fixture.CreatePostgreSqlRepositoryAsync();
        var existing = (await TestTracker.For(store).CreateAsync(new NewTarget("Existing"))).Value!;

        await using (var session = await store.BeginWriteAsync())
        {
            var locked = (await session.LockAsync([existing.Id]))[existing.Id];

            // The update succeeds; the history entry then repeats version 1, which the unique key refuses.
            await session.SaveAsync(new ChangeSet
            {
                Updates = [new TargetWrite(locked with { Status = "Hot", Version = 2 }, 1)],
                History = [Created(existing.Id)],
            });

            await Assert.ThrowsAnyAsync<Exception>(() => session.CommitAsync());
        }

        var after = await store.GetAsync(existing.Id);
        Assert.Equal((null, 1L), (after?.Status, after?.Version ?? 0));
    }

    [Fact]
    public async Task AWriteFollowedByAnother_IsSentFirst_AndBothCommit()
    {
        var store = await fixture.CreatePostgreSqlRepositoryAsync();
        var first = TargetId.New(TimeProvider.System);
        var second = TargetId.New(TimeProvider.System);

        await using (var session = await store.BeginWriteAsync())
        {
            await session.SaveAsync(new ChangeSet { Inserts = [NewTarget(first, "First")], History = [Created(first)] });

            // The lock reads through the first write: it must have reached the database.
            Assert.True((await session.LockAsync([first])).ContainsKey(first));
            await session.SaveAsync(new ChangeSet { Inserts = [NewTarget(second, "Second")], History = [Created(second)] });
            await session.CommitAsync();
        }

        Assert.Equal("First", (await store.GetAsync(first))?.Name);
        Assert.Equal("Second", (await store.GetAsync(second))?.Name);
    }

    [Fact]
    public async Task AnUncommittedSession_WritesNothing()
    {
        var store = await fixture.CreatePostgreSqlRepositoryAsync();
        var id = TargetId.New(TimeProvider.System);

        await using (var session = await store.BeginWriteAsync())
        {
            await session.SaveAsync(new ChangeSet { Inserts = [NewTarget(id, "Never")], History = [Created(id)] });
        }

        Assert.Null(await store.GetAsync(id));
    }
}
