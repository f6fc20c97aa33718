using System.Net.Sockets;
using System.Reflection;
using MySqlConnector;

namespace TargetTracking.MySql.Tests;

public sealed class MySqlErrorsTests
{
    private static readonly MySqlErrors Errors = new();

    /// <summary>MySqlConnector's exceptions have internal constructors only: the server's errors are made the way the driver makes them.</summary>
    private static MySqlException MySql(int code, string message = "message") =>
        (MySqlException)typeof(MySqlException)
            .GetConstructor(BindingFlags.Instance | BindingFlags.NonPublic, [typeof(MySqlErrorCode), typeof(string)])!
            .Invoke([(MySqlErrorCode)code, message]);

    [Theory]
    [InlineData(1213)] // ER_LOCK_DEADLOCK
    [InlineData(1205)] // ER_LOCK_WAIT_TIMEOUT
    [InlineData(1040)] // ER_CON_COUNT_ERROR
    [InlineData(1053)] // ER_SERVER_SHUTDOWN
    [InlineData(1927)] // ER_CONNECTION_KILLED: what KILL CONNECTION raises on MariaDB
    [InlineData(2006)] // CR_SERVER_GONE_ERROR
    [InlineData(2013)] // CR_SERVER_LOST
    [InlineData(4031)] // ER_CLIENT_INTERACTION_TIMEOUT
    public void IsTransient_ForRetryableErrors_IsTrue(int code) =>
        Assert.True(Errors.IsTransient(MySql(code)));

    [Theory]
    [InlineData(1062)] // ER_DUP_ENTRY
    [InlineData(1452)] // ER_NO_REFERENCED_ROW_2
    [InlineData(3819)] // ER_CHECK_CONSTRAINT_VIOLATED (MySQL) / 4025 on MariaDB
    [InlineData(4025)]
    [InlineData(1146)] // ER_NO_SUCH_TABLE
    [InlineData(1064)] // ER_PARSE_ERROR
    [InlineData(1644)] // ER_SIGNAL_EXCEPTION: the append-only triggers
    [InlineData(1701)] // ER_TRUNCATE_ILLEGAL_FK: the truncate guard
    [InlineData(1142)] // ER_TABLEACCESS_DENIED_ERROR
    public void IsTransient_ForConstraintAndProgrammingErrors_IsFalse(int code) =>
        Assert.False(Errors.IsTransient(MySql(code)));

    [Fact]
    public void IsTransient_ForGaleraNodeNotReady_IsTrue_ButNotForOtherUnknownCommands()
    {
        // A Galera node outside the primary component (lost its peers, or still joining) refuses every statement so.
        Assert.True(Errors.IsTransient(MySql(1047, "WSREP has not yet prepared node for application use")));
        Assert.False(Errors.IsTransient(MySql(1047, "Unknown command")));
    }

    [Fact]
    public void IsTransient_ForLostConnections_IsTrue()
    {
        Assert.True(Errors.IsTransient(new IOException("broken pipe")));
        Assert.True(Errors.IsTransient(new SocketException((int)SocketError.ConnectionReset)));
        Assert.True(Errors.IsTransient(new TimeoutException("read timed out")));
        Assert.True(Errors.IsTransient(new InvalidOperationException("wrapped", MySql(1213))));
    }

    [Fact]
    public void IsTransient_ForCancellationAndBugs_IsFalse()
    {
        Assert.False(Errors.IsTransient(new OperationCanceledException("cancelled", MySql(1317))));
        Assert.False(Errors.IsTransient(MySql(1317))); // ER_QUERY_INTERRUPTED alone: a KILL QUERY, not a lost connection
        Assert.False(Errors.IsTransient(new InvalidOperationException("bug")));
    }

    [Fact]
    public void Translate_DuplicateTargetKey_IsConcurrentWrite_OtherErrorsPassThrough()
    {
        // MariaDB does not name the table: the bulk writer marks its target inserts.
        var marked = MySql(1062, "Duplicate entry '\\x01' for key 'PRIMARY'");
        marked.Data[MySqlErrors.TableKey] = MySqlErrors.TargetsTable;
        Assert.IsType<ConcurrentWriteException>(Errors.Translate(marked));

        // MySQL 8 names it.
        Assert.IsType<ConcurrentWriteException>(Errors.Translate(MySql(1062, "Duplicate entry 'x' for key 'targets.PRIMARY'")));

        Assert.Null(Errors.Translate(MySql(1062, "Duplicate entry 'x' for key 'PRIMARY'")));
        Assert.Null(Errors.Translate(MySql(1062, "Duplicate entry 'x-2' for key 'ux_target_history_target_version'")));
        Assert.Null(Errors.Translate(MySql(4025, "CONSTRAINT `targets_version_check` failed")));
        Assert.Null(Errors.Translate(new IOException("lost")));
    }

    [Fact]
    public void Repository_IsTransient_UsesTheSameClassification()
    {
        using var dataSource = new MySqlDataSource("Server=127.0.0.1;User ID=nobody;Database=none");
        var repository = MySqlDialect.CreateStore(dataSource);
        Assert.True(repository.IsTransient(MySql(1213)));
        Assert.False(repository.IsTransient(MySql(1062)));
    }
}
