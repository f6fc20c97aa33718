using System.ComponentModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TargetTracking.Conformance;
using TargetTracking.InMemory;

namespace TargetTracking.Tests;

public sealed class WriterTests
{
    private static (TargetTracker Tracker, FaultyRepository Store) Flaky(int failures, Func<Exception> failure, int retries = 3)
    {
        var store = new FaultyRepository { Fault = n => n <= failures ? failure() : null };
        return (new TargetTracker(store, new TargetTrackingOptions { MaxRetryAttempts = retries, RetryBaseDelay = TimeSpan.Zero }, new FakeTimeProvider()), store);
    }

    [Fact]
    public async Task TransientFailure_ReRunsTheWholeUnitOfWork_AndAppliesEachItemOnce()
    {
        var (tracker, store) = Flaky(2, () => new TimeoutException("connection lost"));
        var result = await tracker.CreateManyAsync([new NewTarget("A", Status: "Cold"), new NewTarget("B")]);
        Assert.True(result.Succeeded);
        Assert.Equal(3, store.Saves);
        Assert.Equal(2, (await tracker.QueryAsync()).TotalCount);
        foreach (var item in result.Items)
        {
            Assert.Single(await tracker.GetHistoryAsync(item.TargetId));
        }
    }

    [Fact]
    public async Task TransientFailures_BeyondTheRetries_ThrowAClearError_AndWriteNothing()
    {
        var (tracker, store) = Flaky(10, () => new TimeoutException("connection lost"), retries: 2);
        var error = await Assert.ThrowsAsync<TargetStoreUnavailableException>(() => tracker.CreateAsync(new NewTarget("A")));
        Assert.Contains("failed 3 times", error.Message, StringComparison.Ordinal);
        Assert.IsType<TimeoutException>(error.InnerException);
        Assert.Equal(3, store.Saves);
        Assert.Equal(0, (await tracker.QueryAsync()).TotalCount);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task CommitAnswerLost_AfterTheStoreCommitted_ReturnsTheAppliedOutcome_NotAConflict(bool bulk)
    {
        var store = new FaultyRepository();
        var tracker = new TargetTracker(store, new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero }, new FakeTimeProvider());
        var target = (await tracker.CreateAsync(new NewTarget("A", Status: "Cold"))).Value!;
        store.CommitFault = n => n == 2 ? new TimeoutException("connection lost during COMMIT") : null;

        var outcome = bulk
            ? (await tracker.BeginBulk().ChangeStatus(target.Id, 1, "Active").CommitAsync()).Items[0]
            : new BulkItemOutcome(0, target.Id, BulkItemState.Applied, (await tracker.ChangeStatusAsync(target.Id, 1, "Active")).Value, null);
        Assert.Equal((BulkItemState.Applied, 2L), (outcome.State, outcome.Target?.Version));
        Assert.Equal(2, (await tracker.GetHistoryAsync(target.Id)).Count);

        // A commit that really was lost is decided again on the next attempt.
        store.CommitFault = _ => null;
        var created = await tracker.CreateAsync(new NewTarget("B"));
        Assert.True(created.IsSuccess);
    }

    [Theory]
    [InlineData("link")]
    [InlineData("bulk")]
    [InlineData("create")]
    public async Task HierarchyCommitAnswerLost_AfterTheStoreCommitted_ReturnsTheAppliedOutcome_AndWritesOnce(string write)
    {
        var store = new FaultyRepository();
        var tracker = new TargetTracker(store, new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero }, new FakeTimeProvider());
        var hierarchy = new HierarchyTracker(tracker);
        var outcome = (await tracker.CreateAsync(new NewTarget("A", Status: "Cold"))).Value!;
        var goal = (await hierarchy.CreateAsync(HierarchyKind.Goal, new HierarchyItemFields { Title = "Goal" })).Value!;
        var second = (await hierarchy.CreateAsync(HierarchyKind.Goal, new HierarchyItemFields { Title = "Second goal" })).Value!;
        var commits = store.Commits;
        store.CommitFault = n => n == commits + 1 ? new TimeoutException("connection lost during COMMIT") : null;

        switch (write)
        {
            case "link":
                Assert.Equal(BulkItemState.Applied, (await hierarchy.LinkAsync(outcome.Id, goal.Id)).State);
                break;
            case "bulk":
                var bulk = await hierarchy.ApplyLinksAsync([new LinkRequest(LinkAction.Link, outcome.Id, goal.Id), new LinkRequest(LinkAction.Link, outcome.Id, second.Id)]);
                Assert.True(bulk.Succeeded);
                Assert.All(bulk.Items, i => Assert.Equal(BulkItemState.Applied, i.State));
                break;
            default:
                var created = await hierarchy.CreateAsync(HierarchyKind.Commitment, new HierarchyItemFields { Title = "Once", Priority = 1 });
                Assert.True(created.IsSuccess, created.ToString());
                Assert.Single((await hierarchy.QueryAsync(new HierarchyQuery { Kind = HierarchyKind.Commitment })).Items);
                Assert.Single(await hierarchy.GetHistoryAsync(created.Value!.Id));
                break;
        }

        // The commit went through once: no second attempt wrote (the retry found the commit's entry), and nothing failed.
        Assert.Equal(commits + 1, store.Commits);
        var links = write switch { "link" => 1, "bulk" => 2, _ => 0 };
        Assert.Equal(links, (await hierarchy.GetItemsOfOutcomeAsync(outcome.Id)).Count);
        Assert.Equal(1 + links, (await tracker.GetHistoryAsync(outcome.Id)).Count);
    }

    [Fact]
    public async Task HierarchySaveFailure_BeforeItsCommit_IsDecidedAgain_AndAppliedOnce()
    {
        var store = new FaultyRepository();
        var tracker = new TargetTracker(store, new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero }, new FakeTimeProvider());
        var hierarchy = new HierarchyTracker(tracker);
        var outcome = (await tracker.CreateAsync(new NewTarget("A", Status: "Cold"))).Value!;
        var goal = (await hierarchy.CreateAsync(HierarchyKind.Goal, new HierarchyItemFields { Title = "Goal" })).Value!;
        var saves = store.Saves;

        // The first save fails before its commit: nothing was written, so the retry decides again and links once.
        store.Fault = n => n == saves + 1 ? new TimeoutException("connection lost") : null;
        Assert.Equal(BulkItemState.Applied, (await hierarchy.LinkAsync(outcome.Id, goal.Id)).State);

        Assert.Equal([goal.Id], (await hierarchy.GetItemsOfOutcomeAsync(outcome.Id)).Select(i => i.Id));
        Assert.Equal([HistoryAction.Linked, HistoryAction.Created], (await tracker.GetHistoryAsync(outcome.Id)).Select(h => h.Action));
    }

    [Fact]
    public async Task NonTransientFailure_IsNotRetried()
    {
        var (tracker, store) = Flaky(1, () => new InvalidOperationException("bug"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => tracker.CreateAsync(new NewTarget("A")));
        Assert.Equal(1, store.Saves);
        Assert.Equal(0, (await tracker.QueryAsync()).TotalCount);
    }

    [Fact]
    public async Task ConcurrentWrite_FoundAtSave_ReDecidesAgainstFreshState()
    {
        var (tracker, store) = Flaky(1, () => new ConcurrentWriteException("row moved"), retries: 1);
        var created = await tracker.CreateAsync(new NewTarget("A"));
        Assert.True(created.IsSuccess);
        Assert.Equal(2, store.Saves);
    }

    [Fact]
    public async Task AuditAccessor_SuppliesTheContext_WhenACallPassesNone()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IAuditContextAccessor>(new FixedAccessor(new AuditContext { ActorName = "From accessor", UserAgent = new string('u', 600) + "\0" }));
        services.AddTargetTracking().UseInMemory();
        await using var provider = services.BuildServiceProvider();
        var tracker = provider.GetRequiredService<TargetTracker>();
        var target = (await tracker.CreateAsync(new NewTarget("A"))).Value!;
        var entry = Assert.Single(await tracker.GetHistoryAsync(target.Id));
        Assert.Equal("From accessor", entry.ActorName);
        Assert.Equal(AuditContext.MaxFieldLength, entry.UserAgent!.Length);
        Assert.False(string.IsNullOrEmpty(entry.CorrelationId));
        target = (await tracker.ChangeStatusAsync(target.Id, 1, "Cold", new AuditContext { ActorName = "Explicit" })).Value!;
        Assert.Equal("Explicit", (await tracker.GetHistoryAsync(target.Id))[0].ActorName);
    }

    private sealed class FixedAccessor(AuditContext context) : IAuditContextAccessor
    {
        public AuditContext? Current => context;
    }

    [Fact]
    public async Task AddTargetTracking_TwiceWithInMemory_RegistersOnce_AndAppliesBothConfigurations()
    {
        var services = new ServiceCollection();
        services.AddTargetTracking(o => o.MaxBulkItems = 7).UseInMemory();
        services.AddTargetTracking(o => o.DeletePolicy = DeletePolicy.PurgeHistory).UseInMemory();
        Assert.Single(services, d => d.ServiceType == typeof(ITargetRepository));
        Assert.Single(services, d => d.ServiceType == typeof(TargetTracker));
        await using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<TargetTrackingOptions>>().Value;
        Assert.Equal((7, DeletePolicy.PurgeHistory), (options.MaxBulkItems, options.DeletePolicy));
        Assert.Same(provider.GetRequiredService<TargetTracker>().Pipeline, provider.GetRequiredService<StatusStateMachine>());
    }

    [Fact]
    public async Task InvalidOptions_FailAtStartUp_NamingTheSetting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddTargetTracking(o =>
        {
            o.MaxBulkItems = 0;
            o.Pipeline.Permit("Cold", "Frozen");
        }).UseInMemory();
        using var host = builder.Build();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("MaxBulkItems must be between 1 and 100000; it is 0.", error.Failures);
        Assert.Contains("Pipeline:Transitions:Cold names an unknown status 'Frozen'.", error.Failures);
    }

    [Fact]
    public void MissingStore_IsAClearError()
    {
        var services = new ServiceCollection();
        services.AddTargetTracking();
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<TargetTracker>());
        Assert.Contains("UseInMemory()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NullArguments_Throw()
    {
        var tracker = new TargetTracker(new InMemoryTargetStore(), new TargetTrackingOptions());
        await Assert.ThrowsAsync<ArgumentNullException>(() => tracker.CreateAsync(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => tracker.UpdateAsync(default, 1, null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => tracker.CreateManyAsync(null!));
        Assert.Throws<ArgumentNullException>(() => new TargetTracker(null!, new TargetTrackingOptions()));
    }

    [Fact]
    public async Task OutOfRangeArguments_Throw_AndNameTheArgument()
    {
        var tracker = new TargetTracker(new InMemoryTargetStore(), new TargetTrackingOptions());
        Assert.Equal("Limit", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => tracker.GetHistoryAsync(default, new HistoryPageRequest(Limit: 0)))).ParamName);
        Assert.Equal("Limit", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => tracker.GetHistoryFeedAsync(new HistoryFeedRequest(DateTimeOffset.MinValue, Limit: 1001)))).ParamName);
        Assert.Equal("SortBy", (await Assert.ThrowsAsync<InvalidEnumArgumentException>(() => tracker.QueryAsync(new TargetQuery { SortBy = (TargetSort)99 }))).ParamName);
        Assert.Equal("mode", (await Assert.ThrowsAsync<InvalidEnumArgumentException>(() => tracker.BeginBulk().CommitAsync((BulkMode)7))).ParamName);
        var operations = new TargetOperations(tracker);
        Assert.Equal("limit", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => operations.GetFailuresAsync("op", limit: 0))).ParamName);
        Assert.Equal("limit", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => operations.FindRunnableAsync(0))).ParamName);
    }
}
