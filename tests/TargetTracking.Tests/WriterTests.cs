using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TargetTracking.Conformance;
using TargetTracking.InMemory;

namespace TargetTracking.Tests;

public sealed class WriterTests
{
    /// <summary>A store whose first saves fail the way a dropped connection does.</summary>
    private sealed class FlakyRepository(ITargetRepository inner, int failures, Func<Exception> failure) : ITargetRepository
    {
        public int Saves;

        public int Failures { get; } = failures;

        public Func<Exception> Failure { get; } = failure;

        public Task<Target?> GetAsync(TargetId id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);

        public Task<TargetPage> QueryAsync(TargetQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);

        public Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(TargetId id, HistoryPageRequest page, CancellationToken cancellationToken = default) => inner.GetHistoryAsync(id, page, cancellationToken);

        public Task<IReadOnlyList<HistoryEntry>> GetHistoryFeedAsync(HistoryFeedRequest request, CancellationToken cancellationToken = default) => inner.GetHistoryFeedAsync(request, cancellationToken);

        public async Task<ITargetWriteSession> BeginWriteAsync(CancellationToken cancellationToken = default) => new Session(this, await inner.BeginWriteAsync(cancellationToken));

        public bool IsTransient(Exception exception) => exception is TimeoutException;

        private sealed class Session(FlakyRepository owner, ITargetWriteSession inner) : ITargetWriteSession
        {
            public Task<IReadOnlyDictionary<TargetId, Target>> LockAsync(IReadOnlyCollection<TargetId> ids, CancellationToken cancellationToken = default) => inner.LockAsync(ids, cancellationToken);

            public async Task SaveAsync(ChangeSet changes, CancellationToken cancellationToken = default)
            {
                await inner.SaveAsync(changes, cancellationToken);
                if (Interlocked.Increment(ref owner.Saves) <= owner.Failures)
                {
                    throw owner.Failure();
                }
            }

            public Task CommitAsync(CancellationToken cancellationToken = default) => inner.CommitAsync(cancellationToken);

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }

    private static (TargetTracker Tracker, FlakyRepository Store) Flaky(int failures, Func<Exception> failure, int retries = 3)
    {
        var store = new FlakyRepository(new InMemoryTargetRepository(), failures, failure);
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
        var tracker = new TargetTracker(new InMemoryTargetRepository(), new TargetTrackingOptions());
        await Assert.ThrowsAsync<ArgumentNullException>(() => tracker.CreateAsync(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => tracker.UpdateAsync(default, 1, null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => tracker.CreateManyAsync(null!));
        Assert.Throws<ArgumentNullException>(() => new TargetTracker(null!, new TargetTrackingOptions()));
    }
}
