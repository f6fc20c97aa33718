using Npgsql;
using TargetTracking.Conformance;

namespace TargetTracking.PostgreSql.Tests;

/// <summary>The database goes away (connections break, new ones are refused) under a running store.</summary>
public sealed class OutageTests(PostgreSqlFixture fixture) : IClassFixture<PostgreSqlFixture>
{
    [Fact]
    public async Task Reads_DuringAnOutage_ThrowTargetStoreUnavailable_AfterTheRetryPolicy_NotRawDriverErrors()
    {
        var builder = new NpgsqlConnectionStringBuilder(fixture.ConnectionString);
        await using var proxy = new TcpProxy(builder.Port);
        builder.Host = "127.0.0.1";
        builder.Port = proxy.Port;
        builder.Timeout = 2;
        await using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        var store = await fixture.CreatePostgreSqlRepositoryAsync(dataSource);
        await store.InitializeAsync();
        var tracker = TestTracker.For(store, o => o.MaxRetryAttempts = 2);
        var operations = new TargetOperations(tracker);
        var target = (await tracker.CreateAsync(new NewTarget("Acme", Status: "Cold"))).Value!;
        await operations.StartAsync(new StartOperationRequest("op", "Hot", OperationSelection.ForIds([target.Id])));

        await proxy.StopAsync();

        Func<Task>[] reads =
        [
            () => tracker.GetAsync(target.Id),
            () => tracker.QueryAsync(new TargetQuery { Statuses = ["Cold"] }),
            () => tracker.GetHistoryAsync(target.Id),
            () => tracker.GetHistoryFeedAsync(new HistoryFeedRequest(DateTimeOffset.MinValue)),
            () => tracker.CountByStatusAsync(),
            () => operations.GetAsync("op"),
            () => operations.RunAsync("op"),
        ];
        foreach (var read in reads)
        {
            var error = await Assert.ThrowsAsync<TargetStoreUnavailableException>(read);
            Assert.Equal(3, error.Attempts);
            Assert.True(store.IsTransient(error.InnerException!), error.InnerException!.ToString());
        }

        var write = await Assert.ThrowsAsync<TargetStoreUnavailableException>(() => tracker.ChangeStatusAsync(target.Id, 1, "Hot"));
        Assert.Equal(target.Id, Assert.Single(write.Changes).TargetId);
        Assert.False(write.CommitOutcomeUnknown);
    }
}
