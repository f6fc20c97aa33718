using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using TargetTracking.Benchmarks.Infrastructure;

namespace TargetTracking.Benchmarks.PostgreSql;

/// <summary>
/// The latency of one status change with its history row, in one transaction, on PostgreSQL. Each call moves
/// the next target of a seeded random order between Cold and Active, naming the version it last wrote, so no
/// reset is needed between calls and both competitors see the same sequence.
/// </summary>
[MemoryDiagnoser]
public class PostgreSqlSingleStatusChangeBenchmarks
{
    private static readonly string UpdateSql =
        $"UPDATE {PostgreSqlBenchDatabase.Targets} SET status = $2, version = $3, updated_at = $4, status_changed_at = $4 WHERE tenant_id = 'default' AND id = $1 AND version = $5";

    private static readonly string InsertHistorySql =
        $"""
        INSERT INTO {PostgreSqlBenchDatabase.History}
            (tenant_id, id, target_id, action, old_status, new_status, version, occurred_at, actor_id, actor_name, correlation_id, operation_id, client_address, user_agent)
        VALUES ('default', $1, $2, 'StatusChanged', $3, $4, $5, $6, $7, $8, $9, NULL, $10, $11)
        """;

    private PostgreSqlBenchDatabase _database = null!;
    private ServiceProvider _services = null!;
    private TargetTracker _tracker = null!;
    private readonly AuditContext _audit = Workload.Audit();
    private int[] _order = [];
    private long[] _versions = [];
    private string?[] _statuses = [];
    private int _next;

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        _database = await PostgreSqlBenchDatabase.CreateAsync();
        var services = new ServiceCollection();
        services.AddTargetTracking().UsePostgreSql(_database.DataSource);
        _services = services.BuildServiceProvider();
        _tracker = _services.GetRequiredService<TargetTracker>();
        _order = Workload.SampleIndexes(Workload.TableSize, 7);
        _versions = [.. Enumerable.Repeat(1L, Workload.TableSize)];
        _statuses = [.. Enumerable.Repeat<string?>(Workload.FromStatus, Workload.TableSize)];
    }

    [GlobalCleanup]
    public async Task GlobalCleanupAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "Hand-written UPDATE … WHERE version + INSERT")]
    public async Task<long> HandWritten()
    {
        var (index, id, version, status, next) = Next();
        var now = Workload.UtcNow();
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        // Both statements in one round trip; the update's row count decides whether to commit.
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(UpdateSql)
                {
                    Parameters =
                    {
                        new NpgsqlParameter<Guid> { TypedValue = id.Value },
                        new NpgsqlParameter<string?> { TypedValue = next, NpgsqlDbType = NpgsqlDbType.Text },
                        new NpgsqlParameter<long> { TypedValue = version + 1 },
                        new NpgsqlParameter<DateTime> { TypedValue = now },
                        new NpgsqlParameter<long> { TypedValue = version },
                    },
                },
                new NpgsqlBatchCommand(InsertHistorySql)
                {
                    Parameters =
                    {
                        new NpgsqlParameter<Guid> { TypedValue = Guid.CreateVersion7() },
                        new NpgsqlParameter<Guid> { TypedValue = id.Value },
                        new NpgsqlParameter<string?> { TypedValue = status, NpgsqlDbType = NpgsqlDbType.Text },
                        new NpgsqlParameter<string?> { TypedValue = next, NpgsqlDbType = NpgsqlDbType.Text },
                        new NpgsqlParameter<long> { TypedValue = version + 1 },
                        new NpgsqlParameter<DateTime> { TypedValue = now },
                        new NpgsqlParameter<string?> { TypedValue = _audit.ActorId, NpgsqlDbType = NpgsqlDbType.Text },
                        new NpgsqlParameter<string?> { TypedValue = _audit.ActorName, NpgsqlDbType = NpgsqlDbType.Text },
                        new NpgsqlParameter<string?> { TypedValue = _audit.CorrelationId, NpgsqlDbType = NpgsqlDbType.Text },
                        new NpgsqlParameter<string?> { TypedValue = _audit.ClientAddress, NpgsqlDbType = NpgsqlDbType.Text },
                        new NpgsqlParameter<string?> { TypedValue = _audit.UserAgent, NpgsqlDbType = NpgsqlDbType.Text },
                    },
                },
            },
        };
        await batch.ExecuteNonQueryAsync();
        if (batch.BatchCommands[0].RecordsAffected != 1)
        {
            await transaction.RollbackAsync();
            throw new InvalidOperationException($"Target {id} changed concurrently.");
        }

        await transaction.CommitAsync();
        return Advance(index, next);
    }

    [Benchmark(Description = "TargetTracking ChangeStatusAsync")]
    public async Task<long> TargetTracking()
    {
        var (index, id, version, _, next) = Next();
        var result = await _tracker.ChangeStatusAsync(id, version, next, _audit);
        return result.IsSuccess ? Advance(index, next) : throw new InvalidOperationException($"Target {id}: {result.Error}");
    }

    private (int Index, TargetId Id, long Version, string? Status, string Next) Next()
    {
        var index = _order[_next++ % _order.Length];
        var status = _statuses[index];
        if (!Workload.IsAllowed(status, status == Workload.FromStatus ? Workload.ToStatus : Workload.FromStatus))
        {
            throw new InvalidOperationException("Unexpected status.");
        }

        return (index, _database.Workload.Ids[index], _versions[index], status, status == Workload.FromStatus ? Workload.ToStatus : Workload.FromStatus);
    }

    private long Advance(int index, string status)
    {
        _statuses[index] = status;
        return ++_versions[index];
    }
}
