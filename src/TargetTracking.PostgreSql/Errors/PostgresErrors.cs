using Npgsql;
using TargetTracking.Linq2Db;

namespace TargetTracking.PostgreSql;

/// <summary>
/// The one place where PostgreSQL and Npgsql failures are classified and translated to the library's terms:
/// which failures are worth re-running the unit of work for, and which mean a row was not in the state the
/// unit of work expected.
/// </summary>
internal sealed class PostgresErrors : DialectErrors
{
    private const string UniqueViolation = "23505";

    /// <summary>
    /// What Npgsql's multi-host data source throws when every host answered but none has the role asked for
    /// (<c>Target Session Attributes=primary</c> while Patroni elects a new primary). Npgsql gives it no code or inner
    /// exception, and does not call it transient; its message is a literal in Npgsql, not a translated resource.
    /// </summary>
    private const string NoSuitableHost = "No suitable host was found.";

    protected override bool? Classify(Exception exception) =>
        exception switch
        {
            PostgresException pg => IsTransientState(pg.SqlState) || pg.IsTransient,
            NpgsqlException { IsTransient: true } => true,
            NpgsqlException { InnerException: null, Message: NoSuitableHost } => true,
            _ => null,
        };

    /// <summary>
    /// Translates a failure of the write path: a key that exists already on a target insert means another
    /// writer got there first; the core re-runs the unit of work against the fresh state.
    /// </summary>
    /// <returns>The exception to throw instead, or <see langword="null"/> to let the failure through unchanged.</returns>
    public override Exception? Translate(Exception exception) =>
        exception is PostgresException { SqlState: UniqueViolation, ConstraintName: "targets_pkey" } pg
            ? new ConcurrentWriteException($"A target to insert exists already ({pg.Detail ?? pg.MessageText}).", pg)
            : null;

    private static bool IsTransientState(string sqlState) =>
        sqlState switch
        {
            "40001" => true, // serialization_failure
            "40P01" => true, // deadlock_detected
            "57P01" => true, // admin_shutdown (pg_terminate_backend, server stop)
            "57P02" => true, // crash_shutdown
            "57P03" => true, // cannot_connect_now (starting up, recovery)
            "53300" => true, // too_many_connections
            "25006" => true, // read_only_sql_transaction: a failover or switchover turned the server into a standby
            _ => sqlState.StartsWith("08", StringComparison.Ordinal), // connection_exception class
        };
}
