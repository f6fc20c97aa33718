using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TargetTracking.Conformance;
using TargetTracking.InMemory;

namespace TargetTracking.Tests;

public sealed class OperationTests
{
    private static async Task<(TargetTracker Tracker, TargetOperations Operations, List<TargetId> Ids)> SeedAsync(ITargetRepository store, int count)
    {
        var tracker = new TargetTracker(store, new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero }, new FakeTimeProvider());
        var created = await tracker.CreateManyAsync(Enumerable.Range(0, count).Select(i => new NewTarget($"T{i}", Status: "Cold")));
        return (tracker, new TargetOperations(tracker), [.. created.Items.Select(i => i.TargetId)]);
    }

    [Fact]
    public async Task TransientBatchFailure_IsRetried_AndTheBatchAppliesOnce()
    {
        var store = new FaultyRepository();
        var (tracker, operations, ids) = await SeedAsync(store, 25);
        await operations.StartAsync(new StartOperationRequest("op", "Active", OperationSelection.ForIds(ids)) { BatchSize = 10 });
        var first = store.Saves;
        store.Fault = n => n == first + 2 ? new TimeoutException("connection reset") : null;

        var done = (await operations.RunAsync("op")).Value!;
        Assert.Equal((OperationStatus.Completed, 25L, 1, 3L), (done.Status, done.Succeeded, done.RetryCount, done.CurrentBatch));
        foreach (var id in ids)
        {
            Assert.Equal(2, (await tracker.GetAsync(id)).Value!.Version);
        }
    }

    [Fact]
    public async Task BatchFailingBeyondMaxRetries_FailsTheOperation_WhichResumesLater()
    {
        var store = new FaultyRepository();
        var (tracker, operations, ids) = await SeedAsync(store, 25);
        await operations.StartAsync(new StartOperationRequest("op", "Active", OperationSelection.ForIds(ids)) { BatchSize = 10, MaxRetries = 2 });
        var first = store.Saves;
        store.Fault = n => n > first + 1 ? new TimeoutException("database is down") : null;

        var failed = (await operations.RunAsync("op")).Value!;
        Assert.Equal((OperationStatus.Failed, 10L, 3, "database is down"), (failed.Status, failed.Processed, failed.RetryCount, failed.Error));
        Assert.Equal(failed, (await operations.GetAsync("op")).Value);
        Assert.Empty(await operations.FindRunnableAsync());
        Assert.Equal(10, (await tracker.QueryAsync(new TargetQuery { Statuses = ["Active"] })).TotalCount);

        store.Fault = _ => null;
        var resumed = (await operations.RunAsync("op")).Value!;
        Assert.Equal((OperationStatus.Completed, 25L, null), (resumed.Status, resumed.Succeeded, resumed.Error));
        foreach (var id in ids)
        {
            HistoryAssert.Replays((await tracker.GetAsync(id)).Value, await tracker.GetHistoryAsync(id));
            Assert.Equal(2, (await tracker.GetAsync(id)).Value!.Version);
        }
    }

    [Fact]
    public async Task Operations_OnAStoreWithoutSupport_FailClearlyAtConstruction()
    {
        var tracker = new TargetTracker(new ReadOnlyStore(), new TargetTrackingOptions());
        var error = Assert.Throws<NotSupportedException>(() => new TargetOperations(tracker));
        Assert.Contains("does not implement IOperationStore", error.Message, StringComparison.Ordinal);
    }

    private sealed class ReadOnlyStore : ITargetRepository
    {
        private readonly InMemoryTargetStore _inner = new();

        public Task<Target?> GetAsync(TargetId id, CancellationToken cancellationToken = default) => _inner.GetAsync(id, cancellationToken);

        public Task<TargetPage> QueryAsync(TargetQuery query, CancellationToken cancellationToken = default) => _inner.QueryAsync(query, cancellationToken);

        public Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(TargetId id, HistoryPageRequest page, CancellationToken cancellationToken = default) => _inner.GetHistoryAsync(id, page, cancellationToken);

        public Task<IReadOnlyList<HistoryEntry>> GetHistoryFeedAsync(HistoryFeedRequest request, CancellationToken cancellationToken = default) => _inner.GetHistoryFeedAsync(request, cancellationToken);

        public Task<ITargetWriteSession> BeginWriteAsync(CancellationToken cancellationToken = default) => _inner.BeginWriteAsync(cancellationToken);

        public bool IsTransient(Exception exception) => false;
    }

    [Fact]
    public async Task HostedRunner_RunsPendingOperations()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddTargetTracking(o => o.Operations.PollInterval = TimeSpan.FromMilliseconds(20)).UseInMemory().AddOperationRunner().AddOperationRunner();
        Assert.Single(builder.Services, d => d.ImplementationType == typeof(OperationRunnerService));
        using var host = builder.Build();
        var tracker = host.Services.GetRequiredService<TargetTracker>();
        var operations = host.Services.GetRequiredService<TargetOperations>();
        var created = await tracker.CreateManyAsync(Enumerable.Range(0, 250).Select(i => new NewTarget($"T{i}", Status: "Cold")));
        await operations.StartAsync(new StartOperationRequest("hosted", "Hot", OperationSelection.Where(new TargetQuery { Statuses = ["Cold"] })));

        await host.StartAsync();
        BulkOperation operation;
        var waited = 0;
        while ((operation = (await operations.GetAsync("hosted")).Value!).Status != OperationStatus.Completed && waited++ < 500)
        {
            await Task.Delay(20);
        }

        await host.StopAsync();
        Assert.Equal((OperationStatus.Completed, 250L), (operation.Status, operation.Succeeded));
        Assert.Equal(250, (await tracker.QueryAsync(new TargetQuery { Statuses = ["Hot"] })).TotalCount);
    }

    [Fact]
    public void OperationOptions_HaveDocumentedDefaults_AndValidate()
    {
        var options = new TargetTrackingOptions();
        Assert.Equal((100, TimeSpan.FromDays(30), TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(5)), (options.Operations.DefaultBatchSize, options.Operations.RetentionPeriod, options.Operations.InterruptedAfter, options.Operations.PollInterval));
        options.Operations.DefaultBatchSize = 1001;
        options.Operations.RetentionPeriod = TimeSpan.Zero;
        Assert.Equal(
            ["Operations:DefaultBatchSize must be between 1 and 1000; it is 1001.", "Operations:RetentionPeriod must be positive; it is 00:00:00."],
            options.Validate());
    }
}
