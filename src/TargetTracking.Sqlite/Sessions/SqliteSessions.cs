using System.Data.Common;
using LinqToDB.Data;
using LinqToDB.Interceptors;
using Microsoft.Data.Sqlite;
using TargetTracking.Linq2Db;

namespace TargetTracking.Sqlite;

/// <summary>
/// SQLite's sessions: <c>BEGIN IMMEDIATE</c> write transactions (SQLite's write lock is the row lock) queued by a gate of
/// this store, deferred read transactions (WAL gives each its snapshot), and the database's lifetime: WAL mode for a
/// file, a connection that keeps a named in-memory database alive while the store lives, idle connections released at the end.
/// </summary>
internal sealed class SqliteSessions : DialectSessions
{
    private DataConnection? _keepAlive;
    private string? _connectionString;

    public override async Task StartAsync(Func<DataConnection> connect, CancellationToken cancellationToken)
    {
        var db = connect();
        try
        {
            var connection = await db.OpenDbConnectionAsync(cancellationToken).ConfigureAwait(false);
            _connectionString = connection.ConnectionString;
            if (SqliteDatabase.IsMemory(_connectionString))
            {
                // A memory database lives only while a connection to it is open.
                _keepAlive = db;
                db = null;
                return;
            }

            // Persistent in the file; readers then never wait for the writer.
            await db.ExecuteAsync("PRAGMA journal_mode = WAL", cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            db?.Dispose();
        }
    }

    public override void Stop()
    {
        if (_connectionString is not null)
        {
            using var pooled = new SqliteConnection(_connectionString);

            // Idle pooled connections would keep the file open, or a memory database alive.
            SqliteConnection.ClearPool(pooled);
        }

        _keepAlive?.Dispose();
        _keepAlive = null;
    }

    // SQLite's write lock admits one writer; the gate also serializes them in a shared-cache in-memory database, where table locks fail at once.
    protected override bool OneWriterAtATime => true;

    // BEGIN IMMEDIATE: SQLite's write lock for the whole unit of work, so no other writer changes a row between lock and commit.
    public override Task BeginWriteAsync(DataConnection db, CancellationToken cancellationToken) => db.BeginTransactionAsync(cancellationToken);

    // A deferred transaction: its first read fixes the snapshot (WAL) without taking the write lock.
    public override Task BeginSnapshotReadAsync(DataConnection db, CancellationToken cancellationToken) =>
        db.BeginTransactionAsync(System.Data.IsolationLevel.ReadUncommitted, cancellationToken);

    /// <remarks>
    /// A file database in WAL mode gives the read transaction one snapshot without holding writers off. A shared-cache
    /// database (a named in-memory one) lets a reader see other connections' uncommitted rows, so the read also takes
    /// this store's writer gate: its writers wait (they do not fail) until the read ends.
    /// </remarks>
    public override async Task<IDisposable?> BeginConsistentReadAsync(DataConnection db, CancellationToken cancellationToken)
    {
        var connection = await db.OpenDbConnectionAsync(cancellationToken).ConfigureAwait(false);
        var turn = SqliteDatabase.SharesCache(connection.ConnectionString) ? await EnterWriterAsync(cancellationToken).ConfigureAwait(false) : null;
        try
        {
            await BeginSnapshotReadAsync(db, cancellationToken).ConfigureAwait(false);
            return turn;
        }
        catch
        {
            turn?.Dispose();
            throw;
        }
    }

    // The write transaction holds the database's write lock already.
    public override IQueryable<T> ForUpdate<T>(IQueryable<T> query) => query;
}

/// <summary>Sets the per-connection PRAGMAs on every connection linq2db opens for the store.</summary>
internal sealed class SqliteConnectionSettings(SqliteDatabase database) : ConnectionInterceptor
{
    public override void ConnectionOpened(ConnectionEventData eventData, DbConnection connection) => database.Configure((SqliteConnection)connection);

    public override Task ConnectionOpenedAsync(ConnectionEventData eventData, DbConnection connection, CancellationToken cancellationToken) =>
        database.ConfigureAsync((SqliteConnection)connection, cancellationToken);
}
