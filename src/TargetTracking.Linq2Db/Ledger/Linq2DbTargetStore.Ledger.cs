using Ardalis.GuardClauses;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;

namespace TargetTracking.Linq2Db;

/// <summary>
/// The ledger (<see cref="ILedgerStore"/>, migrations PostgreSQL 0016, SQLite and MariaDB 0015, docs/ledger.md): one head
/// row per tenant's chain with its sealer's lease, each append fenced by the lease and the head's position in the
/// statement's own condition, and the seals, only ever inserted. Reads are LINQ, written once for every dialect.
/// </summary>
public sealed partial class Linq2DbTargetStore : ILedgerStore
{
    /// <inheritdoc />
    public Task<LedgerHead?> TryLeaseLedgerAsync(LedgerLease lease, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(lease);
        var (owner, until) = (lease.Owner, lease.Until);
        return RunAsync<LedgerHead?>(async db =>
        {
            // A chain never seen starts at position 0; of several sealers creating it at once, one inserts.
            await db.ExecuteAsync(
                _dialect.Sql.InsertIgnore(_dialect.Sql.Qualify(Tables.LedgerHeads), "tenant_id, position, hash", "@tenant, 0, @hash"),
                cancellationToken,
                Tenancy.Parameter(db),
                new DataParameter("hash", LedgerHead.Start.Hash, DataType.NVarChar)).ConfigureAwait(false);

            // One statement decides who holds the lease: free, ended, or already this sealer's.
            var taken = await db.GetTable<LedgerHeadRecord>()
                .Where(h => h.LeaseOwner == null || h.LeaseUntil <= now || h.LeaseOwner == owner)
                .Set(h => h.LeaseOwner, owner)
                .Set(h => h.LeaseUntil, until)
                .UpdateAsync(cancellationToken).ConfigureAwait(false);
            return taken == 0 ? null : (await db.GetTable<LedgerHeadRecord>().FirstAsync(cancellationToken).ConfigureAwait(false)).ToHead();
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> AppendSealsAsync(LedgerHead from, IReadOnlyList<LedgerSeal> seals, LedgerHead to, LedgerLease lease, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(from);
        Guard.Against.Null(seals);
        Guard.Against.Null(to);
        Guard.Against.Null(lease);
        var session = (Linq2DbWriteSession)await BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var db = session.Connection;
            var (owner, position, through) = (lease.Owner, from.Position, to.SealedThrough?.ToString());
            var moved = await db.GetTable<LedgerHeadRecord>()
                .Where(h => h.Position == position && h.LeaseOwner == owner && h.LeaseUntil > now)
                .Set(h => h.Position, to.Position)
                .Set(h => h.Hash, to.Hash)
                .Set(h => h.SealedThrough, through)
                .Set(h => h.SealedAt, to.SealedAt)
                .Set(h => h.LeaseUntil, lease.Until)
                .UpdateAsync(cancellationToken).ConfigureAwait(false);
            if (moved == 0)
            {
                // Rolled back on dispose: the lease or the head moved, and nothing is written.
                return false;
            }

            await db.BulkCopyAsync(new BulkCopyOptions { BulkCopyType = BulkCopyType.MultipleRows }, seals.Select(s => LedgerSealRecord.From(s).In(db)), cancellationToken).ConfigureAwait(false);
            await session.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
    }

    /// <inheritdoc />
    public Task<LedgerHead?> ReadLedgerHeadAsync(CancellationToken cancellationToken = default) =>
        RunAsync(async db => (await db.GetTable<LedgerHeadRecord>().FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false))?.ToHead(), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<SealedEntry>> ReadSealsAsync(long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        Guard.Against.OutOfRange(limit, nameof(limit), 1, LedgerOptions.MaxBatchSize);
        return RunAsync<IReadOnlyList<SealedEntry>>(async db =>
        {
            var rows = await (
                from s in db.GetTable<LedgerSealRecord>()
                where s.Position > afterPosition
                from h in db.GetTable<HistoryRecord>().LeftJoin(h => h.Id == s.EntryId)
                orderby s.Position
                select new { Seal = s, Entry = h, Sequence = Sql.Property<long?>(h, FeedSequenceColumn), Erased = db.GetTable<ErasedEntryRecord>().Any(e => e.EntryId == s.EntryId) })
                .Take(limit)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            return [.. rows.Select(r => new SealedEntry(
                r.Seal.ToSeal(),
                r.Entry is null || r.Sequence is not { } sequence ? null : new FeedEntry(r.Entry.ToEntry(), FeedToken.Of(sequence, r.Entry.Version, r.Entry.Id)),
                r.Erased))];
        }, cancellationToken, ReadScope.Snapshot);
    }

    /// <inheritdoc />
    public Task<FeedEntry?> FindUnsealedAsync(FeedToken through, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(through);
        var (sequence, version, id) = (through.Sequence, through.Version, through.Id);
        return RunAsync(async db =>
        {
            var row = await db.GetTable<HistoryRecord>()
                .Select(h => new { Entry = h, Sequence = Sql.Property<long>(h, FeedSequenceColumn) })
                .Where(r => r.Sequence < sequence || (r.Sequence == sequence && (r.Entry.Version < version || (r.Entry.Version == version && r.Entry.Id <= id))))
                .Where(r => !db.GetTable<LedgerSealRecord>().Any(s => s.EntryId == r.Entry.Id))
                .OrderBy(r => r.Sequence).ThenBy(r => r.Entry.Version).ThenBy(r => r.Entry.Id)
                .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            return row is null ? null : new FeedEntry(row.Entry.ToEntry(), FeedToken.Of(row.Sequence, row.Entry.Version, row.Entry.Id));
        }, cancellationToken, ReadScope.Consistent);
    }

    /// <inheritdoc />
    public Task<long?> FindSealPositionAsync(Guid entryId, CancellationToken cancellationToken = default) =>
        RunAsync(db => db.GetTable<LedgerSealRecord>().Where(s => s.EntryId == entryId).Select(s => (long?)s.Position).FirstOrDefaultAsync(cancellationToken), cancellationToken);
}
