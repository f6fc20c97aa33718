using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>What an adapter's test project supplies to run the conformance suite.</summary>
public interface IStoreFixture
{
    /// <summary>Creates a new, empty, isolated store (its own schema, database or file).</summary>
    Task<ITargetRepository> CreateRepositoryAsync();
}
