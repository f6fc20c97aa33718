using System.Runtime.CompilerServices;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;

namespace TargetTracking.Linq2Db;

/// <summary>
/// The export of a tenant (<see cref="ITenantExportStore"/>): each table of the tenant read in pages by its key (the next page
/// starts after the last row of the previous one, through the key that leads with the tenant), one short read per page, so
/// memory holds one page however large the tenant.
/// </summary>
public sealed partial class Linq2DbTargetStore : ITenantExportStore
{
    /// <summary>How many rows a page of an export reads.</summary>
    internal const int ExportPageSize = 1000;

    /// <inheritdoc />
    public async IAsyncEnumerable<TenantRecord> ExportAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // The tenant is asked once: every page reads the same tenant's rows.
        var tenant = _tenant();
        var store = new Linq2DbTargetStore(Root, _options, () => tenant, _inHost);
        await foreach (var t in store.PagesAsync<TargetRecord>((q, last) => (last is null ? q : q.Where(t => t.Id > last.Id)).OrderBy(t => t.Id).Select(TargetRecord.Readable), cancellationToken).ConfigureAwait(false))
        {
            yield return new TenantRecord(TenantRecordKinds.Target, t.ToTarget());
        }

        await foreach (var h in store.PagesAsync<HistoryRecord>((q, last) => (last is null ? q : q.Where(h => h.Id > last.Id)).OrderBy(h => h.Id), cancellationToken).ConfigureAwait(false))
        {
            yield return new TenantRecord(TenantRecordKinds.History, h.ToEntry());
        }

        await foreach (var i in store.PagesAsync<ItemRecord>((q, last) => (last is null ? q : q.Where(i => i.Id > last.Id)).OrderBy(i => i.Id), cancellationToken).ConfigureAwait(false))
        {
            yield return new TenantRecord(TenantRecordKinds.Item, i.ToItem());
        }

        await foreach (var l in store.PagesAsync<LinkRecord>(
            (q, last) => (last is null ? q : q.Where(l => l.TargetId > last.TargetId || (l.TargetId == last.TargetId && l.ItemId > last.ItemId))).OrderBy(l => l.TargetId).ThenBy(l => l.ItemId),
            cancellationToken).ConfigureAwait(false))
        {
            yield return new TenantRecord(TenantRecordKinds.Link, l.ToLink());
        }

        await foreach (var h in store.PagesAsync<ItemHistoryRecord>((q, last) => (last is null ? q : q.Where(h => h.Id > last.Id)).OrderBy(h => h.Id), cancellationToken).ConfigureAwait(false))
        {
            yield return new TenantRecord(TenantRecordKinds.ItemHistory, h.ToEntry());
        }

        await foreach (var o in store.PagesAsync<OperationRecord>((q, last) => (last is null ? q : q.Where(o => o.Id.CompareTo(last.Id) > 0)).OrderBy(o => o.Id), cancellationToken).ConfigureAwait(false))
        {
            yield return new TenantRecord(TenantRecordKinds.Operation, o.ToOperation());
        }

        await foreach (var i in store.PagesAsync<OperationItemRecord>(
            (q, last) => (last is null ? q : q.Where(i => i.OperationId.CompareTo(last.OperationId) > 0 || (i.OperationId == last.OperationId && i.TargetId > last.TargetId))).OrderBy(i => i.OperationId).ThenBy(i => i.TargetId),
            cancellationToken).ConfigureAwait(false))
        {
            yield return new TenantRecord(TenantRecordKinds.OperationItem, new OperationItem(i.OperationId, new TargetId(i.TargetId)));
        }

        await foreach (var f in store.PagesAsync<OperationFailureRecord>(
            (q, last) => (last is null ? q : q.Where(f => f.OperationId.CompareTo(last.OperationId) > 0 || (f.OperationId == last.OperationId && (f.TargetId > last.TargetId || (f.TargetId == last.TargetId && f.Seq > last.Seq)))))
                .OrderBy(f => f.OperationId).ThenBy(f => f.TargetId).ThenBy(f => f.Seq),
            cancellationToken).ConfigureAwait(false))
        {
            yield return new TenantRecord(TenantRecordKinds.OperationFailure, f.ToFailure());
        }
    }

    /// <summary>Reads a table of the tenant in pages by key: <paramref name="after"/> orders the table and starts after a row (none: the first page).</summary>
    private async IAsyncEnumerable<T> PagesAsync<T>(Func<IQueryable<T>, T?, IQueryable<T>> after, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class
    {
        T? last = null;
        while (true)
        {
            var from = last;
            var rows = await RunAsync(db => after(db.GetTable<T>(), from).Take(ExportPageSize).ToListAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
            foreach (var row in rows)
            {
                yield return row;
            }

            if (rows.Count < ExportPageSize)
            {
                yield break;
            }

            last = rows[^1];
        }
    }
}
