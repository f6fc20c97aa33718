using Ardalis.GuardClauses;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using TargetTracking.Linq2Db;

namespace TargetTracking.Sqlite;

/// <summary>
/// The SQLite store, the embedded default: a file database in WAL mode, or a named shared in-memory database.
/// It is the linq2db store (<see cref="Linq2DbTargetStore"/>) with the <see cref="SqliteDialect"/>. Writes take
/// SQLite's write lock for the whole unit of work, so writers serialize and no update is lost; reads never wait for
/// writers in a file database. Thread-safe; dispose it to close its connections (an in-memory database ends with
/// it). Hosts normally register it with <c>UseSqlite(...)</c>.
/// </summary>
public sealed class SqliteTargetRepository : ITargetRepository, IOperationRepository, IIntegrityStore, IHierarchyStore, IChangeFeedStore, IReportStore, IStagnationClaims, IAsyncDisposable, IDisposable
{
    private readonly SqliteDatabase _database;
    private readonly SemaphoreSlim _initGate = new(1, 1);
    private volatile bool _initialized;
    private SqliteConnection? _keepAlive;
    private bool _disposed;

    /// <summary>Initializes a new instance. The database is opened, and migrated when enabled, on first use or by <see cref="InitializeAsync"/>.</summary>
    /// <param name="options">The store options.</param>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public SqliteTargetRepository(SqliteStoreOptions options)
        : this(options, null)
    {
    }

    internal SqliteTargetRepository(SqliteStoreOptions options, IReadOnlyList<Migration>? migrations)
    {
        Guard.Against.Null(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(nameof(SqliteStoreOptions), typeof(SqliteStoreOptions), problems);
        }

        _database = new SqliteDatabase(options);
        Store = new Linq2DbTargetStore(SqliteDialect.Options(options.ConnectionString, options.BusyTimeout), SqliteDialect.Create(), options.ApplyMigrations, null, migrations);
    }

    /// <summary>Gets the linq2db store this one is; use it for <see cref="Linq2DbTargetStore.InHostTransaction(LinqToDB.Data.DataConnection)"/>.</summary>
    public Linq2DbTargetStore Store { get; }

    /// <summary>Gets the database as the store opens it (tests open raw connections with its settings).</summary>
    internal SqliteDatabase Database => _database;

    /// <summary>
    /// Prepares the database once: keeps an in-memory database alive, switches a file database to WAL, applies the
    /// embedded schema migrations (or, with <see cref="SqliteStoreOptions.ApplyMigrations"/> off, checks that the
    /// schema is current) and compiles the hot queries. Every other member calls it first; call it at start-up to fail early.
    /// </summary>
    /// <param name="cancellationToken">Cancels the preparation.</param>
    /// <returns>A task that completes when the store is ready.</returns>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_initialized)
        {
            return;
        }

        await _initGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_initialized)
            {
                return;
            }

            if (_database.IsMemory)
            {
                // A memory database lives only while a connection to it is open.
                _keepAlive ??= await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Persistent in the file; readers then never wait for the writer.
                var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    using var command = connection.CreateCommand();
                    command.CommandText = "PRAGMA journal_mode = WAL";
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            await Store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            _initialized = true;
        }
        finally
        {
            _initGate.Release();
        }
    }

    /// <inheritdoc />
    public async Task<Target?> GetAsync(TargetId id, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.GetAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<TargetPage> QueryAsync(TargetQuery query, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.QueryAsync(query, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(TargetId id, HistoryPageRequest page, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.GetHistoryAsync(id, page, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<HistoryEntry>> GetHistoryFeedAsync(HistoryFeedRequest request, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.GetHistoryFeedAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StatusCount>> CountByStatusAsync(CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.CountByStatusAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<ITargetWriteSession> BeginWriteAsync(CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tells whether a failure is SQLite busy or locked (SQLITE_BUSY, SQLITE_LOCKED and their extended codes).</summary>
    /// <param name="exception">The failure.</param>
    /// <returns><see langword="true"/> when re-running the unit of work may succeed.</returns>
    public bool IsTransient(Exception exception) => Store.IsTransient(exception);

    /// <inheritdoc />
    public async Task<BulkOperation?> GetOperationAsync(string operationId, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.GetOperationAsync(operationId, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<BulkOperation>> FindOperationsAsync(IReadOnlyCollection<OperationStatus> statuses, DateTimeOffset? updatedBefore, int limit, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.FindOperationsAsync(statuses, updatedBefore, limit, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<OperationItemFailure>> GetOperationFailuresAsync(string operationId, TargetId? after, int limit, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.GetOperationFailuresAsync(operationId, after, limit, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<int> DeleteFinishedOperationsAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.DeleteFinishedOperationsAsync(completedBefore, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<FeedEntry>> ReadFeedAsync(FeedToken after, int limit, CancellationToken cancellationToken = default) =>
        Store.ReadFeedAsync(after, limit, cancellationToken);

    /// <inheritdoc />
    public IFeedListener? Listen() => Store.Listen();

    /// <inheritdoc />
    public async Task<IReadOnlyList<StayFacts>> GetStaysAsync(TargetId id, DateTimeOffset cut, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.GetStaysAsync(id, cut, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StatusCount>> CountAsOfAsync(DateTimeOffset cut, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.CountAsOfAsync(cut, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<PipelineFacts> ComputePipelineAsync(PipelineFactsQuery query, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.ComputePipelineAsync(query, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<OperationTouchFacts> ScanOperationsAsync(OperationsFactsQuery query, Action<BulkOperation> operation, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.ScanOperationsAsync(query, operation, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> TryClaimAsync(StagnationClaim claim, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.TryClaimAsync(claim, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task ReleaseAsync(StagnationClaim claim, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        await Store.ReleaseAsync(claim, cancellationToken).ConfigureAwait(false);
    }


    /// <inheritdoc />
    public async Task<IntegrityCounts> ScanIntegrityAsync(IntegrityScan scan, Action<IntegrityFinding> found, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.ScanIntegrityAsync(scan, found, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<HierarchyItem?> GetItemAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.GetItemAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<HierarchyItemPage> QueryItemsAsync(HierarchyQuery query, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.QueryItemsAsync(query, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<HierarchyHistoryEntry>> GetItemHistoryAsync(Guid id, HistoryPageRequest page, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.GetItemHistoryAsync(id, page, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<TargetPage> GetOutcomesAsync(Guid itemId, int skip, int take, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.GetOutcomesAsync(itemId, skip, take, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<HierarchyItemPage> GetRelatedItemsAsync(Guid itemId, HierarchyKind kind, int skip, int take, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.GetRelatedItemsAsync(itemId, kind, skip, take, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<OutcomeTreePage> GetOutcomeTreeAsync(Guid itemId, int skip, int take, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.GetOutcomeTreeAsync(itemId, skip, take, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<LinkedItem>> GetItemsOfOutcomesAsync(IReadOnlyCollection<TargetId> targetIds, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.GetItemsOfOutcomesAsync(targetIds, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<HierarchyItemPage> GetOrphansAsync(HierarchyKind kind, int skip, int take, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.GetOrphansAsync(kind, skip, take, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StatusTally>> TallyAsync(HierarchyKind kind, IReadOnlyCollection<Guid> itemIds, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Store.TallyAsync(kind, itemIds, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the store's connections; an in-memory database is gone afterwards.</summary>
    /// <returns>A task that completes when the connections are closed.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Closes the store's connections; an in-memory database is gone afterwards.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        using (var pooled = new SqliteConnection(_database.ConnectionString))
        {
            // Idle pooled connections would keep the file open, or a memory database alive.
            SqliteConnection.ClearPool(pooled);
        }

        _keepAlive?.Dispose();
        _keepAlive = null;
    }
}
