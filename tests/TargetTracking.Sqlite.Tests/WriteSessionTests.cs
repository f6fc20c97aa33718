using TargetTracking.Conformance;

namespace TargetTracking.Sqlite.Tests;

public sealed class WriteSessionTests(SqliteFileFixture fixture) : IClassFixture<SqliteFileFixture>
{
    [Fact]
    public async Task TwoSavesInOneSession_ChangingMarketsAndBack_LeaveTheMarketIndexRight()
    {
        var repository = await fixture.CreateRepositoryAsync();
        var clock = new FakeTimeProvider();
        var target = (await new TargetTracker(repository, new TargetTrackingOptions(), clock).CreateAsync(new NewTarget("Moving", Markets: ["EU"]))).Ok();
        var moved = target with { Markets = ["US"], Version = 2 };
        var back = moved with { Markets = ["EU"], Version = 3 };

        await using (var session = await repository.BeginWriteAsync())
        {
            await session.LockAsync([target.Id]);
            await session.SaveAsync(new ChangeSet { Updates = [new TargetWrite(moved, 1)] });
            await session.SaveAsync(new ChangeSet { Updates = [new TargetWrite(back, 2)] });
            await session.CommitAsync();
        }

        Assert.Equal(1, (await repository.QueryAsync(new TargetQuery { Market = "EU" })).TotalCount);
        Assert.Equal(0, (await repository.QueryAsync(new TargetQuery { Market = "US" })).TotalCount);
    }

    [Fact]
    public async Task Session_DisposedWithoutCommit_WritesNothing_AndLetsTheNextWriterIn()
    {
        var repository = await fixture.CreateRepositoryAsync();
        var clock = new FakeTimeProvider();
        var draft = new Target { Id = TargetId.New(clock), Name = "Draft", Markets = ["EU"], Version = 1, CreatedAt = clock.GetUtcNow(), UpdatedAt = clock.GetUtcNow() };

        await using (var session = await repository.BeginWriteAsync())
        {
            await session.SaveAsync(new ChangeSet { Inserts = [draft] });
        }

        Assert.Null(await repository.GetAsync(draft.Id));
        Assert.Equal(0, (await repository.QueryAsync(new TargetQuery { Market = "EU" })).TotalCount);
        var created = await new TargetTracker(repository, new TargetTrackingOptions(), clock).CreateAsync(new NewTarget("Next"));
        Assert.True(created.IsSuccess);
    }
}
