using LinqToDB.Data;

namespace TargetTracking.Linq2Db;

/// <summary>A dialect's sessions role: the transactions and locks of reads and writes, and what the store does when it starts and ends.</summary>
internal abstract class DialectSessions
{
    /// <summary>
    /// Prepares the database once, before the migrations, when the store starts (SQLite: WAL mode for a file, a connection that
    /// keeps an in-memory database alive). Nothing by default.
    /// </summary>
    /// <param name="connect">Opens a connection of the store.</param>
    /// <param name="cancellationToken">Cancels the preparation.</param>
    /// <returns>A task that completes when the database is prepared.</returns>
    public virtual Task StartAsync(Func<DataConnection> connect, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Releases what <see cref="StartAsync"/> holds when the store is disposed (SQLite: idle pooled connections). Must not throw.</summary>
    public virtual void Stop()
    {
    }

    // One gate per store, used where the database admits one writer at a time.
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    /// <summary>
    /// Gets a value indicating whether the database admits one writer at a time (SQLite), so this store's writers queue on a
    /// gate of its own, without blocking threads, instead of in the database's busy wait (which sleeps on the calling
    /// thread, or fails at once on a shared-cache in-memory database). Other processes are held off by the database.
    /// </summary>
    protected virtual bool OneWriterAtATime => false;

    /// <summary>Waits for this process's turn to write where the database admits one writer at a time; <see langword="null"/> where row locks suffice.</summary>
    public async Task<IDisposable?> EnterWriterAsync(CancellationToken cancellationToken)
    {
        if (!OneWriterAtATime)
        {
            return null;
        }

        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Turn(_writeGate);
    }

    /// <summary>
    /// Prepares a new connection of the store in a tenant, before its first command: PostgreSQL makes every command set the
    /// transaction's tenant for its row-level security policies. Nothing by default (the keys and the store's filters keep
    /// tenants apart; SQLite and MariaDB have no row-level security).
    /// </summary>
    /// <param name="db">The new connection.</param>
    /// <param name="tenant">Its tenant, valid (<see cref="TenantIds.IsValid"/>).</param>
    public virtual void OnConnect(DataConnection db, string tenant)
    {
    }

    /// <summary>Begins the transaction of a write session: one that keeps other writers off the rows it locks.</summary>
    public abstract Task BeginWriteAsync(DataConnection db, CancellationToken cancellationToken);

    /// <summary>Begins a read-only transaction in which several reads see one snapshot.</summary>
    public abstract Task BeginSnapshotReadAsync(DataConnection db, CancellationToken cancellationToken);

    /// <summary>
    /// Begins a read-only transaction over one consistent snapshot that may last long (the integrity check, reports, the
    /// feed), and returns what to dispose once it has ended. By default <see cref="BeginSnapshotReadAsync"/>, and nothing
    /// to dispose; a database whose readers can see other connections' uncommitted rows (SQLite's shared cache) also holds
    /// this store's writers off until it ends.
    /// </summary>
    public virtual async Task<IDisposable?> BeginConsistentReadAsync(DataConnection db, CancellationToken cancellationToken)
    {
        await BeginSnapshotReadAsync(db, cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>Adds the row lock to a query inside a write session (<c>FOR UPDATE</c>); identity where the transaction locks already.</summary>
    public abstract IQueryable<T> ForUpdate<T>(IQueryable<T> query)
        where T : class;

    /// <summary>
    /// Starts listening for commits, where the database can notify (PostgreSQL <c>LISTEN</c>); <see langword="null"/>
    /// (the default) where the change feed polls.
    /// </summary>
    /// <param name="connect">Opens a connection of the store.</param>
    /// <returns>The listener, or <see langword="null"/>.</returns>
    public virtual IFeedListener? Listen(Func<DataConnection> connect) => null;

    /// <summary>
    /// Waits until the server behind <paramref name="standby"/> has replayed everything the primary behind
    /// <paramref name="primary"/> had committed when asked, for at most <paramref name="wait"/>; a standby connection that
    /// reached the primary itself has nothing to wait for. Only dialects that route reads to standbys implement it.
    /// </summary>
    /// <returns>Whether the standby caught up in time.</returns>
    public virtual Task<bool> StandbyCaughtUpAsync(DataConnection primary, DataConnection standby, TimeSpan wait, CancellationToken cancellationToken) =>
        throw new NotSupportedException("This database has no standby reads.");

    private sealed class Turn(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
