using Ardalis.GuardClauses;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TargetTracking.Linq2Db;

/// <summary>
/// The relational store on linq2db: every read written once in LINQ, write sessions that lock, save set-based and
/// commit in one <see cref="DataConnection"/> and transaction, and the migration runner. A <see cref="Linq2DbDialect"/>
/// configures what differs per database; the store packages build it for their database
/// (<c>SqliteDialect.CreateStore</c>, <c>PostgreSqlDialect.CreateStore</c>, <c>MySqlDialect.CreateStore</c>) and register it
/// (<c>UseSqlite</c>, <c>UsePostgreSql</c>, <c>UseMySql</c>, or <c>UseLinq2Db</c> with a host's own linq2db options).
/// <see cref="InHostTransaction(DataConnection)"/> runs its reads and writes inside a host's own transaction. Thread-safe;
/// dispose it to release what it owns (a data source it created, SQLite's idle connections).
/// </summary>
public sealed partial class Linq2DbTargetStore : ITargetRepository, IOperationStore, IIntegrityStore, IHierarchyStore, IChangeFeedStore, IReportStore, IStagnationClaims, ITenantStore, IAsyncDisposable, IDisposable
{
    private static readonly OperationStatus[] Finished = [OperationStatus.Completed, OperationStatus.Failed, OperationStatus.Cancelled];

    /// <summary>The query shapes a dashboard or an API asks first: every sort both ways, and each filter alone.</summary>
    private static readonly TargetQuery[] WarmQueries =
    [
        .. Enum.GetValues<TargetSort>().SelectMany(sort => new[] { false, true }.Select(descending => new TargetQuery { SortBy = sort, Descending = descending, Take = 1 })),
        new TargetQuery { Statuses = ["Active"], Take = 1 },
        new TargetQuery { Statuses = [null], Take = 1 },
        new TargetQuery { Statuses = ["Active", null], Take = 1 },
        new TargetQuery { Market = "EU", Take = 1 },
        new TargetQuery { NameContains = "A", Take = 1 },
    ];

    private readonly DataOptions _options;
    private readonly LinqToDB.Mapping.MappingSchema _mapping;
    private readonly Linq2DbDialect _dialect;
    private readonly bool _applyMigrations;
    private readonly MigrationRunner _migrations;
    private readonly IDisposable? _owned;

    // With a database per tenant, the tenants' stores; null for a store of one database.
    private readonly TenantDatabases? _databases;

    // The store this one is a view of (in a tenant, or inside a host's transaction); null for the store itself.
    private readonly Linq2DbTargetStore? _root;

    // The tenant of each call: asked once per read, and once per write session at its begin.
    private readonly Func<string> _tenant;
    private readonly bool _inHost;
    private readonly SemaphoreSlim _initGate = new(1, 1);
    private volatile bool _initialized;
    private int _disposed;

    /// <summary>Initializes a new instance with a host's own linq2db options.</summary>
    /// <param name="options">How linq2db connects: the provider and a connection string, data source or factory. Its mapping schema is replaced by the store's.</param>
    /// <param name="dialect">The database's dialect, for example <c>PostgreSqlDialect.Create()</c> or <c>SqliteDialect.Create()</c>.</param>
    /// <param name="applyMigrations">Whether <see cref="InitializeAsync"/> applies pending migrations; otherwise it refuses a schema that is not current.</param>
    /// <param name="logger">Logs applied migrations.</param>
    public Linq2DbTargetStore(DataOptions options, Linq2DbDialect dialect, bool applyMigrations = true, ILogger<Linq2DbTargetStore>? logger = null)
        : this(options, dialect, applyMigrations, logger, null, null)
    {
    }

    /// <summary>Initializes a new instance; the store packages pass what the store owns, and tests earlier migrations.</summary>
    internal Linq2DbTargetStore(DataOptions options, Linq2DbDialect dialect, bool applyMigrations, ILogger? logger, IDisposable? owned, IReadOnlyList<Migration>? migrations = null)
    {
        Guard.Against.Null(options);
        Guard.Against.Null(dialect);
        _dialect = dialect;
        _options = options;
        _mapping = StoreMapping.ForConnections(dialect);
        _applyMigrations = applyMigrations;
        _owned = owned;
        _tenant = static () => TenantIds.Default;
        _migrations = new MigrationRunner(ConnectToMaintain, dialect, migrations ?? dialect.Schema.Migrations, logger ?? NullLogger.Instance);
    }

    /// <summary>A store with a database per tenant, each opened by <paramref name="openDatabase"/>.</summary>
    private Linq2DbTargetStore(Linq2DbDialect dialect, Func<string, Linq2DbTargetStore> openDatabase, ILogger? logger)
        : this(new DataOptions(), dialect, applyMigrations: false, logger, owned: null)
    {
        _databases = new TenantDatabases(dialect, openDatabase);
    }

    /// <summary>
    /// Builds a store with a database per tenant (the other style of tenancy, beside tenant keys in shared tables): every call
    /// works in the database of its tenant, which <paramref name="openDatabase"/> opens the first time the tenant is seen (a
    /// SQLite file, a PostgreSQL database or schema, a MariaDB database per tenant), once per process. Each database is migrated
    /// on its first use, as its store's options say, under the dialect's migration lock (two first calls at once, or two host
    /// instances, migrate it once). The API is the same: <see cref="ITenantAccessor"/>, <see cref="TargetTracker.ForTenant"/>.
    /// The rows still carry their tenant, so a database can later move into shared tables. Disposing this store disposes the
    /// tenants' stores.
    /// </summary>
    /// <param name="dialect">The dialect of every tenant's database (the resolver's stores must be of the same kind).</param>
    /// <param name="openDatabase">Opens the store of a tenant's database, for example <c>tenant =&gt; SqliteDialect.CreateStore(new() { ConnectionString = $"Data Source={tenant}.db" })</c>.</param>
    /// <param name="logger">Logs what the store does.</param>
    /// <returns>The store.</returns>
    public static Linq2DbTargetStore DatabasePerTenant(Linq2DbDialect dialect, Func<string, Linq2DbTargetStore> openDatabase, ILogger<Linq2DbTargetStore>? logger = null)
    {
        Guard.Against.Null(dialect);
        Guard.Against.Null(openDatabase);
        return new Linq2DbTargetStore(dialect, openDatabase, logger);
    }

    /// <summary>A view of <paramref name="root"/> in a tenant, whose connections may join a host's open transaction.</summary>
    private Linq2DbTargetStore(Linq2DbTargetStore root, DataOptions options, Func<string> tenant, bool inHost)
    {
        _root = root;
        _dialect = root._dialect;
        _options = options;
        _mapping = root._mapping;
        _migrations = root._migrations;
        _tenant = tenant;
        _inHost = inHost;
    }

    /// <summary>Gets the dialect.</summary>
    public Linq2DbDialect Dialect => _dialect;

    /// <summary>Gets where the reads that may lag go (set by a dialect's store builder); <see langword="null"/>: every read on the store's connections.</summary>
    internal StandbyRoute? Standby { get; init; }

    /// <summary>Gets a value indicating whether this is a store of one database: not a view, and not a store with a database per tenant.</summary>
    internal bool IsOneDatabase => _root is null && _databases is null;

    /// <summary>Gets the linq2db options of the store's database (tests read it with plain SQL, unfiltered).</summary>
    internal DataOptions Options => _options;

    /// <summary>Gets the store of a tenant's database: with a database per tenant the tenant's, opened if need be; otherwise this store's root.</summary>
    internal Linq2DbTargetStore DatabaseOf(string tenant) => Root._databases?.Of(tenant) ?? Root;

    /// <summary>Gets the store of the root, the one views are made from.</summary>
    private Linq2DbTargetStore Root => _root ?? this;

    /// <summary>Gets the migration runner (tests build schemas of earlier versions with it).</summary>
    internal MigrationRunner Migrations => _migrations;

    /// <summary>Gets a value indicating whether this store is a view inside a host's transaction, which the host owns.</summary>
    private bool InHost => _inHost;

    /// <summary>
    /// Applies the pending schema migrations now, whatever the store was told at construction. Safe to call from
    /// many host instances at once: each migration is applied exactly once.
    /// </summary>
    /// <param name="cancellationToken">Cancels the migration; the one in progress rolls back where the database's DDL is transactional.</param>
    /// <returns>How many migrations this call applied (0 when the schema is up to date).</returns>
    /// <remarks>With a database per tenant, it migrates the databases of the tenants this store has seen; the others migrate on first use.</remarks>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken = default)
    {
        if (Root._databases is not { } databases)
        {
            return (await _migrations.MigrateAsync(null, cancellationToken).ConfigureAwait(false)).Count;
        }

        var applied = 0;
        foreach (var database in databases.Opened)
        {
            applied += await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        }

        return applied;
    }

    /// <summary>
    /// Prepares the store once: lets the dialect prepare the database (SQLite: WAL mode, or a connection that keeps an
    /// in-memory database alive), applies pending migrations (or checks the schema is current when migrations are off)
    /// and runs every hot query shape once, so linq2db's expression compilation is paid here and not by a host's first
    /// request. Every member calls it first; call it at start-up to fail early.
    /// </summary>
    /// <param name="cancellationToken">Cancels the preparation.</param>
    /// <returns>A task that completes when the store is ready.</returns>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (_root is not null)
        {
            return _root.InitializeAsync(cancellationToken);
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        // With a database per tenant there is nothing to prepare up front: each database is prepared on its tenant's first call.
        return _initialized || _databases is not null ? Task.CompletedTask : InitializeSlowAsync(cancellationToken);
    }

    /// <summary>
    /// Returns a view of this store whose reads and writes run inside a host's open linq2db transaction: the host's
    /// rows and the target changes commit or roll back together (goals, sprints, commitments, links and tracked
    /// operations too). In that mode the store neither commits, rolls back nor retries (the host owns the transaction), and
    /// reads see the host's uncommitted rows under its snapshot rules; typed errors (not found, version conflict, forbidden
    /// move, invalid input) are decided before anything is written, so they leave the host's transaction usable.
    /// </summary>
    /// <param name="connection">The host's connection to the store's database, with a transaction begun.</param>
    /// <returns>A store to give a <see cref="TargetTracker"/> with <see cref="TargetTracker.WithRepository"/>, for this transaction only.</returns>
    /// <exception cref="InvalidOperationException">The connection has no open transaction.</exception>
    public Linq2DbTargetStore InHostTransaction(DataConnection connection)
    {
        Guard.Against.Null(connection);
        return InHostTransaction(connection.Transaction
            ?? throw new InvalidOperationException("The host's DataConnection has no open transaction: begin one first, so the host decides when TargetTracking's writes commit."));
    }

    /// <summary>
    /// Returns a view of this store whose reads and writes run inside a host's open ADO.NET transaction (for hosts on
    /// Dapper, plain ADO.NET or another data layer); see <see cref="InHostTransaction(DataConnection)"/>.
    /// </summary>
    /// <param name="transaction">The host's open transaction on a connection to the store's database.</param>
    /// <returns>A store to give a <see cref="TargetTracker"/> with <see cref="TargetTracker.WithRepository"/>, for this transaction only.</returns>
    /// <exception cref="InvalidOperationException">The transaction has ended.</exception>
    public Linq2DbTargetStore InHostTransaction(System.Data.Common.DbTransaction transaction)
    {
        Guard.Against.Null(transaction);
        if (transaction.Connection is null)
        {
            throw new InvalidOperationException("The host's transaction has ended; TargetTracking writes need it open.");
        }

        // linq2db does not own a connection it is given: disposing the view's DataConnections leaves the host's transaction alone.
        return new Linq2DbTargetStore(_root ?? this, new DataOptions().UseTransaction(_dialect.Provider, transaction), _tenant, inHost: true);
    }

    /// <summary>
    /// Returns a view of this store in a tenant (<see cref="ITenantStore"/>): every read, write session, report, feed, integrity
    /// check, operation and claim sees and writes the rows of the tenant <paramref name="tenant"/> gives, asked once per read and
    /// once per write session. Inside a host's transaction, the view stays in it.
    /// </summary>
    /// <param name="tenant">Gives the tenant of the current call.</param>
    /// <returns>The view; it owns nothing.</returns>
    public ITargetRepository ForTenant(Func<string> tenant)
    {
        Guard.Against.Null(tenant);
        return new Linq2DbTargetStore(_root ?? this, _options, tenant, _inHost);
    }

    /// <summary>Reads the change feed of every tenant (<see cref="ITenantStore.ReadAllTenantsFeedAsync"/>), in one consistent snapshot.</summary>
    /// <param name="after">The position to read after.</param>
    /// <param name="limit">How many entries at most.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries with their tenants and positions.</returns>
    public Task<IReadOnlyList<TenantFeedEntry>> ReadAllTenantsFeedAsync(FeedToken after, int limit, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(after);
        Guard.Against.OutOfRange(limit, nameof(limit), 1, ChangeFeedOptions.MaxBatchSize);
        if (Root._databases is not null)
        {
            // Positions are a commit sequence per database: there is no one order across the tenants' databases.
            throw new NotSupportedException("A store with a database per tenant has no all-tenants feed (each database has positions of its own): read each tenant's feed with ChangeFeed.ReadAsync.");
        }

        return RunAsync<IReadOnlyList<TenantFeedEntry>>(
            async db => [.. (await ReadFeedRowsAsync(db, db.GetTable<HistoryRecord>().IgnoreFilters(), after, limit, cancellationToken).ConfigureAwait(false)).Select(r => new TenantFeedEntry(r.TenantId, r.Entry))],
            cancellationToken,
            ReadScope.Consistent,
            mayLag: true);
    }

    /// <inheritdoc />
    /// <remarks>With a database per tenant, it searches the databases of the tenants this store has seen in this process.</remarks>
    public Task<IReadOnlyList<string>> FindTenantsWithOpenOperationsAsync(CancellationToken cancellationToken = default)
    {
        var open = new[] { OperationStatus.Pending, OperationStatus.Processing }.Select(s => s.ToString()).ToArray();
        return FindTenantsAsync(db => db.GetTable<OperationRecord>().IgnoreFilters().Where(o => open.Contains(o.Status)).Select(o => o.TenantId), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>With a database per tenant, it searches the databases of the tenants this store has seen in this process.</remarks>
    public Task<IReadOnlyList<string>> FindTenantsWithTargetsAsync(CancellationToken cancellationToken = default) =>
        FindTenantsAsync(db => db.GetTable<TargetRecord>().IgnoreFilters().Select(t => t.TenantId), cancellationToken);

    /// <summary>The distinct tenants of rows, across every tenant: in this database, or in each tenant's database this store has opened.</summary>
    private async Task<IReadOnlyList<string>> FindTenantsAsync(Func<DataConnection, IQueryable<string>> tenantsOfRows, CancellationToken cancellationToken)
    {
        var tenants = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var database in Root._databases?.Opened ?? [this])
        {
            tenants.UnionWith(await database.RunAsync(
                async db => await tenantsOfRows(db).Distinct().ToListAsync(cancellationToken).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false));
        }

        return [.. tenants];
    }

    /// <summary>Releases what the store owns: the dialect's hold on the database (SQLite's idle connections) and a data source it created. A view in a host's transaction owns nothing.</summary>
    /// <returns>A task that completes when it is released.</returns>
    public async ValueTask DisposeAsync()
    {
        if (!BeginDispose())
        {
            return;
        }

        foreach (var database in _databases?.Opened ?? [])
        {
            await database.DisposeAsync().ConfigureAwait(false);
        }

        if (_owned is IAsyncDisposable owned)
        {
            await owned.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            _owned?.Dispose();
        }
    }

    /// <summary>Releases what the store owns; see <see cref="DisposeAsync"/>.</summary>
    public void Dispose()
    {
        if (BeginDispose())
        {
            foreach (var database in _databases?.Opened ?? [])
            {
                database.Dispose();
            }

            _owned?.Dispose();
        }
    }

    private bool BeginDispose()
    {
        if (_root is not null || Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return false;
        }

        _dialect.Sessions.Stop();
        return true;
    }

    /// <inheritdoc />
    public Task<Target?> GetAsync(TargetId id, CancellationToken cancellationToken = default) =>
        RunAsync(db => ReadTargetAsync(db, id, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<TargetPage> QueryAsync(TargetQuery query, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(query);

        // Count and page in one snapshot, so they agree while writers commit.
        return RunAsync(db => QueryPageAsync(db, query, cancellationToken), cancellationToken, ReadScope.Snapshot);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(TargetId id, HistoryPageRequest page, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(page);
        return RunAsync(db => ReadHistoryAsync(db, id, page, cancellationToken), cancellationToken, mayLag: true);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<HistoryEntry>> GetHistoryFeedAsync(HistoryFeedRequest request, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(request);
        return RunAsync(db => ReadHistorySinceAsync(db, request, cancellationToken), cancellationToken, mayLag: true);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StatusCount>> CountByStatusAsync(CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<StatusCount>>(async db =>
        {
            var rows = await db.GetTable<TargetRecord>()
                .GroupBy(t => t.Status)
                .Select(g => new { Status = g.Key, Count = g.LongCount() })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            return [.. rows.Select(r => new StatusCount(r.Status, r.Count))];
        }, cancellationToken);

    /// <inheritdoc />
    public async Task<ITargetWriteSession> BeginWriteAsync(CancellationToken cancellationToken = default)
    {
        var call = await EnterAsync(cancellationToken).ConfigureAwait(false);
        return InHost
            ? Linq2DbWriteSession.Join(call.Connect(), call.Dialect)
            : await Linq2DbWriteSession.BeginAsync(call.Connect, call.Dialect, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Applies a guarded status change in one round trip where the dialect has one statement for it (PostgreSQL), otherwise in
    /// a write session (<see cref="GuardedStatusChange.ApplyAsync"/>); inside a host's transaction, without committing.
    /// </summary>
    /// <param name="change">The change and its checks.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The target after the change, or <see langword="null"/> when a check failed and nothing was written.</returns>
    public async Task<Target?> TryChangeStatusAsync(GuardedStatusChange change, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(change);
        if (!_dialect.Writer.ChangesStatusInOneStatement)
        {
            var session = await BeginWriteAsync(cancellationToken).ConfigureAwait(false);
            await using (session.ConfigureAwait(false))
            {
                return await change.ApplyAsync(session, cancellationToken).ConfigureAwait(false);
            }
        }

        var call = await EnterAsync(cancellationToken).ConfigureAwait(false);
        using var turn = InHost ? null : await call.Dialect.Sessions.EnterWriterAsync(cancellationToken).ConfigureAwait(false);
        var db = call.Connect();
        await using (db.ConfigureAwait(false))
        {
            try
            {
                await db.OpenDbConnectionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!InHost && call.Dialect.Errors.IsTransient(e))
            {
                throw new StoreNotReachedException($"No connection to the store could be opened, so the status change of target {change.Id} was not sent: {e.Message}", e);
            }

            try
            {
                return (await call.Dialect.Writer.ChangeStatusesAsync(db, [change], cancellationToken).ConfigureAwait(false))[0];
            }
            catch (Exception e) when (call.Dialect.Errors.Translate(e) is { } translated)
            {
                throw translated;
            }
        }
    }

    /// <summary>
    /// Tells whether a failure is transient (the dialect's classification: a lost connection, a deadlock, a
    /// serialization failure…). Inside a host's transaction nothing is: re-running a unit of work there could not undo
    /// what the failed attempt left in the host's transaction.
    /// </summary>
    /// <param name="exception">The failure.</param>
    /// <returns><see langword="true"/> when re-running the whole unit of work may succeed.</returns>
    public bool IsTransient(Exception exception) => !InHost && _dialect.Errors.IsTransient(exception);

    /// <summary>
    /// Runs the integrity check in the database (<see cref="IIntegrityStore"/>): window functions over the history in
    /// version order, anti-joins and filters, streamed, over one consistent snapshot (PostgreSQL: a REPEATABLE READ
    /// transaction; SQLite: one read transaction).
    /// </summary>
    /// <param name="scan">What to scan.</param>
    /// <param name="found">Receives each finding while a reader is open; it must not call the store.</param>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <returns>How many targets and entries the snapshot held.</returns>
    public Task<IntegrityCounts> ScanIntegrityAsync(IntegrityScan scan, Action<IntegrityFinding> found, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(scan);
        Guard.Against.Null(found);
        return RunAsync(
            db =>
            {
                // A scan of the whole store can wait longer than a command's usual timeout for its first row (a sort over
                // millions of entries on a busy server); the caller's token bounds it instead.
                db.CommandTimeout = 0;
                return IntegrityScanner.ScanAsync(db, db.DialectOf(), scan, found, cancellationToken);
            },
            cancellationToken,
            scan.Targets is null ? ReadScope.Consistent : ReadScope.Snapshot);
    }

    /// <summary>Computes a target's stays in the database (<see cref="IReportStore"/>), from the stays table.</summary>
    /// <param name="id">The target.</param>
    /// <param name="cut">Entries at or after it are not read.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The stays, oldest first.</returns>
    public Task<IReadOnlyList<StayFacts>> GetStaysAsync(TargetId id, DateTimeOffset cut, CancellationToken cancellationToken = default) =>
        RunAsync(db => ReportQueries.StaysAsync(db, db.DialectOf(), id, cut, cancellationToken), cancellationToken, ReadScope.Consistent, mayLag: true);

    /// <summary>Counts targets per status as of a cut in the database (<see cref="IReportStore"/>).</summary>
    /// <param name="cut">Entries at or after it are not read.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The counts.</returns>
    public Task<IReadOnlyList<StatusCount>> CountAsOfAsync(DateTimeOffset cut, CancellationToken cancellationToken = default) =>
        RunAsync(db => ReportQueries.CountAsOfAsync(db, db.DialectOf(), cut, cancellationToken), cancellationToken, ReadScope.Consistent, mayLag: true);

    /// <summary>Computes pipeline facts in the database (<see cref="IReportStore"/>), every statement in one snapshot.</summary>
    /// <param name="query">What to compute.</param>
    /// <param name="cancellationToken">Cancels the computation.</param>
    /// <returns>The facts.</returns>
    public Task<PipelineFacts> ComputePipelineAsync(PipelineFactsQuery query, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(query);
        return RunAsync(db => ReportQueries.PipelineAsync(db, db.DialectOf(), query, cancellationToken), cancellationToken, ReadScope.Consistent, mayLag: true);
    }

    /// <summary>Streams the operations of a period and groups the history's operation entries per target, in one snapshot (<see cref="IReportStore"/>).</summary>
    /// <param name="query">The period.</param>
    /// <param name="operation">Receives each operation while a reader is open; it must not call the store.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The touches.</returns>
    public Task<OperationTouchFacts> ScanOperationsAsync(OperationsFactsQuery query, Action<BulkOperation> operation, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(query);
        Guard.Against.Null(operation);
        return RunAsync(async db =>
        {
            var (from, to) = (query.From, query.To);
            var operations = db.GetTable<OperationRecord>().Where(o => o.CreatedAt >= from && o.CreatedAt < to).OrderBy(o => o.CreatedAt).ThenBy(o => o.Id);
            await foreach (var row in operations.AsAsyncEnumerable().WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                operation(row.ToOperation());
            }

            var touched = db.GetTable<HistoryRecord>()
                .Where(h => h.OperationId != null && h.OccurredAt >= from && h.OccurredAt < to)
                .GroupBy(h => h.TargetId)
                .Select(g => new { TargetId = g.Key, Operations = g.CountExt(h => h.OperationId, Sql.AggregateModifier.Distinct), Entries = g.LongCount(), LastAt = g.Max(h => h.OccurredAt) });
            var total = await touched.LongCountAsync(cancellationToken).ConfigureAwait(false);
            var top = await touched.OrderByDescending(t => t.LastAt).ThenBy(t => t.TargetId).Take(query.MaxTargets).ToListAsync(cancellationToken).ConfigureAwait(false);
            return new OperationTouchFacts(total, [.. top.Select(t => new TargetOperationTouch(new TargetId(t.TargetId), t.Operations, t.Entries, t.LastAt))]);
        }, cancellationToken, ReadScope.Consistent, mayLag: true);
    }

    /// <inheritdoc />
    public Task<bool> TryClaimAsync(StagnationClaim claim, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(claim);

        // One statement, atomic on the key (target, stay start): of several hosts claiming at once, exactly one inserts.
        return RunAsync(
            async db => await db.ExecuteAsync(
                db.DialectOf().Sql.InsertIgnore(db.DialectOf().Sql.Qualify(Tables.StagnationClaims), "tenant_id, target_id, stay_started_at, status, claimed_at", "@tenant, @tid, @since, @status, @at"),
                cancellationToken,
                Tenancy.Parameter(db),
                db.DialectOf().Sql.IdParameter("tid", claim.TargetId.Value),
                db.DialectOf().Sql.TimeParameter("since", claim.StayStartedAt),
                new DataParameter("status", claim.Status, DataType.NVarChar),
                db.DialectOf().Sql.TimeParameter("at", claim.ClaimedAt)).ConfigureAwait(false) == 1,
            cancellationToken);
    }

    /// <inheritdoc />
    public Task ReleaseAsync(StagnationClaim claim, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(claim);
        return RunAsync(
            db => db.ExecuteAsync(
                $"DELETE FROM {db.DialectOf().Sql.Qualify(Tables.StagnationClaims)} WHERE tenant_id = @tenant AND target_id = @tid AND stay_started_at = @since",
                cancellationToken,
                Tenancy.Parameter(db),
                db.DialectOf().Sql.IdParameter("tid", claim.TargetId.Value),
                db.DialectOf().Sql.TimeParameter("since", claim.StayStartedAt)),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<BulkOperation?> GetOperationAsync(string operationId, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(operationId);
        return RunAsync(
            async db => (await db.GetTable<OperationRecord>().FirstOrDefaultAsync(o => o.Id == operationId, cancellationToken).ConfigureAwait(false))?.ToOperation(),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<BulkOperation>> FindOperationsAsync(IReadOnlyCollection<OperationStatus> statuses, DateTimeOffset? updatedBefore, int limit, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(statuses);
        var names = statuses.Select(s => s.ToString()).ToArray();
        var before = updatedBefore ?? DateTimeOffset.MaxValue;
        return RunAsync<IReadOnlyList<BulkOperation>>(async db =>
        {
            var rows = await db.GetTable<OperationRecord>()
                .Where(o => names.Contains(o.Status) && o.LastUpdatedAt < before)
                .OrderBy(o => o.LastUpdatedAt).ThenBy(o => o.Id)
                .Take(limit)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            return [.. rows.Select(r => r.ToOperation())];
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<OperationItemFailure>> GetOperationFailuresAsync(string operationId, TargetId? after, int limit, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(operationId);
        return RunAsync<IReadOnlyList<OperationItemFailure>>(async db =>
        {
            var failures = db.GetTable<OperationFailureRecord>().Where(f => f.OperationId == operationId);
            if (after is { } start)
            {
                var afterId = start.Value;
                failures = failures.Where(f => f.TargetId > afterId);
            }

            var rows = await failures.OrderBy(f => f.TargetId).ThenBy(f => f.Seq).Take(limit).ToListAsync(cancellationToken).ConfigureAwait(false);
            return [.. rows.Select(r => r.ToFailure())];
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<int> DeleteFinishedOperationsAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken = default)
    {
        var session = (Linq2DbWriteSession)await BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            // Items and failures go with their operation (ON DELETE CASCADE).
            var names = Finished.Select(s => s.ToString()).ToArray();
            var removed = await session.Connection.GetTable<OperationRecord>()
                .Where(o => names.Contains(o.Status) && o.CompletedAt < completedBefore)
                .DeleteAsync(cancellationToken).ConfigureAwait(false);
            await session.CommitAsync(cancellationToken).ConfigureAwait(false);
            return removed;
        }
    }

    /// <summary>
    /// Reads the change feed after a position, set-based: the entries whose unit of work committed with a later commit
    /// sequence (<c>feed_seq</c>, stamped under a lock held until the commit, migration 0008), in (sequence, version, id)
    /// order, served by one index. Read in a consistent snapshot, so a reader never sees a unit of work half committed.
    /// </summary>
    /// <param name="after">The position to read after.</param>
    /// <param name="limit">How many entries at most.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries with their positions.</returns>
    public Task<IReadOnlyList<FeedEntry>> ReadFeedAsync(FeedToken after, int limit, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(after);
        Guard.Against.OutOfRange(limit, nameof(limit), 1, ChangeFeedOptions.MaxBatchSize);
        return RunAsync(db => ReadFeedAsync(db, after, limit, cancellationToken), cancellationToken, ReadScope.Consistent, mayLag: true);
    }

    /// <summary>Listens for commits where the dialect can (PostgreSQL <c>LISTEN</c>); otherwise, and inside a host's transaction, the feed polls.</summary>
    /// <returns>A listener, or <see langword="null"/>.</returns>
    public IFeedListener? Listen()
    {
        if (InHost)
        {
            return null;
        }

        var call = Enter();
        return call.Dialect.Sessions.Listen(call.Connect);
    }

    /// <summary>The history column that holds the commit sequence (migration 0008); not mapped, so writes never set it.</summary>
    internal const string FeedSequenceColumn = "feed_seq";

    /// <summary>Opens a data connection in the current call's tenant, with the store's mapping (opened lazily by linq2db); inside a host's transaction, on it.</summary>
    internal DataConnection Connect() => Enter().Connect();

    /// <summary>
    /// Where a call works, asking its tenant once: the tenant, and the store of the tenant's database (this store's root, or
    /// with a database per tenant the tenant's store, not yet initialized).
    /// </summary>
    private Call Enter()
    {
        var tenant = _tenant();
        return new Call(this, DatabaseOf(tenant), tenant);
    }

    /// <summary>Enters a call (<see cref="Enter"/>) and makes sure its database is ready (migrated on its first use).</summary>
    private async Task<Call> EnterAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref Root._disposed) != 0, this);
        var call = Enter();
        await call.Database.InitializeAsync(cancellationToken).ConfigureAwait(false);
        return call;
    }

    /// <summary>Opens a connection of a call.</summary>
    internal DataConnection ConnectOf(Call call) => ConnectIn(call.Database, call.Tenant);

    /// <summary>Opens a data connection in a tenant on a database's store; a view inside a host's transaction opens it on the host's.</summary>
    private TenantConnection ConnectIn(Linq2DbTargetStore database, string tenant, DataOptions? options = null)
    {
        var db = new TenantConnection(options ?? (_inHost ? _options : database._options), tenant, database._dialect);
        ((IDataContext)db).SetMappingSchema(database._mapping);
        database._dialect.Sessions.OnConnect(db, tenant);
        return db;
    }

    /// <summary>A connection for the store's own upkeep (migrations, the dialect's start, the warm-up): no call's tenant is asked.</summary>
    private DataConnection ConnectToMaintain() => ConnectIn(this, TenantIds.Default);

    /// <summary>Applies migrations up to a version; tests use it to build a schema of an earlier version.</summary>
    internal async Task<int> MigrateToAsync(int version, CancellationToken cancellationToken = default) =>
        (await _migrations.MigrateAsync(version, cancellationToken).ConfigureAwait(false)).Count;

    /// <summary>Reads the schema's recorded version, 0 for a schema never migrated.</summary>
    internal async Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default)
    {
        var versions = await _migrations.GetAppliedVersionsAsync(cancellationToken).ConfigureAwait(false);
        return versions.Count == 0 ? 0 : versions.Max();
    }

    /// <summary>
    /// The one way every read (and each one-statement write of a claim) runs: the store initialized, a connection of its own (in a read-only transaction over one
    /// snapshot when <paramref name="scope"/> asks, committed at the end) or, inside a host's transaction, a connection on
    /// it under the host's snapshot rules. A read that <paramref name="mayLag"/> (reports, counts as of a date, the change
    /// feed, history pages) runs on the store's standby route when it has one.
    /// </summary>
    private async Task<T> RunAsync<T>(Func<DataConnection, Task<T>> read, CancellationToken cancellationToken, ReadScope scope = ReadScope.Plain, bool mayLag = false)
    {
        var call = await EnterAsync(cancellationToken).ConfigureAwait(false);
        using var db = mayLag && !InHost && call.Database.Standby is { } standby
            ? await ConnectToStandbyAsync(call, standby, cancellationToken).ConfigureAwait(false)
            : call.Connect();
        if (InHost || scope == ReadScope.Plain)
        {
            return await read(db).ConfigureAwait(false);
        }

        var turn = await BeginReadAsync(db, scope, cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await read(db).ConfigureAwait(false);
            await db.CommitTransactionAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }
        finally
        {
            if (db.Transaction is not null)
            {
                await db.RollbackTransactionAsync(CancellationToken.None).ConfigureAwait(false);
            }

            turn?.Dispose();
        }
    }

    /// <summary>
    /// Opens a read's connection on a standby; for read-your-writes, only once the standby has replayed what the primary had
    /// committed when the read began (asked before the read's snapshot is taken), else on the primary.
    /// </summary>
    private async Task<DataConnection> ConnectToStandbyAsync(Call call, StandbyRoute standby, CancellationToken cancellationToken)
    {
        var db = ConnectIn(call.Database, call.Tenant, standby.Options);
        if (standby.CatchUpWait is not { } wait)
        {
            return db;
        }

        try
        {
            using var primary = call.Connect();
            if (await call.Dialect.Sessions.StandbyCaughtUpAsync(primary, db, wait, cancellationToken).ConfigureAwait(false))
            {
                return db;
            }
        }
        catch
        {
            db.Dispose();
            throw;
        }

        db.Dispose();
        return call.Connect();
    }

    /// <summary>A read that returns nothing, run as <see cref="RunAsync{T}(Func{DataConnection, Task{T}}, CancellationToken, ReadScope, bool)"/>.</summary>
    private Task RunAsync(Func<DataConnection, Task> read, CancellationToken cancellationToken) =>
        RunAsync(async db =>
        {
            await read(db).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    private static async Task<IDisposable?> BeginReadAsync(DataConnection db, ReadScope scope, CancellationToken cancellationToken)
    {
        if (scope == ReadScope.Consistent)
        {
            return await db.DialectOf().Sessions.BeginConsistentReadAsync(db, cancellationToken).ConfigureAwait(false);
        }

        await db.DialectOf().Sessions.BeginSnapshotReadAsync(db, cancellationToken).ConfigureAwait(false);
        return null;
    }

    private static async Task<Target?> ReadTargetAsync(DataConnection db, TargetId id, CancellationToken cancellationToken)
    {
        var key = id.Value;
        var row = await db.GetTable<TargetRecord>().Where(t => t.Id == key).Select(TargetRecord.Readable).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return row?.ToTarget();
    }

    private static async Task<TargetPage> QueryPageAsync(DataConnection db, TargetQuery query, CancellationToken cancellationToken)
    {
        var total = await TargetFilter.Apply(db.DialectOf(), db, db.GetTable<TargetRecord>(), query).LongCountAsync(cancellationToken).ConfigureAwait(false);
        var page = total <= query.Skip ? [] : await ReadPageAsync(db, query, cancellationToken).ConfigureAwait(false);
        return new TargetPage(page, total);
    }

    private static async Task<IReadOnlyList<Target>> ReadPageAsync(DataConnection db, TargetQuery query, CancellationToken cancellationToken)
    {
        var dialect = db.DialectOf();
        var matches = TargetFilter.Apply(dialect, db, db.GetTable<TargetRecord>(), query);
        var desc = query.Descending;
        var ordered = query.SortBy switch
        {
            TargetSort.CreatedAt => desc ? matches.OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id) : matches.OrderBy(t => t.CreatedAt).ThenBy(t => t.Id),
            TargetSort.UpdatedAt => desc ? matches.OrderByDescending(t => t.UpdatedAt).ThenByDescending(t => t.Id) : matches.OrderBy(t => t.UpdatedAt).ThenBy(t => t.Id),

            // NULLs order differently per database: without an amount is made the lowest explicitly, as in the model.
            TargetSort.Amount => desc
                ? matches.OrderByDescending(t => t.AmountUnits == null ? 0 : 1).ThenByDescending(t => t.AmountUnits).ThenByDescending(t => t.Id)
                : matches.OrderBy(t => t.AmountUnits == null ? 0 : 1).ThenBy(t => t.AmountUnits).ThenBy(t => t.Id),
            _ => desc ? matches.OrderByDescending(dialect.Sql.NameKey).ThenByDescending(t => t.Id) : matches.OrderBy(dialect.Sql.NameKey).ThenBy(t => t.Id),
        };
        var rows = await ordered.Skip(query.Skip).Take(query.Take).Select(TargetRecord.Readable).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToTarget())];
    }

    private static async Task<IReadOnlyList<HistoryEntry>> ReadHistoryAsync(DataConnection db, TargetId id, HistoryPageRequest page, CancellationToken cancellationToken)
    {
        var key = id.Value;
        var before = page.BeforeVersion ?? long.MaxValue;
        var rows = await db.GetTable<HistoryRecord>()
            .Where(h => h.TargetId == key && h.Version < before)
            .OrderByDescending(h => h.Version)
            .Take(page.Limit)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToEntry())];
    }

    private static async Task<IReadOnlyList<FeedEntry>> ReadFeedAsync(DataConnection db, FeedToken after, int limit, CancellationToken cancellationToken) =>
        [.. (await ReadFeedRowsAsync(db, db.GetTable<HistoryRecord>(), after, limit, cancellationToken).ConfigureAwait(false)).Select(r => r.Entry)];

    /// <summary>The feed after a position over a history table: the tenant's (filtered), or every tenant's (<c>IgnoreFilters</c>).</summary>
    private static async Task<IReadOnlyList<(string TenantId, FeedEntry Entry)>> ReadFeedRowsAsync(DataConnection db, IQueryable<HistoryRecord> history, FeedToken after, int limit, CancellationToken cancellationToken)
    {
        var (sequence, version, id) = (after.Sequence, after.Version, after.Id);
        var rows = await history
            .Select(h => new { Entry = h, Sequence = Sql.Property<long>(h, FeedSequenceColumn) })
            .Where(r => r.Sequence > sequence || (r.Sequence == sequence && (r.Entry.Version > version || (r.Entry.Version == version && r.Entry.Id > id))))
            .OrderBy(r => r.Sequence).ThenBy(r => r.Entry.Version).ThenBy(r => r.Entry.Id)
            .Take(limit)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => (r.Entry.TenantId, new FeedEntry(r.Entry.ToEntry(), FeedToken.Of(r.Sequence, r.Entry.Version, r.Entry.Id))))];
    }

    private static async Task<IReadOnlyList<HistoryEntry>> ReadHistorySinceAsync(DataConnection db, HistoryFeedRequest request, CancellationToken cancellationToken)
    {
        // Stored times are whole microseconds (the core cuts them). A start between two microseconds admits exactly
        // the entries at or after the next one: no entry can equal it, so the id tie-break cannot apply.
        var since = request.Since.ToUniversalTime();
        var between = since.Ticks % 10 != 0;
        if (between)
        {
            since = since.Ticks > DateTimeOffset.MaxValue.Ticks - 10 ? DateTimeOffset.MaxValue : since.AddTicks(10 - (since.Ticks % 10));
        }

        var history = db.GetTable<HistoryRecord>().Where(h => h.OccurredAt >= since);
        if (request.AfterId is { } afterId && !between)
        {
            history = history.Where(h => h.OccurredAt > since || h.Id > afterId);
        }

        var rows = await history.OrderBy(h => h.OccurredAt).ThenBy(h => h.Id).Take(request.Limit).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToEntry())];
    }

    private async Task InitializeSlowAsync(CancellationToken cancellationToken)
    {
        await _initGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_initialized)
            {
                return;
            }

            await _dialect.Sessions.StartAsync(ConnectToMaintain, cancellationToken).ConfigureAwait(false);
            var current = true;
            if (_applyMigrations)
            {
                await _migrations.MigrateAsync(null, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                current = await _migrations.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false);
            }

            // Queries compile against the tables; on a schema a deployment step has yet to migrate they compile on first use.
            if (current)
            {
                await WarmUpAsync(cancellationToken).ConfigureAwait(false);
            }

            _initialized = true;
        }
        finally
        {
            _initGate.Release();
        }
    }

    /// <summary>
    /// Runs each hot query shape once against the database (matching nothing), so linq2db compiles them now: a fresh
    /// process would otherwise pay 0.4–0.9 s per shape on its first requests. The mapping schema is shared per
    /// dialect configuration, so a second store on the same tables finds them compiled.
    /// </summary>
    private async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        var none = new TargetId(Guid.Empty);
        using (var db = ConnectToMaintain())
        {
            await ReadTargetAsync(db, none, cancellationToken).ConfigureAwait(false);
            foreach (var query in WarmQueries)
            {
                await QueryPageAsync(db, query, cancellationToken).ConfigureAwait(false);
                await ReadPageAsync(db, query, cancellationToken).ConfigureAwait(false);
            }

            await ReadHistoryAsync(db, none, new HistoryPageRequest(Limit: 1), cancellationToken).ConfigureAwait(false);
            await ReadHistorySinceAsync(db, new HistoryFeedRequest(DateTimeOffset.MaxValue, Guid.Empty, 1), cancellationToken).ConfigureAwait(false);
            await ReadHistorySinceAsync(db, new HistoryFeedRequest(DateTimeOffset.MaxValue, null, 1), cancellationToken).ConfigureAwait(false);
            await ReadFeedAsync(db, FeedToken.Of(long.MaxValue, 0, Guid.Empty), 1, cancellationToken).ConfigureAwait(false);
        }

        var session = await Linq2DbWriteSession.BeginAsync(ConnectToMaintain, _dialect, cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            // Rolled back on dispose: nothing is written.
            await session.LockAsync([none], cancellationToken).ConfigureAwait(false);
            await session.LockOperationAsync(string.Empty, cancellationToken).ConfigureAwait(false);
            await session.ReadOperationItemsAsync(string.Empty, null, 1, cancellationToken).ConfigureAwait(false);
            await session.ReadOperationItemsAsync(string.Empty, none, 1, cancellationToken).ConfigureAwait(false);

            // The dialect's write of a status change and its history entry, matching no row: a fresh process would
            // otherwise load types and JIT the write path on its first change.
            var at = DateTimeOffset.UnixEpoch;
            var ghost = new Target { Id = none, Name = "warm-up", Markets = [], Version = 2, CreatedAt = at, UpdatedAt = at };
            await _dialect.Writer.WriteAsync(
                session.Connection,
                new ChangeSet
                {
                    Updates = [new TargetWrite(ghost, 1)],
                    History = [new HistoryEntry { Id = Guid.Empty, TargetId = none, Action = HistoryAction.StatusChanged, Version = 2, OccurredAt = at, CorrelationId = "warm-up" }],
                },
                new Dictionary<TargetId, Target> { [none] = ghost with { Version = 1 } },
                cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>How a read runs on a store of its own connections (inside a host's transaction, always in the host's).</summary>
internal enum ReadScope
{
    /// <summary>One statement, or statements that need not agree: no transaction.</summary>
    Plain,

    /// <summary>Several statements in one read-only transaction over one snapshot (a count and its page).</summary>
    Snapshot,

    /// <summary>A long read over one consistent snapshot: the dialect's consistent read (reports, the feed, the integrity check).</summary>
    Consistent,
}

/// <summary>Where one call of the store works: its tenant, asked once, on the store of the tenant's database.</summary>
/// <param name="Store">The store (or view) the call was made on.</param>
/// <param name="Database">The store of the database: the root's, or with a database per tenant the tenant's.</param>
/// <param name="Tenant">The tenant.</param>
internal readonly record struct Call(Linq2DbTargetStore Store, Linq2DbTargetStore Database, string Tenant)
{
    /// <summary>Gets the dialect of the call's database.</summary>
    public Linq2DbDialect Dialect => Database.Dialect;

    /// <summary>Opens a connection of the call.</summary>
    public DataConnection Connect() => Store.ConnectOf(this);
}
