using System.Data;
using LinqToDB;
using LinqToDB.Data;
using LinqToDB.DataProvider.PostgreSQL;
using TargetTracking.Linq2Db;

namespace TargetTracking.PostgreSql;

/// <summary>PostgreSQL's sessions: <c>SELECT … FOR UPDATE</c> row locks in <c>READ COMMITTED</c> write transactions, <c>REPEATABLE READ</c> snapshots, and <c>LISTEN</c> for the change feed.</summary>
/// <param name="schema">The schema whose commits are listened for.</param>
/// <param name="listenConnectionString">Where <c>LISTEN</c> connects, direct to the server (<see cref="PostgreSqlStoreOptions.ListenConnectionString"/>); <see langword="null"/>: the store's own connections.</param>
internal sealed class PostgreSqlSessions(string schema, string? listenConnectionString) : DialectSessions
{
    // A standby replays a commit within milliseconds when it keeps up: poll that often, not a whole wait.
    private static readonly TimeSpan ReplayPoll = TimeSpan.FromMilliseconds(5);

    // Npgsql sends BEGIN with the session's first statement: no round trip of its own.
    public override async Task BeginWriteAsync(DataConnection db, CancellationToken cancellationToken)
    {
        await db.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
        TenantSetting.Begun(db);
    }

    public override async Task BeginSnapshotReadAsync(DataConnection db, CancellationToken cancellationToken)
    {
        await db.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        TenantSetting.Begun(db);
    }

    public override IQueryable<T> ForUpdate<T>(IQueryable<T> query) => query.AsPostgreSQL().ForUpdateHint();

    // The primary's WAL write position bounds every commit it acknowledged (synchronous_commit on or remote_*); the
    // standby has replayed them all once its replay position reaches it. Asked outside a transaction, so the read's
    // snapshot is taken after. On a primary (no standby answered) pg_last_wal_replay_lsn() is NULL: nothing to wait for.
    public override async Task<bool> StandbyCaughtUpAsync(DataConnection primary, DataConnection standby, TimeSpan wait, CancellationToken cancellationToken)
    {
        var target = await primary.ExecuteAsync<string>("SELECT pg_current_wal_lsn()::text", cancellationToken).ConfigureAwait(false);
        var started = Environment.TickCount64;
        while (true)
        {
            var replayed = await standby.ExecuteAsync<bool?>(
                "SELECT pg_last_wal_replay_lsn() >= CAST(@lsn AS pg_lsn)", cancellationToken, new DataParameter("lsn", target, DataType.Text)).ConfigureAwait(false);
            if (replayed != false)
            {
                return true;
            }

            if (Environment.TickCount64 - started >= wait.TotalMilliseconds)
            {
                return false;
            }

            await Task.Delay(ReplayPoll, cancellationToken).ConfigureAwait(false);
        }
    }

    // Every transaction sets its tenant for the row-level security policies with its first command (TenantSetting).
    public override void OnConnect(DataConnection db, string tenant) => TenantSetting.Attach(db, tenant);

    // LISTEN needs a session of its own, which a transaction-mode pooler does not keep: given a direct connection string,
    // the listener connects there; the feed's reads still go through the store's connections.
    public override IFeedListener? Listen(Func<DataConnection> connect) =>
        new PostgreSqlFeedListener(listenConnectionString is null ? connect : () => new DataConnection(new DataOptions().UseConnectionString(PostgreSqlDialect.DataProvider, listenConnectionString)), schema);
}
