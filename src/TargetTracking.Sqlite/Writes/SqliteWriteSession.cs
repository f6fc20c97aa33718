using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;

namespace TargetTracking.Sqlite;

/// <summary>
/// One unit of work: one connection and one <c>BEGIN IMMEDIATE</c> transaction, which takes SQLite's write lock up
/// front, so writers serialize and none can change a row between <see cref="LockAsync"/> and the commit (what
/// <c>SELECT … FOR UPDATE</c> gives in PostgreSQL). Each kind of write is one prepared statement re-run per row
/// inside the transaction (Dapper reuses the command), with the affected-row count checked against the rows given.
/// </summary>
internal sealed class SqliteWriteSession : ITargetWriteSession
{
    private const string InsertTarget = """
        INSERT INTO targets (id, name, name_norm, description, markets, status, version, created_at, updated_at, status_changed_at)
        VALUES (@Id, @Name, @NameNorm, @Description, @Markets, @Status, @Version, @CreatedAt, @UpdatedAt, @StatusChangedAt)
        ON CONFLICT (id) DO NOTHING
        """;

    private const string UpdateTarget = """
        UPDATE targets
        SET name = @Name, name_norm = @NameNorm, description = @Description, markets = @Markets, status = @Status,
            version = @Version, updated_at = @UpdatedAt, status_changed_at = @StatusChangedAt
        WHERE id = @Id AND version = @ExpectedVersion
        """;

    private const string DeleteTarget = "DELETE FROM targets WHERE id = @Id AND version = @ExpectedVersion";

    private const string DeleteMarkets = "DELETE FROM target_markets WHERE target_id = @Id";

    // Two markets that differ only in case are refused by the core; the conflict clause only guards the key.
    private const string InsertMarket = "INSERT INTO target_markets (target_id, market_norm) VALUES (@TargetId, @MarketNorm) ON CONFLICT DO NOTHING";

    private const string PurgeHistory = "DELETE FROM target_history WHERE target_id = @Id";

    private const string InsertHistory = """
        INSERT INTO target_history (id, target_id, action, old_status, new_status, version, occurred_at,
                                    actor_id, actor_name, correlation_id, operation_id, client_address, user_agent)
        VALUES (@Id, @TargetId, @Action, @OldStatus, @NewStatus, @Version, @OccurredAt,
                @ActorId, @ActorName, @CorrelationId, @OperationId, @ClientAddress, @UserAgent)
        """;

    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly SemaphoreSlim _writeGate;
    private readonly Dictionary<TargetId, Target> _locked = [];
    private bool _ended;

    private SqliteWriteSession(SqliteConnection connection, SqliteTransaction transaction, SemaphoreSlim writeGate)
    {
        _connection = connection;
        _transaction = transaction;
        _writeGate = writeGate;
    }

    /// <summary>Waits for the repository's write gate, then opens a connection and begins an immediate transaction.</summary>
    /// <remarks>
    /// The gate queues this process's writers without blocking threads (SQLite's own busy wait sleeps on the
    /// calling thread) and serializes them in a shared-cache in-memory database, where table locks fail at once
    /// instead of waiting. Other processes are held off by the file lock and the busy timeout.
    /// </remarks>
    public static async Task<SqliteWriteSession> BeginAsync(SqliteDatabase database, SemaphoreSlim writeGate, CancellationToken cancellationToken)
    {
        await writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        SqliteConnection? connection = null;
        try
        {
            connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            var transaction = connection.BeginTransaction(deferred: false);
            return new SqliteWriteSession(connection, transaction, writeGate);
        }
        catch
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            writeGate.Release();
            throw;
        }
    }

    public async Task<IReadOnlyDictionary<TargetId, Target>> LockAsync(IReadOnlyCollection<TargetId> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ObjectDisposedException.ThrowIf(_ended, this);
        if (ids.Count == 0)
        {
            return new Dictionary<TargetId, Target>();
        }

        // One JSON array parameter holds any number of ids (a parameter list would hit SQLite's variable limit).
        var rows = await _connection.QueryAsync<TargetRow>(new CommandDefinition(
            $"SELECT {TargetRow.Columns} FROM targets t WHERE t.id IN (SELECT value FROM json_each(@Ids))",
            new { Ids = JsonSerializer.Serialize(ids.Select(Stored.Id)) },
            _transaction,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        var found = new Dictionary<TargetId, Target>();
        foreach (var row in rows)
        {
            var target = row.ToTarget();
            found[target.Id] = target;
            _locked[target.Id] = target;
        }

        return found;
    }

    public async Task SaveAsync(ChangeSet changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ObjectDisposedException.ThrowIf(_ended, this);

        if (changes.Inserts.Count > 0)
        {
            await ExpectRowsAsync(InsertTarget, changes.Inserts.Select(t => TargetParameters.From(t, 0)), changes.Inserts.Count, "exists already", cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(InsertMarket, changes.Inserts.SelectMany(MarketParameters.From), cancellationToken).ConfigureAwait(false);
        }

        if (changes.Updates.Count > 0)
        {
            await ExpectRowsAsync(UpdateTarget, changes.Updates.Select(u => TargetParameters.From(u.Target, u.ExpectedVersion)), changes.Updates.Count, "is not at the expected version", cancellationToken).ConfigureAwait(false);

            // A status change leaves the markets alone: rewrite the side table only for targets whose markets changed.
            var remarketed = changes.Updates.Select(u => u.Target).Where(t => !SameMarkets(t)).ToList();
            if (remarketed.Count > 0)
            {
                await ExecuteAsync(DeleteMarkets, remarketed.Select(t => new { Id = Stored.Id(t.Id) }), cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(InsertMarket, remarketed.SelectMany(MarketParameters.From), cancellationToken).ConfigureAwait(false);
            }
        }

        if (changes.Deletes.Count > 0)
        {
            // target_markets rows go with their target (ON DELETE CASCADE).
            await ExpectRowsAsync(DeleteTarget, changes.Deletes.Select(d => new { Id = Stored.Id(d.Id), d.ExpectedVersion }), changes.Deletes.Count, "is not at the expected version", cancellationToken).ConfigureAwait(false);
        }

        if (changes.PurgeHistory.Count > 0)
        {
            // The history triggers allow a DELETE only while the permit row exists, and it exists only inside this transaction.
            await ExecuteAsync("INSERT INTO history_purge_permit (id) VALUES (1)", null, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(PurgeHistory, changes.PurgeHistory.Select(id => new { Id = Stored.Id(id) }), cancellationToken).ConfigureAwait(false);
            await ExecuteAsync("DELETE FROM history_purge_permit", null, cancellationToken).ConfigureAwait(false);
        }

        if (changes.History.Count > 0)
        {
            await ExecuteAsync(InsertHistory, changes.History.Select(HistoryParameters.From), cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        await _transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        try
        {
            // Rolls back unless committed.
            await _transaction.DisposeAsync().ConfigureAwait(false);
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private bool SameMarkets(Target target) =>
        _locked.TryGetValue(target.Id, out var before) && before.Markets.SequenceEqual(target.Markets, StringComparer.Ordinal);

    private async Task ExpectRowsAsync(string sql, IEnumerable<object> rows, int expected, string problem, CancellationToken cancellationToken)
    {
        var affected = await ExecuteAsync(sql, rows, cancellationToken).ConfigureAwait(false);
        if (affected != expected)
        {
            throw new ConcurrentWriteException($"{expected - affected} of {expected} targets written by this unit of work {problem}; it is re-run against the current rows.");
        }
    }

    private Task<int> ExecuteAsync(string sql, object? parameters, CancellationToken cancellationToken) =>
        _connection.ExecuteAsync(new CommandDefinition(sql, parameters, _transaction, cancellationToken: cancellationToken));

    private sealed record TargetParameters(
        string Id, string Name, string NameNorm, string? Description, string Markets, string? Status,
        long Version, long CreatedAt, long UpdatedAt, long? StatusChangedAt, long ExpectedVersion)
    {
        public static TargetParameters From(Target t, long expectedVersion) => new(
            Stored.Id(t.Id), t.Name, TextSearch.Normalize(t.Name), t.Description, Stored.Markets(t.Markets), t.Status,
            t.Version, Stored.Time(t.CreatedAt), Stored.Time(t.UpdatedAt), Stored.Time(t.StatusChangedAt), expectedVersion);
    }

    private sealed record MarketParameters(string TargetId, string MarketNorm)
    {
        public static IEnumerable<MarketParameters> From(Target t)
        {
            var id = Stored.Id(t.Id);
            return t.Markets.Select(m => new MarketParameters(id, TextSearch.Normalize(m)));
        }
    }

    private sealed record HistoryParameters(
        string Id, string TargetId, string Action, string? OldStatus, string? NewStatus, long Version, long OccurredAt,
        string? ActorId, string? ActorName, string CorrelationId, string? OperationId, string? ClientAddress, string? UserAgent)
    {
        public static HistoryParameters From(HistoryEntry e) => new(
            Stored.Id(e.Id), Stored.Id(e.TargetId), e.Action.ToString(), e.OldStatus, e.NewStatus, e.Version, Stored.Time(e.OccurredAt),
            e.ActorId, e.ActorName, e.CorrelationId, e.OperationId, e.ClientAddress, e.UserAgent);
    }
}
