using System.Collections.Immutable;

namespace TargetTracking.InMemory;

/// <summary>The hierarchy in the in-memory store: every question answered by brute force, the model of the set-based stores.</summary>
public sealed partial class InMemoryTargetStore
{
    /// <inheritdoc />
    public Task<HierarchyItem?> GetItemAsync(Guid id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Volatile.Read(ref Here.State).Items.GetValueOrDefault(id));
    }

    /// <inheritdoc />
    public Task<HierarchyItemPage> QueryItemsAsync(HierarchyQuery query, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(query);
        cancellationToken.ThrowIfCancellationRequested();
        var matches = Volatile.Read(ref Here.State).Items.Values.Where(i =>
            i.Kind == query.Kind
            && (query.Statuses is not { } statuses || statuses.Any(s => StatusStateMachine.SameStatus(s, i.Status)))
            && (query.TitleContains is not { } text || TextSearch.Normalize(i.Title).Contains(text, StringComparison.Ordinal))
            && (query.From is not { } from || (i.When is { } w1 && w1 >= from))
            && (query.To is not { } to || (i.When is { } w2 && w2 <= to)));
        return Task.FromResult(Page(matches, query.Skip, query.Take));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<HierarchyHistoryEntry>> GetItemHistoryAsync(Guid id, HistoryPageRequest page, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(page);
        cancellationToken.ThrowIfCancellationRequested();
        var entries = Volatile.Read(ref Here.State).ItemHistory.GetValueOrDefault(id, []);
        IReadOnlyList<HierarchyHistoryEntry> result = [.. entries.Reverse().Where(e => page.BeforeVersion is not { } before || e.Version < before).Take(page.Limit)];
        return Task.FromResult(result);
    }

    /// <inheritdoc />
    public Task<TargetPage> GetOutcomesAsync(Guid itemId, int skip, int take, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var state = Volatile.Read(ref Here.State);
        var outcomes = state.Links.Keys.Where(k => k.ItemId == itemId).Select(k => state.Targets[k.TargetId]).OrderBy(t => t.Id).ToList();
        return Task.FromResult(new TargetPage([.. outcomes.Skip(skip).Take(take)], outcomes.Count));
    }

    /// <inheritdoc />
    public Task<HierarchyItemPage> GetRelatedItemsAsync(Guid itemId, HierarchyKind kind, int skip, int take, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var state = Volatile.Read(ref Here.State);
        var outcomes = state.Links.Keys.Where(k => k.ItemId == itemId).Select(k => k.TargetId).ToHashSet();
        var related = state.Links.Values.Where(l => outcomes.Contains(l.TargetId) && l.Kind == kind && l.ItemId != itemId).Select(l => state.Items[l.ItemId]).Distinct();
        return Task.FromResult(Page(related, skip, take));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<LinkedItem>> GetItemsOfOutcomesAsync(IReadOnlyCollection<TargetId> targetIds, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(targetIds);
        cancellationToken.ThrowIfCancellationRequested();
        var state = Volatile.Read(ref Here.State);
        var wanted = targetIds.ToHashSet();
        IReadOnlyList<LinkedItem> found =
        [
            .. state.Links.Keys.Where(k => wanted.Contains(k.TargetId)).OrderBy(k => k.TargetId).ThenBy(k => k.ItemId)
                .Select(k => new LinkedItem(k.TargetId, state.Items[k.ItemId])),
        ];
        return Task.FromResult(found);
    }

    /// <inheritdoc />
    public Task<OutcomeTreePage> GetOutcomeTreeAsync(Guid itemId, int skip, int take, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var state = Volatile.Read(ref Here.State);
        var outcomes = state.Links.Keys.Where(k => k.ItemId == itemId).Select(k => state.Targets[k.TargetId]).OrderBy(t => t.Id).ToList();
        var page = outcomes.Skip(skip).Take(take).Select(t => t.Id).ToHashSet();
        IReadOnlyList<LinkedItem> items =
        [
            .. state.Links.Values.Where(l => page.Contains(l.TargetId) && l.Kind != HierarchyKind.Goal).OrderBy(l => l.TargetId).ThenBy(l => l.ItemId)
                .Select(l => new LinkedItem(l.TargetId, state.Items[l.ItemId])),
        ];
        return Task.FromResult(new OutcomeTreePage(new TargetPage([.. outcomes.Skip(skip).Take(take)], outcomes.Count), items));
    }

    /// <inheritdoc />
    public Task<HierarchyItemPage> GetOrphansAsync(HierarchyKind kind, int skip, int take, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var state = Volatile.Read(ref Here.State);
        var linked = state.Links.Keys.Select(k => k.ItemId).ToHashSet();
        return Task.FromResult(Page(state.Items.Values.Where(i => i.Kind == kind && !linked.Contains(i.Id)), skip, take));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StatusTally>> TallyAsync(HierarchyKind kind, IReadOnlyCollection<Guid> itemIds, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(itemIds);
        cancellationToken.ThrowIfCancellationRequested();
        var state = Volatile.Read(ref Here.State);
        var tallies = new List<StatusTally>();
        foreach (var id in itemIds.Distinct())
        {
            if (!state.Items.TryGetValue(id, out var item) || item.Kind != kind)
            {
                continue;
            }

            var outcomes = state.Links.Keys.Where(k => k.ItemId == id).Select(k => k.TargetId).ToHashSet();
            IEnumerable<string?> statuses = kind == HierarchyKind.Goal
                ? outcomes.Select(t => state.Targets[t].Status)
                : state.Links.Values.Where(l => l.Kind == HierarchyKind.Commitment && outcomes.Contains(l.TargetId)).Select(l => l.ItemId).Distinct().Select(c => state.Items[c].Status);
            tallies.AddRange(statuses.GroupBy(s => s, StringComparer.Ordinal).Select(g => new StatusTally(id, g.Key, g.LongCount())));
        }

        return Task.FromResult<IReadOnlyList<StatusTally>>(tallies);
    }

    private static HierarchyItemPage Page(IEnumerable<HierarchyItem> items, int skip, int take)
    {
        var list = items.OrderBy(i => i.Id).ToList();
        return new HierarchyItemPage([.. list.Skip(skip).Take(take)], list.Count);
    }

    /// <summary>Test hook: the links as stored, as a database's links table holds them.</summary>
    internal IReadOnlyCollection<OutcomeLink> Links => [.. Volatile.Read(ref Here.State).Links.Values];

    private sealed partial class Session
    {
        public Task<IReadOnlyDictionary<Guid, HierarchyItem>> LockItemsAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken = default)
        {
            Guard.Against.Null(ids);
            cancellationToken.ThrowIfCancellationRequested();
            var state = _pending ?? partition.State;
            IReadOnlyDictionary<Guid, HierarchyItem> found = ids.Distinct().Where(state.Items.ContainsKey).ToDictionary(id => id, id => state.Items[id]);
            return Task.FromResult(found);
        }

        public Task<IReadOnlyList<OutcomeLink>> ReadLinksAsync(IReadOnlyCollection<TargetId> targetIds, IReadOnlyCollection<Guid> itemIds, CancellationToken cancellationToken = default)
        {
            Guard.Against.Null(targetIds);
            Guard.Against.Null(itemIds);
            cancellationToken.ThrowIfCancellationRequested();
            var state = _pending ?? partition.State;
            var targets = targetIds.ToHashSet();
            var items = itemIds.ToHashSet();
            IReadOnlyList<OutcomeLink> found = [.. state.Links.Values.Where(l => targets.Contains(l.TargetId) || items.Contains(l.ItemId))];
            return Task.FromResult(found);
        }

        public Task SaveHierarchyAsync(HierarchyChangeSet changes, CancellationToken cancellationToken = default)
        {
            Guard.Against.Null(changes);
            cancellationToken.ThrowIfCancellationRequested();
            var state = _pending ?? partition.State;
            var items = state.Items.ToBuilder();
            var links = state.Links.ToBuilder();
            var history = state.ItemHistory.ToBuilder();

            // The same checks a database makes with its keys, foreign keys and version predicates.
            foreach (var item in changes.Inserts)
            {
                if (!items.TryAdd(item.Id, item))
                {
                    throw new ConcurrentWriteException($"Item {item.Id} exists already.");
                }
            }

            foreach (var write in changes.Updates)
            {
                if (!items.TryGetValue(write.Item.Id, out var current) || current.Version != write.ExpectedVersion)
                {
                    throw new ConcurrentWriteException($"Item {write.Item.Id} is not at version {write.ExpectedVersion}.");
                }

                items[write.Item.Id] = write.Item;
            }

            foreach (var link in changes.RemovedLinks)
            {
                if (!links.Remove((link.TargetId, link.ItemId)))
                {
                    throw new ConcurrentWriteException($"The link of target {link.TargetId} to {link.Kind} {link.ItemId} does not exist.");
                }
            }

            foreach (var link in changes.AddedLinks)
            {
                if (!state.Targets.ContainsKey(link.TargetId) || !items.TryGetValue(link.ItemId, out var item) || item.Kind != link.Kind)
                {
                    throw new InvalidOperationException($"A link of target {link.TargetId} to {link.Kind} {link.ItemId} would point at a missing row.");
                }

                if (!links.TryAdd((link.TargetId, link.ItemId), link))
                {
                    throw new ConcurrentWriteException($"The link of target {link.TargetId} to {link.Kind} {link.ItemId} exists already.");
                }
            }

            foreach (var delete in changes.Deletes)
            {
                if (!items.TryGetValue(delete.Id, out var current) || current.Version != delete.ExpectedVersion)
                {
                    throw new ConcurrentWriteException($"Item {delete.Id} is not at version {delete.ExpectedVersion}.");
                }

                if (links.Keys.Any(k => k.ItemId == delete.Id))
                {
                    throw new InvalidOperationException($"Item {delete.Id} still has links.");
                }

                items.Remove(delete.Id);
            }

            foreach (var entry in changes.History)
            {
                history[entry.ItemId] = history.GetValueOrDefault(entry.ItemId, []).Add(entry);
            }

            _pending = state with { Items = items.ToImmutable(), Links = links.ToImmutable(), ItemHistory = history.ToImmutable() };
            return Task.CompletedTask;
        }
    }
}
