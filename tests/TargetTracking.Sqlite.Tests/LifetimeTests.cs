using Dapper;
using Microsoft.Data.Sqlite;
using TargetTracking.Conformance;

namespace TargetTracking.Sqlite.Tests;

public sealed class LifetimeTests(SqliteFileFixture fixture) : IClassFixture<SqliteFileFixture>
{
    [Fact]
    public async Task FileDatabase_OutlivesTheRepository()
    {
        var connectionString = fixture.NewConnectionString();
        Target created;
        await using (var first = SqliteDialect.CreateStore(new SqliteStoreOptions { ConnectionString = connectionString }))
        {
            created = (await new TargetTracker(first, new TargetTrackingOptions(), new FakeTimeProvider()).CreateAsync(new NewTarget("Persistent", Markets: ["EU"]))).Ok();
        }

        await using var second = SqliteDialect.CreateStore(new SqliteStoreOptions { ConnectionString = connectionString });
        Assert.True(created.SameAs(await second.GetAsync(created.Id)));
    }

    [Fact]
    public async Task MemoryDatabase_LivesAsLongAsTheRepository()
    {
        var connectionString = SqliteMemoryFixture.NewConnectionString();
        Target created;
        await using (var first = SqliteDialect.CreateStore(new SqliteStoreOptions { ConnectionString = connectionString }))
        {
            created = (await new TargetTracker(first, new TargetTrackingOptions(), new FakeTimeProvider()).CreateAsync(new NewTarget("Fleeting"))).Ok();

            // Idle pooled connections are not what keeps it alive.
            SqliteConnection.ClearAllPools();
            Assert.NotNull(await first.GetAsync(created.Id));
        }

        await using var second = SqliteDialect.CreateStore(new SqliteStoreOptions { ConnectionString = connectionString });
        Assert.Null(await second.GetAsync(created.Id));
    }

    [Fact]
    public async Task Repository_AfterDispose_Throws()
    {
        var repository = SqliteDialect.CreateStore(new SqliteStoreOptions { ConnectionString = fixture.NewConnectionString() });
        await repository.DisposeAsync();
        repository.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => repository.GetAsync(new TargetId(Guid.CreateVersion7())));
    }

    [Fact]
    public async Task Markets_AreStoredInOrder_AsReadableJson_WithOneIndexRowEach()
    {
        var connectionString = fixture.NewConnectionString();
        var repository = await fixture.CreateAsync(new SqliteStoreOptions { ConnectionString = connectionString });
        var created = (await new TargetTracker(repository, new TargetTrackingOptions(), new FakeTimeProvider())
            .CreateAsync(new NewTarget("Ordered", Markets: ["Zürich", "apac", "EU"]))).Ok();

        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        Assert.Equal("""["Zürich","apac","EU"]""", await connection.ExecuteScalarAsync<string>("SELECT markets FROM targets"));
        Assert.Equal(["APAC", "EU", "ZÜRICH"], await connection.QueryAsync<string>("SELECT market_norm FROM target_markets ORDER BY market_norm"));
        Assert.Equal(["Zürich", "apac", "EU"], (await repository.GetAsync(created.Id))!.Markets);
    }
}
