using System.Data.Common;
using LinqToDB;
using LinqToDB.Data;
using TargetTracking.Linq2Db;

namespace TargetTracking.Conformance;

/// <summary>A new, empty, initialized store and the ways a host reaches the same database.</summary>
/// <param name="Store">The store.</param>
/// <param name="Host">The linq2db options a host connects with.</param>
/// <param name="OpenAdoConnectionAsync">Opens a plain ADO.NET connection, as a host without linq2db would.</param>
public sealed record Linq2DbTestStore(Linq2DbTargetStore Store, DataOptions Host, Func<Task<DbConnection>> OpenAdoConnectionAsync)
{
    /// <summary>Runs a query as the host and returns its first value; <see cref="Qualify"/> names the store's tables.</summary>
    public Task<T> ScalarAsync<T>(string sql) => HostSql.ScalarAsync<T>(Host, sql);

    /// <summary>Counts the rows of one of the store's tables.</summary>
    public Task<long> CountAsync(string table) => ScalarAsync<long>($"SELECT COUNT(*) FROM {Qualify(table)}");

    /// <summary>Gets a table's name as raw SQL on this database refers to it.</summary>
    public string Qualify(string table) => Store.Dialect.Sql.Qualify(table);
}

/// <summary>What a linq2db dialect's test project supplies to run <see cref="HostTransactionConformance{TFixture}"/>.</summary>
public interface ILinq2DbStoreFixture
{
    /// <summary>Creates a new, empty, initialized store.</summary>
    Task<Linq2DbTestStore> CreateLinq2DbStoreAsync();

    /// <summary>Gets a failure the store classifies as transient (a busy database, a lost connection).</summary>
    Exception TransientFailure { get; }
}

/// <summary>
/// TargetTracking writes inside a host's own transaction: the host's rows and the target changes commit or roll back
/// together; the store neither commits nor retries; a typed error leaves the host's transaction usable.
/// </summary>
/// <typeparam name="TFixture">The dialect's fixture.</typeparam>
public abstract partial class HostTransactionConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, ILinq2DbStoreFixture
{
    private static readonly AuditContext Host = new() { ActorId = "host-7", ActorName = "Host job" };

    private sealed record Setup(Linq2DbTargetStore Store, DataOptions Host, TargetTracker Tracker, string Table, Func<Task<DbConnection>> OpenAdoConnectionAsync);

    private async Task<Setup> SetUpAsync()
    {
        var (store, host, openAdo) = await fixture.CreateLinq2DbStoreAsync();
        var table = "host_notes_" + Guid.NewGuid().ToString("N")[..12];
        using (var db = new DataConnection(host))
        {
            await db.ExecuteAsync($"CREATE TABLE {table} (id varchar(64) NOT NULL PRIMARY KEY, note varchar(200) NOT NULL)");
        }

        return new Setup(store, host, new TargetTracker(store, new TargetTrackingOptions()), table, openAdo);
    }

    private static async Task<Target?> ReadAsync(TargetTracker tracker, TargetId id)
    {
        var read = await tracker.GetAsync(id);
        return read.IsSuccess ? read.Value : null;
    }

    private static Task InsertNoteAsync(DataConnection db, string table, string id) =>
        db.ExecuteAsync($"INSERT INTO {table} (id, note) VALUES (@id, @note)", new DataParameter("id", id, DataType.VarChar), new DataParameter("note", "kept with the target", DataType.VarChar));

    private static async Task<long> CountNotesAsync(Setup setup)
    {
        using var db = new DataConnection(setup.Host);
        return await db.ExecuteAsync<long>($"SELECT count(*) FROM {setup.Table}");
    }

    [Fact]
    public async Task HostCommit_KeepsTheHostsRowsAndTheTargetChanges()
    {
        var setup = await SetUpAsync();
        Target target;
        using (var db = new DataConnection(setup.Host))
        {
            await db.BeginTransactionAsync();
            var inside = setup.Tracker.WithRepository(setup.Store.InHostTransaction(db));
            await InsertNoteAsync(db, setup.Table, "n1");
            target = (await inside.CreateAsync(new NewTarget("Acme", Markets: ["EU"]), Host)).Value!;
            Assert.True((await inside.ChangeStatusAsync(target.Id, 1, "Active", Host)).IsSuccess);

            // Inside the transaction the host sees its uncommitted target; outside nobody does yet.
            Assert.Equal("Active", (await ReadAsync(inside, target.Id))?.Status);
            Assert.Null(await ReadAsync(setup.Tracker, target.Id));

            await db.CommitTransactionAsync();
        }

        var stored = await ReadAsync(setup.Tracker, target.Id);
        Assert.Equal(("Active", 2L), (stored?.Status, stored?.Version ?? 0));
        var history = await setup.Tracker.GetHistoryAsync(target.Id);
        Assert.Equal([HistoryAction.StatusChanged, HistoryAction.Created], history.Select(h => h.Action));
        Assert.All(history, h => Assert.Equal("host-7", h.ActorId));
        Assert.Equal(1, await CountNotesAsync(setup));
    }

    [Fact]
    public async Task HostRollback_RemovesTheHostsRowsAndTheTargetChanges()
    {
        var setup = await SetUpAsync();
        var existing = (await setup.Tracker.CreateAsync(new NewTarget("Existing"), Host)).Value!;
        TargetId created;
        using (var db = new DataConnection(setup.Host))
        {
            await db.BeginTransactionAsync();
            var inside = setup.Tracker.WithRepository(setup.Store.InHostTransaction(db));
            await InsertNoteAsync(db, setup.Table, "n1");
            created = (await inside.CreateAsync(new NewTarget("Rolled back"), Host)).Value!.Id;
            var bulk = inside.BeginBulk();
            bulk.ChangeStatus(existing.Id, 1, "Cold");
            bulk.Create(new NewTarget("Also rolled back"));
            Assert.True((await bulk.CommitAsync(BulkMode.AllOrNothing, Host)).Succeeded);
            await db.RollbackTransactionAsync();
        }

        Assert.Null(await ReadAsync(setup.Tracker, created));
        Assert.Empty(await setup.Tracker.GetHistoryAsync(created));
        var after = await ReadAsync(setup.Tracker, existing.Id);
        Assert.Equal((null, 1L), (after?.Status, after?.Version ?? 0));
        Assert.Single(await setup.Tracker.GetHistoryAsync(existing.Id));
        Assert.Equal(1, (await setup.Tracker.QueryAsync()).TotalCount);
        Assert.Equal(0, await CountNotesAsync(setup));
    }

    [Fact]
    public async Task TypedErrors_LeaveTheHostsTransactionUsable()
    {
        var setup = await SetUpAsync();
        var target = (await setup.Tracker.CreateAsync(new NewTarget("Acme", Status: "Cold"), Host)).Value!;
        using (var db = new DataConnection(setup.Host))
        {
            await db.BeginTransactionAsync();
            var inside = setup.Tracker.WithRepository(setup.Store.InHostTransaction(db));
            await InsertNoteAsync(db, setup.Table, "before");

            Assert.IsType<VersionConflictError>((await inside.ChangeStatusAsync(target.Id, 7, "Active", Host)).Error);
            Assert.IsType<UnknownStatusError>((await inside.ChangeStatusAsync(target.Id, 1, "Warmish", Host)).Error);
            Assert.IsType<NotFoundError>((await inside.ChangeStatusAsync(TargetId.New(TimeProvider.System), 1, "Active", Host)).Error);

            // The transaction still works: the host writes on, and a valid change commits with it.
            await InsertNoteAsync(db, setup.Table, "after");
            Assert.True((await inside.ChangeStatusAsync(target.Id, 1, "Active", Host)).IsSuccess);
            await db.CommitTransactionAsync();
        }

        Assert.Equal("Active", (await ReadAsync(setup.Tracker, target.Id))?.Status);
        Assert.Equal(2, (await setup.Tracker.GetHistoryAsync(target.Id)).Count);
        Assert.Equal(2, await CountNotesAsync(setup));
    }

    [Fact]
    public async Task InHostTransaction_OfAnAdoNetTransaction_CommitsAndRollsBackWithIt()
    {
        var setup = await SetUpAsync();
        TargetId kept, dropped;
        await using (var connection = await setup.OpenAdoConnectionAsync())
        {
            await using (var transaction = await connection.BeginTransactionAsync())
            {
                kept = (await setup.Tracker.WithRepository(setup.Store.InHostTransaction(transaction)).CreateAsync(new NewTarget("Kept"), Host)).Value!.Id;
                await transaction.CommitAsync();
            }

            await using (var transaction = await connection.BeginTransactionAsync())
            {
                dropped = (await setup.Tracker.WithRepository(setup.Store.InHostTransaction(transaction)).CreateAsync(new NewTarget("Dropped"), Host)).Value!.Id;
                await transaction.RollbackAsync();
            }
        }

        Assert.NotNull(await ReadAsync(setup.Tracker, kept));
        Assert.Null(await ReadAsync(setup.Tracker, dropped));
    }

    [Fact]
    public async Task InHostTransaction_WithoutATransaction_Refuses()
    {
        var setup = await SetUpAsync();
        using var db = new DataConnection(setup.Host);

        var error = Assert.Throws<InvalidOperationException>(() => setup.Store.InHostTransaction(db));

        Assert.Contains("no open transaction", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailuresInsideAHostTransaction_AreNeverRetried()
    {
        var setup = await SetUpAsync();
        using var db = new DataConnection(setup.Host);
        await db.BeginTransactionAsync();

        var inside = setup.Store.InHostTransaction(db);

        Assert.True(setup.Store.IsTransient(fixture.TransientFailure));
        Assert.False(inside.IsTransient(fixture.TransientFailure));
    }
}
