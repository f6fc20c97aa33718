using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>What an adapter's test project supplies to run the conformance suite.</summary>
public interface IStoreFixture
{
    /// <summary>Creates a new, empty, isolated store (its own schema, database or file).</summary>
    Task<ITargetRepository> CreateRepositoryAsync();
}

/// <summary>A clock the test moves by hand. (Microsoft.Extensions.TimeProvider.Testing is not on the mirror.)</summary>
public sealed class FakeTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly object _gate = new();
    private DateTimeOffset _now = start;

    public FakeTimeProvider()
        : this(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero))
    {
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public void Advance(TimeSpan by)
    {
        lock (_gate)
        {
            _now += by;
        }
    }
}
