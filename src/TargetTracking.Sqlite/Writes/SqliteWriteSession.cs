using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;

namespace TargetTracking.Sqlite;

/// <summary>
/// One unit of work: one connection and one <c>BEGIN IMMEDIATE</c> transaction, which takes SQLite's write lock up
/// front, so writers serialize and none can change a row between <see cref="LockAsync"/> and the commit (what
/// <c>SELECT … FOR UPDATE</c> gives in PostgreSQL). Each kind of write is one prepared statement run per row
/// inside the transaction (<see cref="PreparedBatch{T}"/>), with the affected-row count checked against the rows given.
/// </summary>
internal sealed partial class SqliteWriteSession : ITargetWriteSession
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

    private static readonly BatchParameter<TargetWrite>[] TargetParameters =
    [
        new("@Id", w => Stored.Id(w.Target.Id)),
        new("@Name", w => w.Target.Name),
        new("@NameNorm", w => TextSearch.Normalize(w.Target.Name)),
        new("@Description", w => w.Target.Description),
        new("@Markets", w => Stored.Markets(w.Target.Markets)),
        new("@Status", w => w.Target.Status),
        new("@Version", w => w.Target.Version),
        new("@CreatedAt", w => Stored.Time(w.Target.CreatedAt)),
        new("@UpdatedAt", w => Stored.Time(w.Target.UpdatedAt)),
        new("@StatusChangedAt", w => Stored.Time(w.Target.StatusChangedAt)),
        new("@ExpectedVersion", w => w.ExpectedVersion),
    ];

    private static readonly BatchParameter<TargetDelete>[] DeleteParameters =
    [
        new("@Id", d => Stored.Id(d.Id)),
        new("@ExpectedVersion", d => d.ExpectedVersion),
    ];

    private static readonly BatchParameter<TargetId>[] IdParameter = [new("@Id", id => Stored.Id(id))];

    private static readonly BatchParameter<(string TargetId, string MarketNorm)>[] MarketParameters =
    [
        new("@TargetId", m => m.TargetId),
        new("@MarketNorm", m => m.MarketNorm),
    ];

    private static readonly BatchParameter<HistoryEntry>[] HistoryParameters =
    [
        new("@Id", e => Stored.Id(e.Id)),
        new("@TargetId", e => Stored.Id(e.TargetId)),
        new("@Action", e => e.Action.ToString()),
        new("@OldStatus", e => e.OldStatus),
        new("@NewStatus", e => e.NewStatus),
        new("@Version", e => e.Version),
        new("@OccurredAt", e => Stored.Time(e.OccurredAt)),
        new("@ActorId", e => e.ActorId),
        new("@ActorName", e => e.ActorName),
        new("@CorrelationId", e => e.CorrelationId),
        new("@OperationId", e => e.OperationId),
        new("@ClientAddress", e => e.ClientAddress),
        new("@UserAgent", e => e.UserAgent),
    ];

    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly SemaphoreSlim _writeGate;

    // The rows as this session last read or wrote them.
    private readonly Dictionary<TargetId, Target> _known = [];
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
            _known[target.Id] = target;
        }

        return found;
    }

    public async Task SaveAsync(ChangeSet changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ObjectDisposedException.ThrowIf(_ended, this);

        if (changes.Inserts.Count > 0)
        {
            var inserted = await ExecuteAsync(InsertTarget, TargetParameters, changes.Inserts.Select(t => new TargetWrite(t, 0)), cancellationToken).ConfigureAwait(false);
            ThrowUnlessAll(inserted, changes.Inserts.Count, "exist already");
            await ExecuteAsync(InsertMarket, MarketParameters, changes.Inserts.SelectMany(Markets), cancellationToken).ConfigureAwait(false);
        }

        if (changes.Updates.Count > 0)
        {
            var updated = await ExecuteAsync(UpdateTarget, TargetParameters, changes.Updates, cancellationToken).ConfigureAwait(false);
            ThrowUnlessAll(updated, changes.Updates.Count, "are not at the expected version");

            // A status change leaves the markets alone: rewrite the side table only for targets whose markets changed.
            var remarketed = changes.Updates.Select(u => u.Target).Where(t => !SameMarkets(t)).ToList();
            if (remarketed.Count > 0)
            {
                await ExecuteAsync(DeleteMarkets, IdParameter, remarketed.Select(t => t.Id), cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(InsertMarket, MarketParameters, remarketed.SelectMany(Markets), cancellationToken).ConfigureAwait(false);
            }
        }

        if (changes.Deletes.Count > 0)
        {
            // target_markets rows go with their target (ON DELETE CASCADE).
            var deleted = await ExecuteAsync(DeleteTarget, DeleteParameters, changes.Deletes, cancellationToken).ConfigureAwait(false);
            ThrowUnlessAll(deleted, changes.Deletes.Count, "are not at the expected version");
        }

        if (changes.PurgeHistory.Count > 0)
        {
            // The history triggers allow a DELETE only while the permit row exists, and it exists only inside this transaction.
            await _connection.ExecuteAsync(new CommandDefinition("INSERT INTO history_purge_permit (id) VALUES (1)", transaction: _transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await ExecuteAsync(PurgeHistory, IdParameter, changes.PurgeHistory, cancellationToken).ConfigureAwait(false);
            await _connection.ExecuteAsync(new CommandDefinition("DELETE FROM history_purge_permit", transaction: _transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        if (changes.History.Count > 0)
        {
            await ExecuteAsync(InsertHistory, HistoryParameters, changes.History, cancellationToken).ConfigureAwait(false);
        }

        // A later save in the same session compares markets with what is now in the rows.
        foreach (var target in changes.Inserts.Concat(changes.Updates.Select(u => u.Target)))
        {
            _known[target.Id] = target;
        }

        foreach (var delete in changes.Deletes)
        {
            _known.Remove(delete.Id);
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

    private static void ThrowUnlessAll(int affected, int expected, string problem)
    {
        if (affected != expected)
        {
            throw new ConcurrentWriteException($"{expected - affected} of {expected} targets written by this unit of work {problem}; it is re-run against the current rows.");
        }
    }

    private static IEnumerable<(string TargetId, string MarketNorm)> Markets(Target target)
    {
        var id = Stored.Id(target.Id);
        return target.Markets.Select(m => (id, TextSearch.Normalize(m)));
    }

    private bool SameMarkets(Target target) =>
        _known.TryGetValue(target.Id, out var before) && before.Markets.SequenceEqual(target.Markets, StringComparer.Ordinal);

    private Task<int> ExecuteAsync<T>(string sql, BatchParameter<T>[] parameters, IEnumerable<T> rows, CancellationToken cancellationToken) =>
        PreparedBatch<T>.ExecuteAsync(_connection, _transaction, sql, parameters, rows, cancellationToken);
}
