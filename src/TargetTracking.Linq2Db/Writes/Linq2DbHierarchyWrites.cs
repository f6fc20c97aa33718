using Ardalis.GuardClauses;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;

namespace TargetTracking.Linq2Db;

/// <summary>The hierarchy's part of a write session: item locks, link reads, and the set-based save of items, links and their history.</summary>
internal sealed partial class Linq2DbWriteSession
{
    public Task<IReadOnlyDictionary<Guid, HierarchyItem>> LockItemsAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(ids);
        return Guarded<IReadOnlyDictionary<Guid, HierarchyItem>>(async () =>
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            if (ids.Count == 0)
            {
                return new Dictionary<Guid, HierarchyItem>();
            }

            var keys = ids.Distinct().ToArray();

            // In id order, so two writers that touch overlapping sets queue instead of deadlocking.
            var rows = await _dialect.Sessions.ForUpdate(Connection.GetTable<ItemRecord>().Where(i => keys.Contains(i.Id)).OrderBy(i => i.Id))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            return rows.Select(r => r.ToItem()).ToDictionary(i => i.Id);
        });
    }

    public Task<IReadOnlyList<OutcomeLink>> ReadLinksAsync(IReadOnlyCollection<TargetId> targetIds, IReadOnlyCollection<Guid> itemIds, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(targetIds);
        Guard.Against.Null(itemIds);
        return Guarded<IReadOnlyList<OutcomeLink>>(async () =>
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            var targets = targetIds.Select(t => t.Value).Distinct().ToArray();
            var items = itemIds.Distinct().ToArray();
            var links = Connection.GetTable<LinkRecord>();
            var query = (targets.Length > 0, items.Length > 0) switch
            {
                (true, true) => links.Where(l => targets.Contains(l.TargetId) || items.Contains(l.ItemId)),
                (true, false) => links.Where(l => targets.Contains(l.TargetId)),
                (false, true) => links.Where(l => items.Contains(l.ItemId)),
                _ => null,
            };
            if (query is null)
            {
                return [];
            }

            var rows = await query.ToListAsync(cancellationToken).ConfigureAwait(false);
            return [.. rows.Select(r => r.ToLink())];
        });
    }

    public async Task SaveHierarchyAsync(HierarchyChangeSet changes, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(changes);
        ObjectDisposedException.ThrowIf(_ended, this);
        if (changes.IsEmpty)
        {
            return;
        }

        await FlushAsync(cancellationToken).ConfigureAwait(false);
        await Guarded(async () =>
        {
            var rows = new BulkCopyOptions { BulkCopyType = BulkCopyType.MultipleRows };
            if (changes.Inserts.Count > 0)
            {
                await Connection.BulkCopyAsync(rows, changes.Inserts.Select(i => ItemRecord.From(i).In(Connection)), cancellationToken).ConfigureAwait(false);
            }

            foreach (var write in changes.Updates)
            {
                var r = ItemRecord.From(write.Item);
                var expected = write.ExpectedVersion;
                var updated = await Connection.GetTable<ItemRecord>()
                    .Where(i => i.Id == r.Id && i.Version == expected)
                    .Set(i => i.Title, r.Title)
                    .Set(i => i.TitleNorm, r.TitleNorm)
                    .Set(i => i.Description, r.Description)
                    .Set(i => i.Status, r.Status)
                    .Set(i => i.TargetDay, r.TargetDay)
                    .Set(i => i.SprintName, r.SprintName)
                    .Set(i => i.StartDay, r.StartDay)
                    .Set(i => i.EndDay, r.EndDay)
                    .Set(i => i.Priority, r.Priority)
                    .Set(i => i.DueDay, r.DueDay)
                    .Set(i => i.WhenDay, r.WhenDay)
                    .Set(i => i.Version, r.Version)
                    .Set(i => i.UpdatedAt, r.UpdatedAt)
                    .UpdateAsync(cancellationToken).ConfigureAwait(false);
                CheckItems(updated, 1, "update");
            }

            // Set-based per item: a cascade removes all of an item's links in one statement.
            foreach (var group in changes.RemovedLinks.GroupBy(l => l.ItemId))
            {
                var itemId = group.Key;
                var targets = group.Select(l => l.TargetId.Value).ToArray();
                var removed = await Connection.GetTable<LinkRecord>().Where(l => l.ItemId == itemId && targets.Contains(l.TargetId)).DeleteAsync(cancellationToken).ConfigureAwait(false);
                CheckItems(removed, targets.Length, "remove link(s) of");
            }

            if (changes.AddedLinks.Count > 0)
            {
                await Connection.BulkCopyAsync(rows, changes.AddedLinks.Select(l => LinkRecord.From(l).In(Connection)), cancellationToken).ConfigureAwait(false);
            }

            foreach (var delete in changes.Deletes)
            {
                var (id, expected) = (delete.Id, delete.ExpectedVersion);
                CheckItems(await Connection.GetTable<ItemRecord>().Where(i => i.Id == id && i.Version == expected).DeleteAsync(cancellationToken).ConfigureAwait(false), 1, "delete");
            }

            if (changes.History.Count > 0)
            {
                await Connection.BulkCopyAsync(rows, changes.History.Select(h => ItemHistoryRecord.From(h).In(Connection)), cancellationToken).ConfigureAwait(false);
            }

            return true;
        }).ConfigureAwait(false);
    }

    private void CheckItems(long actual, int expected, string what)
    {
        if (actual != expected)
        {
            _failed = true;
            throw new ConcurrentWriteException(
                $"The store expected to {what} {expected} item row(s) as locked but matched {actual}; the unit of work is re-run against the current rows.");
        }
    }
}
