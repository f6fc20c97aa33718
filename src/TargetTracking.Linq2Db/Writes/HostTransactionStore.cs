using Ardalis.GuardClauses;
using LinqToDB;
using LinqToDB.Data;

namespace TargetTracking.Linq2Db;

/// <summary>
/// The store seen from inside a host's open transaction: reads and write sessions use the host's connection and
/// transaction, so they see the host's uncommitted rows and their writes commit or roll back with them. Nothing
/// here commits, rolls back or retries: every failure is reported as not transient, because re-running a unit of
/// work inside a transaction the host owns could not undo what the failed attempt left in it.
/// </summary>
internal sealed partial class HostTransactionStore(Linq2DbTargetStore store, DataOptions hostTransaction) : ITargetRepository, IIntegrityStore
{
    public async Task<Target?> GetAsync(TargetId id, CancellationToken cancellationToken = default)
    {
        await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var db = new DataConnection(hostTransaction);
        return await Linq2DbTargetStore.GetAsync(db, id, cancellationToken).ConfigureAwait(false);
    }

    public async Task<TargetPage> QueryAsync(TargetQuery query, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(query);
        await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var db = new DataConnection(hostTransaction);
        return await store.QueryAsync(db, query, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(TargetId id, HistoryPageRequest page, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(page);
        await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var db = new DataConnection(hostTransaction);
        return await Linq2DbTargetStore.GetHistoryAsync(db, id, page, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<HistoryEntry>> GetHistoryFeedAsync(HistoryFeedRequest request, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(request);
        await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var db = new DataConnection(hostTransaction);
        return await Linq2DbTargetStore.GetHistoryFeedAsync(db, request, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<StatusCount>> CountByStatusAsync(CancellationToken cancellationToken = default)
    {
        await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var db = new DataConnection(hostTransaction);
        return await Linq2DbTargetStore.CountByStatusAsync(db, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ITargetWriteSession> BeginWriteAsync(CancellationToken cancellationToken = default)
    {
        await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        return Linq2DbWriteSession.Join(new DataConnection(hostTransaction), store.Dialect);
    }

    public bool IsTransient(Exception exception) => false;

    /// <summary>Checks integrity inside the host's transaction, under its snapshot rules (the host's uncommitted rows included).</summary>
    public async Task<IntegrityCounts> ScanIntegrityAsync(IntegrityScan scan, Action<IntegrityFinding> found, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(scan);
        Guard.Against.Null(found);
        await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var db = new DataConnection(hostTransaction);
        return await IntegrityScanner.ScanAsync(db, store.Dialect, scan, found, cancellationToken).ConfigureAwait(false);
    }
}
