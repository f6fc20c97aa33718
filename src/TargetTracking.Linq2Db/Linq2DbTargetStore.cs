using Ardalis.GuardClauses;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TargetTracking.Linq2Db;

/// <summary>
/// The relational store on linq2db: every read written once in LINQ, write sessions that lock, save set-based and
/// commit in one <see cref="DataConnection"/> and transaction, and the migration runner. A
/// <see cref="Linq2DbDialect"/> supplies what differs per database. Thread-safe. Hosts normally register it with
/// <c>UsePostgreSql(...)</c>, <c>UseSqlite(...)</c> or <c>UseLinq2Db(...)</c>; <see cref="InHostTransaction(DataConnection)"/> runs
/// writes inside a host's own transaction.
/// </summary>
public sealed partial class Linq2DbTargetStore : ITargetRepository, IOperationRepository, IIntegrityStore, IHierarchyStore, IChangeFeedStore, IReportStore, IStagnationClaims
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

    /// <summary>The table of claimed stays (migration 0007): one row per notified stay, keyed by target and stay start.</summary>
    internal const string StagnationClaimsTable = "stagnation_claims";

    private readonly DataOptions _options;
    private readonly Linq2DbDialect _dialect;
    private readonly bool _applyMigrations;
    private readonly MigrationRunner _migrations;
    private readonly SemaphoreSlim _initGate = new(1, 1);
    private volatile bool _initialized;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="options">How linq2db connects: the provider and a connection string, data source or factory. Its mapping schema is replaced by the store's.</param>
    /// <param name="dialect">The database's dialect, for example <c>PostgreSqlDialect</c> or <c>SqliteDialect</c>.</param>
    /// <param name="applyMigrations">Whether <see cref="InitializeAsync"/> applies pending migrations; otherwise it refuses a schema that is not current.</param>
    /// <param name="logger">Logs applied migrations.</param>
    public Linq2DbTargetStore(DataOptions options, Linq2DbDialect dialect, bool applyMigrations = true, ILogger<Linq2DbTargetStore>? logger = null)
        : this(options, dialect, applyMigrations, logger, null)
    {
    }

    internal Linq2DbTargetStore(DataOptions options, Linq2DbDialect dialect, bool applyMigrations, ILogger? logger, IReadOnlyList<Migration>? migrations)
    {
        Guard.Against.Null(options);
        Guard.Against.Null(dialect);
        _dialect = dialect;
        _options = options.UseMappingSchema(StoreMapping.For(dialect));
        _applyMigrations = applyMigrations;
        _migrations = new MigrationRunner(Connect, dialect, migrations ?? dialect.Migrations, logger ?? NullLogger.Instance);
    }

    /// <summary>Gets the dialect.</summary>
    public Linq2DbDialect Dialect => _dialect;

    /// <summary>Gets the migration runner (tests build schemas of earlier versions with it).</summary>
    internal MigrationRunner Migrations => _migrations;

    /// <summary>
    /// Applies the pending schema migrations now, whatever the store was told at construction. Safe to call from
    /// many host instances at once: each migration is applied exactly once.
    /// </summary>
    /// <param name="cancellationToken">Cancels the migration; the one in progress rolls back.</param>
    /// <returns>How many migrations this call applied (0 when the schema is up to date).</returns>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken = default) =>
        (await _migrations.MigrateAsync(null, cancellationToken).ConfigureAwait(false)).Count;

    /// <summary>
    /// Prepares the store once: applies pending migrations (or checks the schema is current when migrations are off)
    /// and runs every hot query shape once, so linq2db's expression compilation is paid here and not by a host's
    /// first request. Every member calls it first; call it at start-up to fail early.
    /// </summary>
    /// <param name="cancellationToken">Cancels the preparation.</param>
    /// <returns>A task that completes when the store is ready.</returns>
    public Task InitializeAsync(CancellationToken cancellationToken = default) =>
        _initialized ? Task.CompletedTask : InitializeSlowAsync(cancellationToken);

    /// <summary>
    /// Returns a view of this store whose reads and writes run inside a host's open linq2db transaction: the host's
    /// rows and the target changes commit or roll back together (goals, sprints, commitments and links too: the view
    /// implements <see cref="IHierarchyStore"/>, for a <see cref="HierarchyTracker"/>). In that mode the store neither commits, rolls back
    /// nor retries (the host owns the transaction); typed errors (not found, version conflict, forbidden move,
    /// invalid input) are decided before anything is written, so they leave the host's transaction usable.
    /// </summary>
    /// <param name="connection">The host's connection to the store's database, with a transaction begun.</param>
    /// <returns>A store to give a <see cref="TargetTracker"/> with <see cref="TargetTracker.WithRepository"/>, for this transaction only.</returns>
    /// <exception cref="InvalidOperationException">The connection has no open transaction.</exception>
    public ITargetRepository InHostTransaction(DataConnection connection)
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
    public ITargetRepository InHostTransaction(System.Data.Common.DbTransaction transaction)
    {
        Guard.Against.Null(transaction);
        if (transaction.Connection is null)
        {
            throw new InvalidOperationException("The host's transaction has ended; TargetTracking writes need it open.");
        }

        // linq2db does not own a connection it is given: disposing the store's DataConnection leaves the host's transaction alone.
        return new HostTransactionStore(this, new DataOptions().UseTransaction(_dialect.Provider, transaction).UseMappingSchema(StoreMapping.For(_dialect)));
    }

    /// <inheritdoc />
    public async Task<Target?> GetAsync(TargetId id, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var db = Connect();
        return await GetAsync(db, id, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<TargetPage> QueryAsync(TargetQuery query, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(query);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var db = Connect();
        return await QueryAsync(db, query, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(TargetId id, HistoryPageRequest page, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(page);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var db = Connect();
        return await GetHistoryAsync(db, id, page, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<HistoryEntry>> GetHistoryFeedAsync(HistoryFeedRequest request, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(request);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var db = Connect();
        return await GetHistoryFeedAsync(db, request, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StatusCount>> CountByStatusAsync(CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var db = Connect();
        return await CountByStatusAsync(db, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<ITargetWriteSession> BeginWriteAsync(CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await Linq2DbWriteSession.BeginAsync(Connect, _dialect, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public bool IsTransient(Exception exception) => _dialect.IsTransient(exception);

    /// <summary>
    /// Runs the integrity check in the database (<see cref="IIntegrityStore"/>): window functions over the history in
    /// version order, anti-joins and filters, streamed, over one consistent snapshot (PostgreSQL: a REPEATABLE READ
    /// transaction; SQLite: one read transaction).
    /// </summary>
    /// <param name="scan">What to scan.</param>
    /// <param name="found">Receives each finding while a reader is open; it must not call the store.</param>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <returns>How many targets and entries the snapshot held.</returns>
    public async Task<IntegrityCounts> ScanIntegrityAsync(IntegrityScan scan, Action<IntegrityFinding> found, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(scan);
        Guard.Against.Null(found);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var db = Connect();

        // A scan of the whole store can wait longer than a command's usual timeout for its first row (a sort over
        // millions of entries on a busy server); the caller's token bounds it instead.
        db.CommandTimeout = 0;
        return await IntegrityScanner.ScanAsync(db, _dialect, scan, found, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Computes a target's stays in the database (<see cref="IReportStore"/>), by window functions over its history.</summary>
    /// <param name="id">The target.</param>
    /// <param name="cut">Entries at or after it are not read.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The stays, oldest first.</returns>
    public Task<IReadOnlyList<StayFacts>> GetStaysAsync(TargetId id, DateTimeOffset cut, CancellationToken cancellationToken = default) =>
        ReadReportAsync(db => ReportQueries.StaysAsync(db, _dialect, id, cut, cancellationToken), cancellationToken);

    /// <summary>Counts targets per status as of a cut in the database (<see cref="IReportStore"/>), replaying the history set-based.</summary>
    /// <param name="cut">Entries at or after it are not read.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The counts.</returns>
    public Task<IReadOnlyList<StatusCount>> CountAsOfAsync(DateTimeOffset cut, CancellationToken cancellationToken = default) =>
        ReadReportAsync(db => ReportQueries.CountAsOfAsync(db, _dialect, cut, cancellationToken), cancellationToken);

    /// <summary>Computes pipeline facts in the database (<see cref="IReportStore"/>), every statement in one snapshot.</summary>
    /// <param name="query">What to compute.</param>
    /// <param name="cancellationToken">Cancels the computation.</param>
    /// <returns>The facts.</returns>
    public Task<PipelineFacts> ComputePipelineAsync(PipelineFactsQuery query, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(query);
        return ReadReportAsync(db => ReportQueries.PipelineAsync(db, _dialect, query, cancellationToken), cancellationToken);
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
        return ReadReportAsync(async db =>
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
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> TryClaimAsync(StagnationClaim claim, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(claim);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var db = Connect();

        // One statement, atomic on the key (target, stay start): of several hosts claiming at once, exactly one inserts.
        var inserted = await db.ExecuteAsync(
            _dialect.InsertIgnore(_dialect.Qualify(StagnationClaimsTable), "target_id, stay_started_at, status, claimed_at", "@tid, @since, @status, @at"),
            cancellationToken,
            _dialect.IdParameter("tid", claim.TargetId.Value),
            _dialect.TimeParameter("since", claim.StayStartedAt),
            new DataParameter("status", claim.Status, DataType.NVarChar),
            _dialect.TimeParameter("at", claim.ClaimedAt)).ConfigureAwait(false);
        return inserted == 1;
    }

    /// <inheritdoc />
    public async Task ReleaseAsync(StagnationClaim claim, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(claim);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var db = Connect();
        await db.ExecuteAsync(
            $"DELETE FROM {_dialect.Qualify(StagnationClaimsTable)} WHERE target_id = @tid AND stay_started_at = @since",
            cancellationToken,
            _dialect.IdParameter("tid", claim.TargetId.Value),
            _dialect.TimeParameter("since", claim.StayStartedAt)).ConfigureAwait(false);
    }

    /// <summary>Runs report reads in one read-only transaction over one consistent snapshot (inside a host's transaction, in that one).</summary>
    private async Task<T> ReadReportAsync<T>(Func<DataConnection, Task<T>> read, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var db = Connect();
        var turn = await _dialect.BeginConsistentReadAsync(db, cancellationToken).ConfigureAwait(false);
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

    /// <inheritdoc />
    public async Task<BulkOperation?> GetOperationAsync(string operationId, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(operationId);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var db = Connect();
        var row = await db.GetTable<OperationRecord>().FirstOrDefaultAsync(o => o.Id == operationId, cancellationToken).ConfigureAwait(false);
        return row?.ToOperation();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<BulkOperation>> FindOperationsAsync(IReadOnlyCollection<OperationStatus> statuses, DateTimeOffset? updatedBefore, int limit, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(statuses);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var names = statuses.Select(s => s.ToString()).ToArray();
        var before = updatedBefore ?? DateTimeOffset.MaxValue;
        using var db = Connect();
        var rows = await db.GetTable<OperationRecord>()
            .Where(o => names.Contains(o.Status) && o.LastUpdatedAt < before)
            .OrderBy(o => o.LastUpdatedAt).ThenBy(o => o.Id)
            .Take(limit)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToOperation())];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<OperationItemFailure>> GetOperationFailuresAsync(string operationId, TargetId? after, int limit, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(operationId);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var db = Connect();
        var failures = db.GetTable<OperationFailureRecord>().Where(f => f.OperationId == operationId);
        if (after is { } start)
        {
            var afterId = start.Value;
            failures = failures.Where(f => f.TargetId > afterId);
        }

        var rows = await failures.OrderBy(f => f.TargetId).ThenBy(f => f.Seq).Take(limit).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToFailure())];
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

    /// <summary>Opens a data connection with the store's mapping (opened lazily by linq2db).</summary>
    internal DataConnection Connect() => new(_options);

    internal static async Task<Target?> GetAsync(DataConnection db, TargetId id, CancellationToken cancellationToken)
    {
        var key = id.Value;
        var row = await db.GetTable<TargetRecord>().Where(t => t.Id == key).Select(TargetRecord.Readable).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return row?.ToTarget();
    }

    internal static async Task<IReadOnlyList<StatusCount>> CountByStatusAsync(DataConnection db, CancellationToken cancellationToken)
    {
        var rows = await db.GetTable<TargetRecord>()
            .GroupBy(t => t.Status)
            .Select(g => new { Status = g.Key, Count = g.LongCount() })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => new StatusCount(r.Status, r.Count))];
    }

    internal async Task<TargetPage> QueryAsync(DataConnection db, TargetQuery query, CancellationToken cancellationToken)
    {
        // Count and page in one snapshot, so they agree while writers commit. Inside a host's transaction its snapshot rules.
        var ownTransaction = db.Transaction is null;
        if (ownTransaction)
        {
            await _dialect.BeginSnapshotReadAsync(db, cancellationToken).ConfigureAwait(false);
        }

        var total = await TargetFilter.Apply(_dialect, db, db.GetTable<TargetRecord>(), query).LongCountAsync(cancellationToken).ConfigureAwait(false);
        var page = total <= query.Skip ? [] : await ReadPageAsync(db, query, cancellationToken).ConfigureAwait(false);
        if (ownTransaction)
        {
            await db.CommitTransactionAsync(cancellationToken).ConfigureAwait(false);
        }

        return new TargetPage(page, total);
    }

    private async Task<IReadOnlyList<Target>> ReadPageAsync(DataConnection db, TargetQuery query, CancellationToken cancellationToken)
    {
        var matches = TargetFilter.Apply(_dialect, db, db.GetTable<TargetRecord>(), query);
        var desc = query.Descending;
        var ordered = query.SortBy switch
        {
            TargetSort.CreatedAt => desc ? matches.OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id) : matches.OrderBy(t => t.CreatedAt).ThenBy(t => t.Id),
            TargetSort.UpdatedAt => desc ? matches.OrderByDescending(t => t.UpdatedAt).ThenByDescending(t => t.Id) : matches.OrderBy(t => t.UpdatedAt).ThenBy(t => t.Id),
            _ => desc ? matches.OrderByDescending(_dialect.NameKey).ThenByDescending(t => t.Id) : matches.OrderBy(_dialect.NameKey).ThenBy(t => t.Id),
        };
        var rows = await ordered.Skip(query.Skip).Take(query.Take).Select(TargetRecord.Readable).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToTarget())];
    }

    internal static async Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(DataConnection db, TargetId id, HistoryPageRequest page, CancellationToken cancellationToken)
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

    /// <summary>
    /// Reads the change feed after a position, set-based: the entries whose unit of work committed with a later commit
    /// sequence (<c>feed_seq</c>, stamped under a lock held until the commit, migration 0008), in (sequence, version, id)
    /// order, served by one index. Read in a consistent snapshot, so a reader never sees a unit of work half committed.
    /// </summary>
    /// <param name="after">The position to read after.</param>
    /// <param name="limit">How many entries at most.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries with their positions.</returns>
    public async Task<IReadOnlyList<FeedEntry>> ReadFeedAsync(FeedToken after, int limit, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(after);
        Guard.Against.OutOfRange(limit, nameof(limit), 1, ChangeFeedOptions.MaxBatchSize);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var db = Connect();
        using var turn = await _dialect.BeginConsistentReadAsync(db, cancellationToken).ConfigureAwait(false);
        var feed = await ReadFeedAsync(db, after, limit, cancellationToken).ConfigureAwait(false);
        await db.CommitTransactionAsync(cancellationToken).ConfigureAwait(false);
        return feed;
    }

    /// <summary>Listens for commits where the dialect can (PostgreSQL <c>LISTEN</c>); otherwise the feed polls.</summary>
    /// <returns>A listener, or <see langword="null"/>.</returns>
    public IFeedListener? Listen() => _dialect.Listen(Connect);

    internal static async Task<IReadOnlyList<FeedEntry>> ReadFeedAsync(DataConnection db, FeedToken after, int limit, CancellationToken cancellationToken)
    {
        var (sequence, version, id) = (after.Sequence, after.Version, after.Id);
        var rows = await db.GetTable<HistoryRecord>()
            .Select(h => new { Entry = h, Sequence = Sql.Property<long>(h, FeedSequenceColumn) })
            .Where(r => r.Sequence > sequence || (r.Sequence == sequence && (r.Entry.Version > version || (r.Entry.Version == version && r.Entry.Id > id))))
            .OrderBy(r => r.Sequence).ThenBy(r => r.Entry.Version).ThenBy(r => r.Entry.Id)
            .Take(limit)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => new FeedEntry(r.Entry.ToEntry(), FeedToken.Of(r.Sequence, r.Entry.Version, r.Entry.Id)))];
    }

    /// <summary>The history column that holds the commit sequence (migration 0008); not mapped, so writes never set it.</summary>
    internal const string FeedSequenceColumn = "feed_seq";

    internal static async Task<IReadOnlyList<HistoryEntry>> GetHistoryFeedAsync(DataConnection db, HistoryFeedRequest request, CancellationToken cancellationToken)
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
        using (var db = Connect())
        {
            await GetAsync(db, none, cancellationToken).ConfigureAwait(false);
            foreach (var query in WarmQueries)
            {
                await QueryAsync(db, query, cancellationToken).ConfigureAwait(false);
                await ReadPageAsync(db, query, cancellationToken).ConfigureAwait(false);
            }

            await GetHistoryAsync(db, none, new HistoryPageRequest(Limit: 1), cancellationToken).ConfigureAwait(false);
            await GetHistoryFeedAsync(db, new HistoryFeedRequest(DateTimeOffset.MaxValue, Guid.Empty, 1), cancellationToken).ConfigureAwait(false);
            await GetHistoryFeedAsync(db, new HistoryFeedRequest(DateTimeOffset.MaxValue, null, 1), cancellationToken).ConfigureAwait(false);
            await ReadFeedAsync(db, FeedToken.Of(long.MaxValue, 0, Guid.Empty), 1, cancellationToken).ConfigureAwait(false);
        }

        var session = await Linq2DbWriteSession.BeginAsync(Connect, _dialect, cancellationToken).ConfigureAwait(false);
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
            await _dialect.WriteAsync(
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
