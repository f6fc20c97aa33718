using Xunit.Abstractions;
using System.Collections.Immutable;
using TargetTracking.Conformance;
using TargetTracking.InMemory;

namespace TargetTracking.Tests;

public sealed class InMemoryFixture : IIntegrityFixture
{
    public Task<ITargetRepository> CreateRepositoryAsync() => Task.FromResult<ITargetRepository>(new InMemoryTargetStore());

    public Task<(ITargetRepository Repository, IStoreSaboteur Saboteur)> CreateCorruptibleAsync()
    {
        var repository = new InMemoryTargetStore();
        return Task.FromResult<(ITargetRepository, IStoreSaboteur)>((repository, new InMemorySaboteur(repository)));
    }
}

/// <summary>Corrupts the in-memory store through its test-only hook; its types let only an undefined action in.</summary>
internal sealed class InMemorySaboteur(InMemoryTargetStore repository) : IStoreSaboteur
{
    public IReadOnlySet<Malformation> Plantable { get; } = new HashSet<Malformation> { Malformation.UnknownAction };

    public Task InsertHistoryAsync(HistoryEntry entry)
    {
        repository.Tamper(history: h => h.SetItem(entry.TargetId, h.GetValueOrDefault(entry.TargetId, []).Add(entry)));
        return Task.CompletedTask;
    }

    public Task SetTargetStateAsync(TargetId id, string? status, long version)
    {
        repository.Tamper(targets: t => t.SetItem(id, t[id] with { Status = status, Version = version }));
        return Task.CompletedTask;
    }

    public Task DeleteTargetRowAsync(TargetId id)
    {
        repository.Tamper(targets: t => t.Remove(id));
        return Task.CompletedTask;
    }

    public Task InsertLinkAsync(OutcomeLink link)
    {
        repository.TamperHierarchy(links: l => l.SetItem((link.TargetId, link.ItemId), link));
        return Task.CompletedTask;
    }

    public Task DeleteItemRowAsync(Guid itemId)
    {
        repository.TamperHierarchy(items: i => i.Remove(itemId));
        return Task.CompletedTask;
    }

    public Task InsertTargetRowAsync(Target target)
    {
        repository.Tamper(targets: t => t.Add(target.Id, target));
        return Task.CompletedTask;
    }

    // Nothing keeps versions unique in memory but the core.
    public Task AllowDuplicateVersionsAsync() => Task.CompletedTask;

    public async Task<string> PlantAsync(Malformation malformation, TargetId target)
    {
        if (malformation != Malformation.UnknownAction)
        {
            throw new NotSupportedException($"The in-memory store's types refuse {malformation}.");
        }

        var id = Guid.CreateVersion7();
        await InsertHistoryAsync(new HistoryEntry
        {
            Id = id,
            TargetId = target,
            Action = (HistoryAction)99,
            Version = 99,
            OccurredAt = DateTimeOffset.UnixEpoch,
            CorrelationId = "sabotage",
        });
        return id.ToString("D");
    }
}

public sealed class InMemoryConformance(InMemoryFixture fixture) : TargetRepositoryConformance<InMemoryFixture>(fixture);

public sealed class InMemoryOperationConformance(InMemoryFixture fixture) : OperationConformance<InMemoryFixture>(fixture);

public sealed class InMemoryIntegrityConformance(InMemoryFixture fixture) : IntegrityConformance<InMemoryFixture>(fixture);

public sealed class InMemoryLedgerConformance(InMemoryFixture fixture) : LedgerConformance<InMemoryFixture>(fixture);

public sealed class InMemoryErasureConformance(InMemoryFixture fixture) : ErasureConformance<InMemoryFixture>(fixture);

public sealed class InMemoryHierarchyConformance(InMemoryFixture fixture) : HierarchyConformance<InMemoryFixture>(fixture);
public sealed class InMemoryChangeFeedConformance(InMemoryFixture fixture, ITestOutputHelper output) : ChangeFeedConformance<InMemoryFixture>(fixture, output);

    /// <inheritdoc />
public sealed class InMemoryReportConformance(InMemoryFixture fixture) : ReportConformance<InMemoryFixture>(fixture);

public sealed class InMemoryTenancyConformance(InMemoryFixture fixture) : TenancyConformance<InMemoryFixture>(fixture);

public sealed class InMemoryWebhookConformance(InMemoryFixture fixture) : WebhookConformance<InMemoryFixture>(fixture);
