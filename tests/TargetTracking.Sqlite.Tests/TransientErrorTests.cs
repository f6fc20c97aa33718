using Dapper;
using Microsoft.Data.Sqlite;
using TargetTracking.Conformance;

namespace TargetTracking.Sqlite.Tests;

public sealed class TransientErrorTests(SqliteFileFixture fixture) : IClassFixture<SqliteFileFixture>
{
    [Fact]
    public async Task Write_WhileAnotherConnectionHoldsTheWriteLock_FailsBusyThenSucceedsThroughRetry()
    {
        var connectionString = fixture.NewConnectionString();
        var repository = await fixture.CreateAsync(new SqliteStoreOptions { ConnectionString = connectionString, BusyTimeout = TimeSpan.FromMilliseconds(50) });
        var counting = new CountingRepository(repository);
        var tracker = new TargetTracker(counting, new TargetTrackingOptions { MaxRetryAttempts = 50, RetryBaseDelay = TimeSpan.FromMilliseconds(20) }, new FakeTimeProvider());

        await using var blocker = new SqliteConnection(connectionString);
        await blocker.OpenAsync();
        var hold = blocker.BeginTransaction(deferred: false);
        var create = Task.Run(() => tracker.CreateAsync(new NewTarget("Waited for the lock")));

        // The write cannot get the lock: it fails busy and the core schedules a retry.
        await counting.FirstTransient.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(create.IsCompleted);
        hold.Commit();

        var created = await create;
        Assert.True(created.IsSuccess, created.ToString());
        Assert.True(counting.TransientFailures >= 1);
        Assert.NotNull(await repository.GetAsync(created.Value.Id));
        Assert.Single(await repository.GetHistoryAsync(created.Value.Id, new HistoryPageRequest()));
    }

    [Fact]
    public async Task IsTransient_ForARealBusyError_IsTrue()
    {
        var connectionString = fixture.NewConnectionString();
        var repository = await fixture.CreateAsync(new SqliteStoreOptions { ConnectionString = connectionString });
        await using var holder = new SqliteConnection(connectionString);
        await holder.OpenAsync();
        using var hold = holder.BeginTransaction(deferred: false);
        await using var other = new SqliteConnection(connectionString + ";Default Timeout=1");
        await other.OpenAsync();
        await other.ExecuteAsync("PRAGMA busy_timeout = 0");

        var busy = Assert.Throws<SqliteException>(() => other.BeginTransaction(deferred: false));

        Assert.Equal(5, busy.SqliteErrorCode);
        Assert.True(repository.IsTransient(busy));
        Assert.True(repository.IsTransient(new InvalidOperationException("wrapped", busy)));
    }

    [Fact]
    public async Task IsTransient_ForARealSharedCacheLockedError_IsTrue()
    {
        var connectionString = SqliteMemoryFixture.NewConnectionString();
        await using var repository = SqliteDialect.CreateStore(new SqliteStoreOptions { ConnectionString = connectionString });
        var tracker = new TargetTracker(repository, new TargetTrackingOptions(), new FakeTimeProvider());
        await tracker.CreateAsync(new NewTarget("Locked"));
        await using var writer = new SqliteConnection(connectionString);
        await writer.OpenAsync();
        using var write = writer.BeginTransaction(deferred: false);
        await writer.ExecuteAsync("UPDATE targets SET description = 'uncommitted'", transaction: write);
        await using var reader = new SqliteConnection(connectionString + ";Default Timeout=1");
        await reader.OpenAsync();

        var locked = await Assert.ThrowsAsync<SqliteException>(() => reader.QueryAsync("SELECT * FROM targets"));

        Assert.Equal(6, locked.SqliteErrorCode);
        Assert.True(repository.IsTransient(locked));
    }

    [Fact]
    public async Task Reads_WhileAnotherConnectionHoldsTheFile_ThrowTargetStoreUnavailable_AfterTheRetryPolicy_NotRawDriverErrors()
    {
        var connectionString = fixture.NewConnectionString();
        var repository = await fixture.CreateAsync(new SqliteStoreOptions { ConnectionString = connectionString, BusyTimeout = TimeSpan.FromMilliseconds(10) });
        var tracker = new TargetTracker(repository, new TargetTrackingOptions { MaxRetryAttempts = 1, RetryBaseDelay = TimeSpan.Zero }, new FakeTimeProvider());
        var target = (await tracker.CreateAsync(new NewTarget("Locked out", Status: "Cold"))).Ok();
        SqliteConnection.ClearAllPools();

        // Another process takes the file for itself (exclusive locking mode): readers get SQLITE_BUSY, even in WAL mode.
        await using var writer = new SqliteConnection(connectionString);
        await writer.OpenAsync();
        await writer.ExecuteAsync("PRAGMA locking_mode = EXCLUSIVE");
        using var write = writer.BeginTransaction(deferred: false);
        await writer.ExecuteAsync("UPDATE targets SET description = 'uncommitted'", transaction: write);

        var get = await Assert.ThrowsAsync<TargetStoreUnavailableException>(() => tracker.GetAsync(target.Id));
        var query = await Assert.ThrowsAsync<TargetStoreUnavailableException>(() => tracker.QueryAsync(new TargetQuery { Statuses = ["Cold"] }));

        Assert.All([get, query], e =>
        {
            Assert.Equal(2, e.Attempts);
            Assert.True(repository.IsTransient(e.InnerException!));
        });
        write.Rollback();
        await writer.CloseAsync();
        SqliteConnection.ClearPool(writer);
        Assert.True((await tracker.GetAsync(target.Id)).IsSuccess);
    }

    [Fact]
    public async Task IsTransient_ForOtherErrors_IsFalse()
    {
        var connectionString = fixture.NewConnectionString();
        var repository = await fixture.CreateAsync(new SqliteStoreOptions { ConnectionString = connectionString });
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();

        var syntax = await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("SELEC 1"));
        var constraint = await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("INSERT INTO targets (id) VALUES ('x')"));

        Assert.False(repository.IsTransient(syntax));
        Assert.False(repository.IsTransient(constraint));
        Assert.False(repository.IsTransient(new TimeoutException()));
        Assert.False(repository.IsTransient(new ConcurrentWriteException()));
    }

    [Fact]
    public async Task Save_InsertOfAnExistingId_ThrowsConcurrentWrite()
    {
        var repository = (Linq2DbTargetStore)await fixture.CreateRepositoryAsync();
        var tracker = new TargetTracker(repository, new TargetTrackingOptions(), new FakeTimeProvider());
        var existing = (await tracker.CreateAsync(new NewTarget("Exists"))).Ok();

        await using var session = await repository.BeginWriteAsync();
        await Assert.ThrowsAsync<ConcurrentWriteException>(() => session.SaveAsync(new ChangeSet { Inserts = [existing with { Name = "Again" }] }));
    }

    [Fact]
    public async Task Save_UpdateOrDeleteAtAnotherVersion_ThrowsConcurrentWrite_AndWritesNothing()
    {
        var repository = (Linq2DbTargetStore)await fixture.CreateRepositoryAsync();
        var tracker = new TargetTracker(repository, new TargetTrackingOptions(), new FakeTimeProvider());
        var target = (await tracker.CreateAsync(new NewTarget("Versioned"))).Ok();

        await using (var session = await repository.BeginWriteAsync())
        {
            await Assert.ThrowsAsync<ConcurrentWriteException>(() => session.SaveAsync(new ChangeSet { Updates = [new TargetWrite(target with { Name = "Changed", Version = 3 }, 2)] }));
        }

        await using (var session = await repository.BeginWriteAsync())
        {
            await Assert.ThrowsAsync<ConcurrentWriteException>(() => session.SaveAsync(new ChangeSet { Deletes = [new TargetDelete(target.Id, 2)] }));
        }

        Assert.True(target.SameAs(await repository.GetAsync(target.Id)));
    }
}
