using System.Data;
using LinqToDB.Data;
using LinqToDB.DataProvider.PostgreSQL;
using TargetTracking.Linq2Db;

namespace TargetTracking.PostgreSql;

/// <summary>PostgreSQL's sessions: <c>SELECT … FOR UPDATE</c> row locks in <c>READ COMMITTED</c> write transactions, <c>REPEATABLE READ</c> snapshots, and <c>LISTEN</c> for the change feed.</summary>
/// <param name="schema">The schema whose commits are listened for.</param>
internal sealed class PostgreSqlSessions(string schema) : DialectSessions
{
    // Npgsql sends BEGIN with the session's first statement: no round trip of its own.
    public override Task BeginWriteAsync(DataConnection db, CancellationToken cancellationToken) =>
        db.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);

    public override Task BeginSnapshotReadAsync(DataConnection db, CancellationToken cancellationToken) =>
        db.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);

    public override IQueryable<T> ForUpdate<T>(IQueryable<T> query) => query.AsPostgreSQL().ForUpdateHint();

    // Every command sets the transaction's tenant for the row-level security policies (TenantSetting).
    public override void OnConnect(DataConnection db, string tenant) => db.AddInterceptor(new TenantSetting(tenant));

    public override IFeedListener? Listen(Func<DataConnection> connect) => new PostgreSqlFeedListener(connect, schema);
}
