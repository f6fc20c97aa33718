using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>
/// The behaviour every store must have. An adapter signs up with an empty subclass:
/// <c>public sealed class MyStoreConformance(MyFixture f) : TargetRepositoryConformance&lt;MyFixture&gt;(f);</c>
/// </summary>
public abstract partial class TargetRepositoryConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, IStoreFixture
{
    protected TFixture Fixture { get; } = fixture;

    protected FakeTimeProvider Clock { get; } = new();

    protected async Task<TargetTracker> NewTrackerAsync(Action<TargetTrackingOptions>? configure = null)
    {
        var options = new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero };
        configure?.Invoke(options);
        return new TargetTracker(await Fixture.CreateRepositoryAsync(), options, Clock);
    }

    [Fact]
    public async Task Create_ThenGet_RoundTripsEveryField()
    {
        var tracker = await NewTrackerAsync();
        var created = await tracker.CreateAsync(new NewTarget("Acme 'GmbH'; DROP TABLE targets;--", "desc ✓ 🚀", [" EU ", "us"], "Cold"));
        Assert.True(created.IsSuccess, created.ToString());
        var read = await tracker.GetAsync(created.Value.Id);
        Assert.True(read.IsSuccess);
        Assert.True(created.Value.SameAs(read.Value), $"{created.Value} != {read.Value}");
        Assert.Equal(["EU", "us"], read.Value.Markets);
        Assert.Equal(1, read.Value.Version);
    }
}
