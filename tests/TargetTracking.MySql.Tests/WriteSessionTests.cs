using MySqlConnector;
using TargetTracking.Conformance;

namespace TargetTracking.MySql.Tests;

/// <summary>The write session on MariaDB: a target inserted by another writer after the lock is a conflict, not a failure.</summary>
public sealed class WriteSessionTests(MySqlFixture fixture) : IClassFixture<MySqlFixture>
{
    [Fact]
    public async Task Save_OfATargetAnotherWriterInsertedAfterTheLock_ThrowsConcurrentWrite_WithTheDuplicateKeyInside()
    {
        var (store, connectionString) = await fixture.CreateMySqlRepositoryAsync();
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var target = new Target { Id = TargetId.New(TimeProvider.System), Name = "First", Markets = ["EU"], Version = 1, CreatedAt = at, UpdatedAt = at };
        var entry = new HistoryEntry { Id = Guid.CreateVersion7(), TargetId = target.Id, Action = HistoryAction.Created, Version = 1, OccurredAt = at, CorrelationId = "c" };

        await using (var session = await store.BeginWriteAsync())
        {
            Assert.Empty(await session.LockAsync([target.Id]));

            // READ COMMITTED takes no gap lock on the missing row: the other writer's insert goes through.
            await Db.ExecuteAsync(
                connectionString,
                "INSERT INTO targets (tenant_id, id, name, name_norm, markets, version, created_at, updated_at) VALUES ('default', ?, 'Other', 'OTHER', '[]', 1, NOW(6), NOW(6))",
                target.Id.Value.ToByteArray(bigEndian: true));

            var error = await Assert.ThrowsAsync<ConcurrentWriteException>(() => session.SaveAsync(new ChangeSet { Inserts = [target], History = [entry] }));
            Assert.Equal(MySqlErrorCode.DuplicateKeyEntry, Assert.IsType<MySqlException>(error.InnerException).ErrorCode);
            Assert.False(store.IsTransient(new InvalidOperationException("no")));
        }

        Assert.Equal("Other", (await store.GetAsync(target.Id))!.Name);
        Assert.Equal(0, await Db.CountAsync(connectionString, "target_history"));
    }

    [Fact]
    public async Task Lock_OfManyIds_TakesOneStatement_AndFindsEveryStoredTarget()
    {
        var (store, _) = await fixture.CreateMySqlRepositoryAsync();
        var tracker = TestTracker.For(store);
        var created = await tracker.CreateManyAsync(Enumerable.Range(0, 3000).Select(i => new NewTarget($"T{i}")));
        var ids = created.Items.Select(i => i.TargetId).Concat(Enumerable.Range(0, 500).Select(_ => TargetId.New(TimeProvider.System))).ToArray();

        await using var session = await store.BeginWriteAsync();
        var locked = await session.LockAsync(ids);

        Assert.Equal(3000, locked.Count);
        Assert.All(created.Items, i => Assert.True(i.Target!.SameAs(locked[i.TargetId])));
    }
}
