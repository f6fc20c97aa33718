using Ardalis.GuardClauses;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using TargetTracking.Linq2Db;

namespace TargetTracking.PostgreSql;

/// <summary>
/// The PostgreSQL store: targets and their append-only history in one schema, shared safely by any number of
/// host instances. It is the linq2db store (<see cref="Linq2DbTargetStore"/>) with the <see cref="PostgreSqlDialect"/>:
/// writes lock the touched rows (<c>SELECT … FOR UPDATE</c>) and save every decided change in one set-based batch;
/// reads are single LINQ statements. Tracked bulk operations are stored beside them and commit their progress in the
/// same transaction as each batch. Thread-safe; the <see cref="NpgsqlDataSource"/> belongs to the caller. Hosts
/// normally register it with <c>UsePostgreSql(...)</c>.
/// </summary>
public sealed class PostgreSqlTargetRepository : ITargetRepository, IOperationStore, IIntegrityStore, IHierarchyStore, IChangeFeedStore, IReportStore, IStagnationClaims
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="dataSource">Where connections come from; not disposed by the store.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <param name="logger">Logs applied migrations.</param>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public PostgreSqlTargetRepository(NpgsqlDataSource dataSource, PostgreSqlStoreOptions? options = null, ILogger<PostgreSqlTargetRepository>? logger = null)
        : this(dataSource, options, logger, null)
    {
    }

    internal PostgreSqlTargetRepository(NpgsqlDataSource dataSource, PostgreSqlStoreOptions? options, ILogger? logger, IReadOnlyList<Migration>? migrations)
    {
        Guard.Against.Null(dataSource);
        options ??= new PostgreSqlStoreOptions();
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(nameof(PostgreSqlStoreOptions), typeof(PostgreSqlStoreOptions), problems);
        }

        Dialect = PostgreSqlDialect.Create(options.Schema);
        Store = new Linq2DbTargetStore(PostgreSqlDialect.Options(dataSource), Dialect, options.ApplyMigrations, logger, migrations);
    }

    /// <summary>Gets the schema that holds the store's tables.</summary>
    public string Schema => Dialect.Schema;

    /// <summary>Gets the linq2db store this one is; use it for <see cref="Linq2DbTargetStore.InHostTransaction(LinqToDB.Data.DataConnection)"/>.</summary>
    public Linq2DbTargetStore Store { get; }

    internal PostgreSqlDialect Dialect { get; }

    /// <summary>
    /// Applies the pending schema migrations now, whatever <see cref="TargetTracking.Linq2Db.Linq2DbStoreOptions.ApplyMigrations"/> says.
    /// Safe to call from many host instances at once: each migration is applied exactly once.
    /// </summary>
    /// <param name="cancellationToken">Cancels the migration; it rolls back whole.</param>
    /// <returns>How many migrations this call applied (0 when the schema is up to date).</returns>
    public Task<int> MigrateAsync(CancellationToken cancellationToken = default) => Store.MigrateAsync(cancellationToken);

    /// <summary>Prepares the store (migrations, query compilation); see <see cref="Linq2DbTargetStore.InitializeAsync"/>.</summary>
    /// <param name="cancellationToken">Cancels the preparation.</param>
    /// <returns>A task that completes when the store is ready.</returns>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => Store.InitializeAsync(cancellationToken);

    /// <inheritdoc />
    public Task<Target?> GetAsync(TargetId id, CancellationToken cancellationToken = default) => Store.GetAsync(id, cancellationToken);

    /// <inheritdoc />
    public Task<TargetPage> QueryAsync(TargetQuery query, CancellationToken cancellationToken = default) => Store.QueryAsync(query, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(TargetId id, HistoryPageRequest page, CancellationToken cancellationToken = default) =>
        Store.GetHistoryAsync(id, page, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<HistoryEntry>> GetHistoryFeedAsync(HistoryFeedRequest request, CancellationToken cancellationToken = default) =>
        Store.GetHistoryFeedAsync(request, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<StatusCount>> CountByStatusAsync(CancellationToken cancellationToken = default) => Store.CountByStatusAsync(cancellationToken);

    /// <inheritdoc />
    public Task<ITargetWriteSession> BeginWriteAsync(CancellationToken cancellationToken = default) => Store.BeginWriteAsync(cancellationToken);

    /// <summary>
    /// Tells whether a failure is transient: connection lost or refused, server shutting down or starting,
    /// serialization failure (40001), deadlock (40P01), and what Npgsql itself marks transient.
    /// </summary>
    /// <param name="exception">The failure.</param>
    /// <returns><see langword="true"/> when re-running the unit of work may succeed.</returns>
    public bool IsTransient(Exception exception) => Store.IsTransient(exception);

    /// <inheritdoc />
    public Task<BulkOperation?> GetOperationAsync(string operationId, CancellationToken cancellationToken = default) => Store.GetOperationAsync(operationId, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<BulkOperation>> FindOperationsAsync(IReadOnlyCollection<OperationStatus> statuses, DateTimeOffset? updatedBefore, int limit, CancellationToken cancellationToken = default) =>
        Store.FindOperationsAsync(statuses, updatedBefore, limit, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<OperationItemFailure>> GetOperationFailuresAsync(string operationId, TargetId? after, int limit, CancellationToken cancellationToken = default) =>
        Store.GetOperationFailuresAsync(operationId, after, limit, cancellationToken);

    /// <inheritdoc />
    public Task<int> DeleteFinishedOperationsAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken = default) =>
        Store.DeleteFinishedOperationsAsync(completedBefore, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<FeedEntry>> ReadFeedAsync(FeedToken after, int limit, CancellationToken cancellationToken = default) =>
        Store.ReadFeedAsync(after, limit, cancellationToken);

    /// <inheritdoc />
    public IFeedListener? Listen() => Store.Listen();

    /// <inheritdoc />
    public Task<IReadOnlyList<StayFacts>> GetStaysAsync(TargetId id, DateTimeOffset cut, CancellationToken cancellationToken = default) =>
        Store.GetStaysAsync(id, cut, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<StatusCount>> CountAsOfAsync(DateTimeOffset cut, CancellationToken cancellationToken = default) =>
        Store.CountAsOfAsync(cut, cancellationToken);

    /// <inheritdoc />
    public Task<PipelineFacts> ComputePipelineAsync(PipelineFactsQuery query, CancellationToken cancellationToken = default) =>
        Store.ComputePipelineAsync(query, cancellationToken);

    /// <inheritdoc />
    public Task<OperationTouchFacts> ScanOperationsAsync(OperationsFactsQuery query, Action<BulkOperation> operation, CancellationToken cancellationToken = default) =>
        Store.ScanOperationsAsync(query, operation, cancellationToken);

    /// <inheritdoc />
    public Task<bool> TryClaimAsync(StagnationClaim claim, CancellationToken cancellationToken = default) =>
        Store.TryClaimAsync(claim, cancellationToken);

    /// <inheritdoc />
    public Task ReleaseAsync(StagnationClaim claim, CancellationToken cancellationToken = default) =>
        Store.ReleaseAsync(claim, cancellationToken);


    /// <inheritdoc />
    public Task<IntegrityCounts> ScanIntegrityAsync(IntegrityScan scan, Action<IntegrityFinding> found, CancellationToken cancellationToken = default) =>
        Store.ScanIntegrityAsync(scan, found, cancellationToken);

    /// <inheritdoc />
    public Task<HierarchyItem?> GetItemAsync(Guid id, CancellationToken cancellationToken = default) =>
        Store.GetItemAsync(id, cancellationToken);

    /// <inheritdoc />
    public Task<HierarchyItemPage> QueryItemsAsync(HierarchyQuery query, CancellationToken cancellationToken = default) =>
        Store.QueryItemsAsync(query, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<HierarchyHistoryEntry>> GetItemHistoryAsync(Guid id, HistoryPageRequest page, CancellationToken cancellationToken = default) =>
        Store.GetItemHistoryAsync(id, page, cancellationToken);

    /// <inheritdoc />
    public Task<TargetPage> GetOutcomesAsync(Guid itemId, int skip, int take, CancellationToken cancellationToken = default) =>
        Store.GetOutcomesAsync(itemId, skip, take, cancellationToken);

    /// <inheritdoc />
    public Task<HierarchyItemPage> GetRelatedItemsAsync(Guid itemId, HierarchyKind kind, int skip, int take, CancellationToken cancellationToken = default) =>
        Store.GetRelatedItemsAsync(itemId, kind, skip, take, cancellationToken);

    /// <inheritdoc />
    public Task<OutcomeTreePage> GetOutcomeTreeAsync(Guid itemId, int skip, int take, CancellationToken cancellationToken = default) =>
        Store.GetOutcomeTreeAsync(itemId, skip, take, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<LinkedItem>> GetItemsOfOutcomesAsync(IReadOnlyCollection<TargetId> targetIds, CancellationToken cancellationToken = default) =>
        Store.GetItemsOfOutcomesAsync(targetIds, cancellationToken);

    /// <inheritdoc />
    public Task<HierarchyItemPage> GetOrphansAsync(HierarchyKind kind, int skip, int take, CancellationToken cancellationToken = default) =>
        Store.GetOrphansAsync(kind, skip, take, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<StatusTally>> TallyAsync(HierarchyKind kind, IReadOnlyCollection<Guid> itemIds, CancellationToken cancellationToken = default) =>
        Store.TallyAsync(kind, itemIds, cancellationToken);

    /// <summary>Applies migrations up to a version; tests use it to build a schema of an earlier version.</summary>
    internal async Task<int> MigrateToAsync(int version, CancellationToken cancellationToken = default) =>
        (await Store.Migrations.MigrateAsync(version, cancellationToken).ConfigureAwait(false)).Count;

    /// <summary>Reads the schema's recorded version, 0 for a schema never migrated.</summary>
    internal async Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default)
    {
        var versions = await Store.Migrations.GetAppliedVersionsAsync(cancellationToken).ConfigureAwait(false);
        return versions.Count == 0 ? 0 : versions.Max();
    }
}
