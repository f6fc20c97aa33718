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

    // Every transaction sets its tenant for the row-level security policies with its first command (TenantSetting).
    public override void OnConnect(DataConnection db, string tenant) => TenantSetting.Attach(db, tenant);

    // LISTEN needs a session of its own, which a transaction-mode pooler does not keep: given a direct connection string,
    // the listener connects there; the feed's reads still go through the store's connections.
    public override IFeedListener? Listen(Func<DataConnection> connect) =>
        new PostgreSqlFeedListener(listenConnectionString is null ? connect : () => new DataConnection(new DataOptions().UseConnectionString(PostgreSqlDialect.DataProvider, listenConnectionString)), schema);
}
