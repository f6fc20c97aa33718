using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace TargetTracking.PostgreSql;

/// <summary>
/// The PostgreSQL store: targets and their append-only history in one schema, shared safely by any number of
/// host instances. Writes lock the touched rows (<c>SELECT … FOR UPDATE</c>) and save every decided change in
/// one set-based batch; reads are single statements. Tracked bulk operations (<see cref="IOperationRepository"/>) are
/// stored beside them and commit their progress in the same transaction as each batch. Thread-safe; the <see cref="NpgsqlDataSource"/> belongs
/// to the caller. Hosts normally register it with <c>UsePostgreSql(...)</c>.
/// </summary>
public sealed class PostgreSqlTargetRepository : ITargetRepository, IOperationRepository
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgreSqlStoreOptions _options;
    private readonly PostgreSqlStatements _sql;
    private readonly SchemaMigrator _migrator;
    private readonly SemaphoreSlim _migrationGate = new(1, 1);
    private volatile bool _schemaReady;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="dataSource">Where connections come from; not disposed by the store.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <param name="logger">Logs applied migrations.</param>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public PostgreSqlTargetRepository(NpgsqlDataSource dataSource, PostgreSqlStoreOptions? options = null, ILogger<PostgreSqlTargetRepository>? logger = null)
        : this(dataSource, options, logger, Migration.Embedded)
    {
    }

    internal PostgreSqlTargetRepository(NpgsqlDataSource dataSource, PostgreSqlStoreOptions? options, ILogger? logger, IReadOnlyList<Migration> migrations)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        options ??= new PostgreSqlStoreOptions();
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(nameof(PostgreSqlStoreOptions), typeof(PostgreSqlStoreOptions), problems);
        }

        _dataSource = dataSource;
        _options = new PostgreSqlStoreOptions { Schema = options.Schema, ApplyMigrations = options.ApplyMigrations };
        _sql = new PostgreSqlStatements(_options.Schema);
        _migrator = new SchemaMigrator(dataSource, _options.Schema, migrations, logger ?? NullLogger.Instance);
    }

    /// <summary>Gets the schema that holds the store's tables.</summary>
    public string Schema => _options.Schema;

    /// <summary>
    /// Applies the pending schema migrations now, whatever <see cref="PostgreSqlStoreOptions.ApplyMigrations"/> says.
    /// Safe to call from many host instances at once: each migration is applied exactly once.
    /// </summary>
    /// <param name="cancellationToken">Cancels the migration; the one in progress rolls back.</param>
    /// <returns>How many migrations this call applied (0 when the schema is up to date).</returns>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await _migrationGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var applied = await _migrator.ApplyAsync(null, cancellationToken).ConfigureAwait(false);
            _schemaReady = true;
            return applied;
        }
        finally
        {
            _migrationGate.Release();
        }
    }

    /// <inheritdoc />
    public async Task<Target?> GetAsync(TargetId id, CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var row = await connection.QuerySingleOrDefaultAsync<TargetRow>(new CommandDefinition(
                _sql.GetTarget, new { id = id.Value }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return row?.ToTarget();
        }
    }

    /// <inheritdoc />
    public async Task<TargetPage> QueryAsync(TargetQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var statuses = query.Statuses?.Where(s => s is not null).Select(s => s!).ToArray() ?? [];
        var notSet = query.Statuses?.Any(s => s is null) ?? false;
        var sql = _sql.Query(query, statuses.Length > 0, notSet);
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = (await connection.QueryAsync<TargetPageRow>(new CommandDefinition(
                sql,
                new { statuses, market = query.Market, nameContains = query.NameContains, take = query.Take, skip = query.Skip },
                cancellationToken: cancellationToken)).ConfigureAwait(false)).AsList();
            var total = rows.Count == 0 ? 0 : rows[0].Total;
            return new TargetPage([.. rows.Where(r => r.Id != Guid.Empty).Select(r => r.ToTarget())], total);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(TargetId id, HistoryPageRequest page, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(page);
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<HistoryRow>(new CommandDefinition(
                _sql.GetHistory,
                new { id = id.Value, before = page.BeforeVersion ?? long.MaxValue, limit = page.Limit },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            return [.. rows.Select(r => r.ToEntry())];
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<HistoryEntry>> GetHistoryFeedAsync(HistoryFeedRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);

        // Stored times are whole microseconds. A start between two microseconds admits exactly the entries at or
        // after the next one (no entry can equal it, so the id tie-break cannot apply); PostgreSQL would round it.
        var since = request.Since.UtcDateTime;
        var between = since.Ticks % 10 != 0;
        if (between)
        {
            since = since.Ticks > DateTime.MaxValue.Ticks - 10 ? DateTime.MaxValue : since.AddTicks(10 - (since.Ticks % 10));
        }

        var sql = request.AfterId is null || between ? _sql.GetHistoryFeedFrom : _sql.GetHistoryFeedAfter;
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<HistoryRow>(new CommandDefinition(
                sql,
                new { since = DateTime.SpecifyKind(since, DateTimeKind.Utc), after = request.AfterId ?? Guid.Empty, limit = request.Limit },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            return [.. rows.Select(r => r.ToEntry())];
        }
    }

    /// <inheritdoc />
    public async Task<BulkOperation?> GetOperationAsync(string operationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operationId);
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var row = await connection.QuerySingleOrDefaultAsync<OperationRow>(new CommandDefinition(
                _sql.Operations.Get, new { id = operationId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return row?.ToOperation();
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<BulkOperation>> FindOperationsAsync(IReadOnlyCollection<OperationStatus> statuses, DateTimeOffset? updatedBefore, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<OperationRow>(new CommandDefinition(
                _sql.Operations.Find,
                new
                {
                    statuses = statuses.Select(s => s.ToString()).ToArray(),
                    before = updatedBefore is { } before ? before.UtcDateTime : DateTime.MaxValue,
                    limit,
                },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            return [.. rows.Select(r => r.ToOperation())];
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<OperationItemFailure>> GetOperationFailuresAsync(string operationId, TargetId? after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operationId);
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<OperationFailureRow>(new CommandDefinition(
                _sql.Operations.GetFailures,
                new { id = operationId, after = after?.Value ?? Guid.Empty, limit },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            return [.. rows.Select(r => r.ToFailure())];
        }
    }

    /// <inheritdoc />
    public async Task<int> DeleteFinishedOperationsAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteAsync(new CommandDefinition(
                _sql.Operations.DeleteFinished, new { before = completedBefore.UtcDateTime }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<ITargetWriteSession> BeginWriteAsync(CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        return await PostgreSqlWriteSession.BeginAsync(_dataSource, _sql, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Tells whether a failure is transient: connection lost or refused, server shutting down or starting,
    /// serialization failure (40001), deadlock (40P01), and what Npgsql itself marks transient.
    /// </summary>
    /// <param name="exception">The failure.</param>
    /// <returns><see langword="true"/> when re-running the unit of work may succeed.</returns>
    public bool IsTransient(Exception exception) => PostgresErrors.IsTransient(exception);

    /// <summary>Applies migrations up to a version; tests use it to build a schema of an earlier version.</summary>
    internal Task<int> MigrateToAsync(int version, CancellationToken cancellationToken = default) => _migrator.ApplyAsync(version, cancellationToken);

    /// <summary>Reads the schema's recorded version.</summary>
    internal Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default) => _migrator.GetVersionAsync(cancellationToken);

    /// <summary>Applies pending migrations before first use (once per instance) unless turned off.</summary>
    internal Task EnsureSchemaAsync(CancellationToken cancellationToken) =>
        _schemaReady || !_options.ApplyMigrations ? Task.CompletedTask : EnsureSchemaSlowAsync(cancellationToken);

    private async Task EnsureSchemaSlowAsync(CancellationToken cancellationToken)
    {
        await _migrationGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_schemaReady)
            {
                await _migrator.ApplyAsync(null, cancellationToken).ConfigureAwait(false);
                _schemaReady = true;
            }
        }
        finally
        {
            _migrationGate.Release();
        }
    }
}
