using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace TargetTracking.Sqlite;

/// <summary>
/// The SQLite store, the embedded default: a file database in WAL mode, or a named shared in-memory database.
/// Writes take SQLite's write lock for the whole unit of work, so writers serialize and no update is lost;
/// reads never wait for writers in a file database. Thread-safe; dispose it to close its connections
/// (an in-memory database ends with it). Hosts normally register it with <c>UseSqlite(...)</c>.
/// </summary>
public sealed partial class SqliteTargetRepository : ITargetRepository, IAsyncDisposable, IDisposable
{
    private readonly SqliteStoreOptions _options;
    private readonly SqliteDatabase _database;
    private readonly SemaphoreSlim _initGate = new(1, 1);
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private volatile bool _initialized;
    private SqliteConnection? _keepAlive;
    private bool _disposed;

    /// <summary>Initializes a new instance. The database is opened, and migrated when enabled, on first use or by <see cref="InitializeAsync"/>.</summary>
    /// <param name="options">The store options.</param>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public SqliteTargetRepository(SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(nameof(SqliteStoreOptions), typeof(SqliteStoreOptions), problems);
        }

        _options = options;
        _database = new SqliteDatabase(options);
    }

    /// <summary>
    /// Prepares the database once: keeps an in-memory database alive, switches a file database to WAL, and applies
    /// the embedded schema migrations (or, with <see cref="SqliteStoreOptions.ApplyMigrations"/> off, checks that the
    /// schema is current). Every other member calls it first; call it at start-up to fail early.
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
                    await connection.ExecuteAsync(new CommandDefinition("PRAGMA journal_mode = WAL", cancellationToken: cancellationToken)).ConfigureAwait(false);
                }
            }

            var migrator = new SqliteMigrator(_database);
            if (_options.ApplyMigrations)
            {
                await migrator.MigrateAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await migrator.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false);
            }

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
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var row = await connection.QuerySingleOrDefaultAsync<TargetRow>(new CommandDefinition(
                $"SELECT {TargetRow.Columns} FROM targets t WHERE t.id = @Id",
                new { Id = Stored.Id(id) },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            return row?.ToTarget();
        }
    }

    /// <inheritdoc />
    public async Task<TargetPage> QueryAsync(TargetQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = TargetQuerySql.Build(query);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // One read transaction: the count and the page see the same snapshot.
            var transaction = connection.BeginTransaction(deferred: true);
            await using (transaction.ConfigureAwait(false))
            {
                var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                    sql.Count, sql.Parameters, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                var rows = await connection.QueryAsync<TargetRow>(new CommandDefinition(
                    sql.Page, sql.Parameters, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                return new TargetPage([.. rows.Select(r => r.ToTarget())], total);
            }
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(TargetId id, HistoryPageRequest page, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(page);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<HistoryRow>(new CommandDefinition(
                HistorySql.ForTarget(page.BeforeVersion is not null),
                new { Id = Stored.Id(id), page.BeforeVersion, page.Limit },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            return [.. rows.Select(r => r.ToEntry())];
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<HistoryEntry>> GetHistoryFeedAsync(HistoryFeedRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<HistoryRow>(new CommandDefinition(
                HistorySql.Feed(request.AfterId is not null),
                new { Since = Stored.Time(request.Since), AfterId = request.AfterId is { } a ? Stored.Id(a) : null, request.Limit },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            return [.. rows.Select(r => r.ToEntry())];
        }
    }

    /// <inheritdoc />
    public async Task<ITargetWriteSession> BeginWriteAsync(CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await SqliteWriteSession.BeginAsync(_database, _writeGate, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tells whether a failure is SQLite busy or locked (SQLITE_BUSY, SQLITE_LOCKED and their extended codes).</summary>
    /// <param name="exception">The failure.</param>
    /// <returns><see langword="true"/> when re-running the unit of work may succeed.</returns>
    public bool IsTransient(Exception exception) => SqliteErrors.IsTransient(exception);

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

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
    }
}
