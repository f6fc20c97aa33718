using System.Net.Sockets;
using Npgsql;

namespace TargetTracking.PostgreSql.Tests;

public sealed class PostgresErrorsTests
{
    private static PostgresException Postgres(string sqlState, string? constraint = null) =>
        new("message", "ERROR", "ERROR", sqlState, constraintName: constraint);

    [Theory]
    [InlineData("40001")] // serialization_failure
    [InlineData("40P01")] // deadlock_detected
    [InlineData("57P01")] // admin_shutdown: what pg_terminate_backend raises
    [InlineData("57P02")] // crash_shutdown
    [InlineData("57P03")] // cannot_connect_now
    [InlineData("08006")] // connection_failure
    [InlineData("08003")] // connection_does_not_exist
    [InlineData("53300")] // too_many_connections
    [InlineData("25006")] // read_only_sql_transaction: a write reached a primary that a switchover turned into a standby
    public void IsTransient_ForRetryableServerErrors_IsTrue(string sqlState) =>
        Assert.True(new PostgresErrors().IsTransient(Postgres(sqlState)));

    [Theory]
    [InlineData("23505")] // unique_violation
    [InlineData("23503")] // foreign_key_violation
    [InlineData("23514")] // check_violation
    [InlineData("42P01")] // undefined_table
    [InlineData("42601")] // syntax_error
    [InlineData("23001")] // restrict_violation: the append-only trigger
    public void IsTransient_ForConstraintAndProgrammingErrors_IsFalse(string sqlState) =>
        Assert.False(new PostgresErrors().IsTransient(Postgres(sqlState)));

    [Fact]
    public void IsTransient_WhenNoHostIsPrimaryDuringAnElection_IsTrue()
    {
        // Npgsql's multi-host data source reached every host and found no primary: Patroni is electing one.
        Assert.True(new PostgresErrors().IsTransient(new NpgsqlException("No suitable host was found.")));
        Assert.True(new PostgresErrors().IsTransient(new NpgsqlException(
            "Unable to connect to a suitable host. Check inner exception for more details.",
            new AggregateException(new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused))))));
    }

    [Fact]
    public void IsTransient_ForLostConnections_IsTrue()
    {
        Assert.True(new PostgresErrors().IsTransient(new NpgsqlException("Exception while reading from stream", new IOException("reset"))));
        Assert.True(new PostgresErrors().IsTransient(new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused))));
        Assert.True(new PostgresErrors().IsTransient(new IOException("broken pipe")));
        Assert.True(new PostgresErrors().IsTransient(new InvalidOperationException("wrapped", Postgres("40P01"))));
    }

    [Fact]
    public void IsTransient_ForCancellationAndBugs_IsFalse()
    {
        Assert.False(new PostgresErrors().IsTransient(new OperationCanceledException("cancelled", Postgres("57014"))));
        Assert.False(new PostgresErrors().IsTransient(new InvalidOperationException("bug")));
        Assert.False(new PostgresErrors().IsTransient(new NpgsqlException("not transient")));
    }

    [Fact]
    public void Translate_UniqueViolationOnTargetKey_IsConcurrentWrite_OtherErrorsPassThrough()
    {
        var conflict = new PostgresErrors().Translate(Postgres("23505", "targets_pkey"));
        Assert.IsType<ConcurrentWriteException>(conflict);
        Assert.Null(new PostgresErrors().Translate(Postgres("23505", "target_history_pkey")));
        Assert.Null(new PostgresErrors().Translate(Postgres("23514", "targets_version_check")));
        Assert.Null(new PostgresErrors().Translate(new IOException("lost")));
    }

    [Fact]
    public void Repository_IsTransient_UsesTheSameClassification()
    {
        using var dataSource = NpgsqlDataSource.Create("Host=127.0.0.1;Username=nobody");
        var repository = PostgreSqlDialect.CreateStore(dataSource);
        Assert.True(repository.IsTransient(Postgres("40001")));
        Assert.False(repository.IsTransient(Postgres("23505", "targets_pkey")));
    }
}
