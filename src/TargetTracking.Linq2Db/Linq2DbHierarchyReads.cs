using Ardalis.GuardClauses;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;

namespace TargetTracking.Linq2Db;

/// <summary>
/// The hierarchy's questions, answered in the database (<see cref="IHierarchyStore"/>): joins of the links table with itself
/// for "through the outcomes", <c>DISTINCT</c> so an item counts once however many outcomes it shares, anti-joins for orphans,
/// and <c>GROUP BY</c> for roll-ups. Nothing loads links or history into the process beyond the page asked for.
/// </summary>
public sealed partial class Linq2DbTargetStore
{
    /// <inheritdoc />
    public Task<HierarchyItem?> GetItemAsync(Guid id, CancellationToken cancellationToken = default) =>
        RunAsync(async db =>
        {
            var row = await db.GetTable<ItemRecord>().FirstOrDefaultAsync(i => i.Id == id, cancellationToken).ConfigureAwait(false);
            return row?.ToItem();
        }, cancellationToken);

    /// <inheritdoc />
    public Task<HierarchyItemPage> QueryItemsAsync(HierarchyQuery query, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(query);
        return RunAsync(db =>
        {
            var kind = query.Kind.ToString();
            var items = db.GetTable<ItemRecord>().Where(i => i.Kind == kind);
            if (query.Statuses is { } statuses)
            {
                // Stored statuses match ignoring case, as target filters do.
                var keys = statuses.Where(s => s is not null).SelectMany(s => TargetFilter.UpperForms(s!)).Distinct(StringComparer.Ordinal).ToArray();
                var notSet = statuses.Any(s => s is null);
                items = notSet ? items.Where(i => i.Status == null || keys.Contains(Sql.Upper(i.Status)!)) : items.Where(i => keys.Contains(Sql.Upper(i.Status)!));
            }

            if (query.TitleContains is { } text)
            {
                items = items.Where(i => Sql.CharIndex(text, i.TitleNorm) > 0);
            }

            if (query.From is { } from)
            {
                var day = from.DayNumber;
                items = items.Where(i => i.WhenDay >= day);
            }

            if (query.To is { } to)
            {
                var day = to.DayNumber;
                items = items.Where(i => i.WhenDay <= day);
            }

            return PageAsync(items, query.Skip, query.Take, cancellationToken);
        }, cancellationToken, ReadScope.Snapshot);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<HierarchyHistoryEntry>> GetItemHistoryAsync(Guid id, HistoryPageRequest page, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(page);
        return RunAsync<IReadOnlyList<HierarchyHistoryEntry>>(async db =>
        {
            var before = page.BeforeVersion ?? long.MaxValue;
            var rows = await db.GetTable<ItemHistoryRecord>().Where(h => h.ItemId == id && h.Version < before).OrderByDescending(h => h.Version).Take(page.Limit)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            return [.. rows.Select(r => r.ToEntry())];
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<TargetPage> GetOutcomesAsync(Guid itemId, int skip, int take, CancellationToken cancellationToken = default) =>
        RunAsync(db => OutcomePageAsync(db, itemId, skip, take, cancellationToken), cancellationToken, ReadScope.Snapshot);

    /// <inheritdoc />
    public Task<OutcomeTreePage> GetOutcomeTreeAsync(Guid itemId, int skip, int take, CancellationToken cancellationToken = default) =>
        RunAsync(async db =>
        {
            var page = await OutcomePageAsync(db, itemId, skip, take, cancellationToken).ConfigureAwait(false);
            if (page.Items.Count == 0)
            {
                return new OutcomeTreePage(page, []);
            }

            // The page's sprints and commitments through a join on the page itself (a derived table of the same
            // ORDER BY … OFFSET … LIMIT), never its ids as literals: one SQL text for every goal and page, so the
            // database parses and plans it once and linq2db caches one query (issue 12's 2.5x was the literals).
            var goal = nameof(HierarchyKind.Goal);
            var pageIds = Outcomes(db, itemId).OrderBy(t => t.Id).Skip(skip).Take(take).Select(t => t.Id);
            var rows = await (
                from p in pageIds
                join l in db.GetTable<LinkRecord>() on p equals l.TargetId
                join i in db.GetTable<ItemRecord>() on l.ItemId equals i.Id
                where l.Kind != goal
                orderby l.TargetId, l.ItemId
                select new { l.TargetId, Item = i }).ToListAsync(cancellationToken).ConfigureAwait(false);
            return new OutcomeTreePage(page, [.. rows.Select(r => new LinkedItem(new TargetId(r.TargetId), r.Item.ToItem()))]);
        }, cancellationToken, ReadScope.Snapshot);

    private static IQueryable<TargetRecord> Outcomes(DataConnection db, Guid itemId) =>
        from l in db.GetTable<LinkRecord>()
        where l.ItemId == itemId
        join t in db.GetTable<TargetRecord>() on l.TargetId equals t.Id
        select t;

    private static async Task<TargetPage> OutcomePageAsync(DataConnection db, Guid itemId, int skip, int take, CancellationToken cancellationToken)
    {
        var outcomes = Outcomes(db, itemId);
        var total = await outcomes.LongCountAsync(cancellationToken).ConfigureAwait(false);
        var rows = total <= skip ? [] : await outcomes.OrderBy(t => t.Id).Skip(skip).Take(take).Select(TargetRecord.Readable).ToListAsync(cancellationToken).ConfigureAwait(false);
        return new TargetPage([.. rows.Select(r => r.ToTarget())], total);
    }

    /// <inheritdoc />
    public Task<HierarchyItemPage> GetRelatedItemsAsync(Guid itemId, HierarchyKind kind, int skip, int take, CancellationToken cancellationToken = default) =>
        RunAsync(db =>
        {
            var kindName = kind.ToString();
            var links = db.GetTable<LinkRecord>();
            var outcomes = links.Where(l => l.ItemId == itemId).Select(l => l.TargetId);

            // Each related item once, however many outcomes it shares with this one: an IN over the second hop.
            var related = links.Where(l => l.Kind == kindName && l.ItemId != itemId && outcomes.Contains(l.TargetId)).Select(l => l.ItemId);
            return PageAsync(db.GetTable<ItemRecord>().Where(i => related.Contains(i.Id)), skip, take, cancellationToken);
        }, cancellationToken, ReadScope.Snapshot);

    /// <inheritdoc />
    public Task<IReadOnlyList<LinkedItem>> GetItemsOfOutcomesAsync(IReadOnlyCollection<TargetId> targetIds, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(targetIds);
        return RunAsync<IReadOnlyList<LinkedItem>>(async db =>
        {
            var keys = targetIds.Select(t => t.Value).Distinct().ToArray();
            if (keys.Length == 0)
            {
                return [];
            }

            var rows = await (
                from l in db.GetTable<LinkRecord>()
                where keys.Contains(l.TargetId)
                join i in db.GetTable<ItemRecord>() on l.ItemId equals i.Id
                orderby l.TargetId, l.ItemId
                select new { l.TargetId, Item = i }).ToListAsync(cancellationToken).ConfigureAwait(false);
            return [.. rows.Select(r => new LinkedItem(new TargetId(r.TargetId), r.Item.ToItem()))];
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<HierarchyItemPage> GetOrphansAsync(HierarchyKind kind, int skip, int take, CancellationToken cancellationToken = default) =>
        RunAsync(db =>
        {
            var kindName = kind.ToString();
            var links = db.GetTable<LinkRecord>();
            return PageAsync(db.GetTable<ItemRecord>().Where(i => i.Kind == kindName && !links.Any(l => l.ItemId == i.Id)), skip, take, cancellationToken);
        }, cancellationToken, ReadScope.Snapshot);

    /// <inheritdoc />
    public Task<IReadOnlyList<StatusTally>> TallyAsync(HierarchyKind kind, IReadOnlyCollection<Guid> itemIds, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(itemIds);
        return RunAsync<IReadOnlyList<StatusTally>>(async db =>
        {
            var ids = itemIds.Distinct().ToArray();
            var links = db.GetTable<LinkRecord>();
            var kindName = kind.ToString();
            if (kind == HierarchyKind.Goal)
            {
                // Each link is one outcome of one goal: an outcome shared by two goals counts in each.
                var rows = await (
                    from l in links
                    where l.Kind == kindName && ids.Contains(l.ItemId)
                    join t in db.GetTable<TargetRecord>() on l.TargetId equals t.Id
                    group t by new { l.ItemId, t.Status } into g
                    select new { g.Key.ItemId, g.Key.Status, Count = g.LongCount() }).ToListAsync(cancellationToken).ConfigureAwait(false);
                return [.. rows.Select(r => new StatusTally(r.ItemId, r.Status, r.Count))];
            }

            var commitment = nameof(HierarchyKind.Commitment);
            var pairs = (
                from s in links
                where s.Kind == kindName && ids.Contains(s.ItemId)
                join c in links on s.TargetId equals c.TargetId
                where c.Kind == commitment
                select new { SprintId = s.ItemId, CommitmentId = c.ItemId }).Distinct();
            var tallies = await (
                from p in pairs
                join i in db.GetTable<ItemRecord>() on p.CommitmentId equals i.Id
                group i by new { p.SprintId, i.Status } into g
                select new { g.Key.SprintId, g.Key.Status, Count = g.LongCount() }).ToListAsync(cancellationToken).ConfigureAwait(false);
            return [.. tallies.Select(r => new StatusTally(r.SprintId, r.Status, r.Count))];
        }, cancellationToken);
    }

    private static async Task<HierarchyItemPage> PageAsync(IQueryable<ItemRecord> items, int skip, int take, CancellationToken cancellationToken)
    {
        var total = await items.LongCountAsync(cancellationToken).ConfigureAwait(false);
        var rows = total <= skip ? [] : await items.OrderBy(i => i.Id).Skip(skip).Take(take).ToListAsync(cancellationToken).ConfigureAwait(false);
        return new HierarchyItemPage([.. rows.Select(r => r.ToItem())], total);
    }
}
