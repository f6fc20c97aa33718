using System.Data;
using LinqToDB.Data;
using LinqToDB.DataProvider.MySql;
using TargetTracking.Linq2Db;

namespace TargetTracking.MySql;

/// <summary>MariaDB's sessions: <c>SELECT … FOR UPDATE</c> row locks in <c>READ COMMITTED</c> write transactions, <c>REPEATABLE READ</c> snapshots.</summary>
internal sealed class MySqlSessions : DialectSessions
{
    // READ COMMITTED: a locking read takes record locks only, no gap locks, so writers on other targets (and inserts) never wait.
    public override Task BeginWriteAsync(DataConnection db, CancellationToken cancellationToken) =>
        db.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);

    // REPEATABLE READ: InnoDB's first read fixes a consistent snapshot for the rest of the transaction.
    public override Task BeginSnapshotReadAsync(DataConnection db, CancellationToken cancellationToken) =>
        db.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);

    public override IQueryable<T> ForUpdate<T>(IQueryable<T> query) => query.AsMySql().ForUpdateHint();
}
