using MySqlConnector;
using TargetTracking.Linq2Db;

namespace TargetTracking.MySql;

/// <summary>
/// The one place where MariaDB, MySQL and MySqlConnector failures are classified and translated to the library's
/// terms: which failures are worth re-running the unit of work for, and which mean a row was not in the state the
/// unit of work expected.
/// </summary>
internal sealed class MySqlErrors : DialectErrors
{
    /// <summary>The key of <see cref="Exception.Data"/> under which the bulk writer names the table a failed statement wrote.</summary>
    internal const string TableKey = "TargetTracking.Table";

    /// <summary>The targets table, as the bulk writer names it in <see cref="TableKey"/>.</summary>
    internal const string TargetsTable = "targets";

    protected override bool? Classify(Exception exception) =>
        exception switch
        {
            MySqlException mysql when IsTransientCode(mysql.Number) || mysql.IsTransient || IsGaleraNotReady(mysql) => true,
            MySqlEndOfStreamException or MySqlProtocolException => true,
            _ => null,
        };

    /// <summary>
    /// Translates a failure of the write path: a key that exists already on a target insert (1062 on the targets'
    /// primary key) means another writer got there first; the core re-runs the unit of work against the fresh state.
    /// MariaDB's message does not name the table, so the bulk writer marks its target inserts (<see cref="TableKey"/>);
    /// MySQL 8 names the key <c>targets.PRIMARY</c>.
    /// </summary>
    /// <returns>The exception to throw instead, or <see langword="null"/> to let the failure through unchanged.</returns>
    public override Exception? Translate(Exception exception) =>
        exception is MySqlException { ErrorCode: MySqlErrorCode.DuplicateKeyEntry } mysql
        && (Equals(mysql.Data[TableKey], TargetsTable) || mysql.Message.Contains("'targets.PRIMARY'", StringComparison.Ordinal))
            ? new ConcurrentWriteException($"A target to insert exists already ({mysql.Message}).", mysql)
            : null;

    /// <summary>
    /// Galera's node that is not part of the primary component (it lost its peers, or is joining and receiving state)
    /// refuses every statement with 1047 (ER_UNKNOWN_COM_ERROR) "WSREP has not yet prepared node for application use";
    /// the same code means an unknown protocol command elsewhere, so only the WSREP message makes it transient.
    /// </summary>
    private static bool IsGaleraNotReady(MySqlException exception) =>
        exception.Number == 1047 && exception.Message.Contains("WSREP", StringComparison.OrdinalIgnoreCase);

    private static bool IsTransientCode(int number) =>
        number switch
        {
            1213 => true, // ER_LOCK_DEADLOCK: the transaction was rolled back (also Galera's certification failure at commit)
            1205 => true, // ER_LOCK_WAIT_TIMEOUT
            1040 => true, // ER_CON_COUNT_ERROR: too many connections
            1053 => true, // ER_SERVER_SHUTDOWN
            1927 => true, // ER_CONNECTION_KILLED (MariaDB: KILL CONNECTION, server stop)
            4031 => true, // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8: idle connection closed by the server)
            1158 or 1159 or 1160 or 1161 => true, // network read/write errors
            2002 or 2003 or 2006 or 2013 or 2055 => true, // client: cannot connect, server gone away, lost connection
            _ => false,
        };
}
