using TargetTracking.Conformance;
using TargetTracking.InMemory;

namespace TargetTracking.Tests;

public sealed class InMemoryFixture : IStoreFixture
{
    public Task<ITargetRepository> CreateRepositoryAsync() => Task.FromResult<ITargetRepository>(new InMemoryTargetRepository());
}

public sealed class InMemoryConformance(InMemoryFixture fixture) : TargetRepositoryConformance<InMemoryFixture>(fixture);

public sealed class InMemoryOperationConformance(InMemoryFixture fixture) : OperationConformance<InMemoryFixture>(fixture);
