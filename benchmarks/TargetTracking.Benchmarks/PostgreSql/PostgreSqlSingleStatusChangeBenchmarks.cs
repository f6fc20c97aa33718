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

    // The floor of what TargetTracking does for one change, written by hand: one statement, committing itself, that
    // locks the row only if its version and status still allow the move, updates it, appends the entry, closes the open
    // stay and opens the next (the rows the store writes; the history's trigger takes the feed's clock for both).
    private static readonly string GuardedSql =
        $"""
        WITH found AS (
            SELECT t.id, t.status AS old_status FROM {PostgreSqlBenchDatabase.Targets} AS t
            WHERE t.tenant_id = 'default' AND t.id = $1 AND t.version = $5 AND t.status IS NOT DISTINCT FROM $3
            FOR UPDATE
        ), changed AS (
            UPDATE {PostgreSqlBenchDatabase.Targets} AS t SET status = $2, version = $5 + 1, updated_at = $4, status_changed_at = $4
            FROM found AS f WHERE t.tenant_id = 'default' AND t.id = f.id
        ), entry AS (
            INSERT INTO {PostgreSqlBenchDatabase.History}
                (tenant_id, id, target_id, action, old_status, new_status, version, occurred_at, actor_id, actor_name, correlation_id, operation_id, client_address, user_agent)
            SELECT 'default', $6, f.id, 'StatusChanged', f.old_status, $2, $5 + 1, $4, $7, $8, $9, NULL, $10, $11 FROM found AS f
        ), closed AS (
            UPDATE {PostgreSqlBenchDatabase.Stays} AS s SET exited_us = $12, next_status = $2, ended_by_delete = 0
            FROM found AS f WHERE s.tenant_id = 'default' AND s.target_id = f.id AND s.exited_us IS NULL
        ), opened AS (
            INSERT INTO {PostgreSqlBenchDatabase.Stays} (tenant_id, target_id, version, status, entered_us, exited_us, next_status, ended_by_delete)
            SELECT 'default', f.id, $5 + 1, $2, $12, NULL, NULL, 0 FROM found AS f
        )
        SELECT count(*) FROM found
        """;

    private PostgreSqlBenchDatabase _database = null!;
    private ServiceProvider _services = null!;
    private TargetTracker _tracker = null!;
    private ServiceProvider _tenantServices = null!;
    private TargetTracker _tenantTracker = null!;
    private readonly AuditContext _audit = Workload.Audit();
    private int[] _order = [];
    private long[] _versions = [];
    private string?[] _statuses = [];
    private int _next;

    /// <summary>
    /// Gets or sets whether every competitor's connections prepare what they run often (Npgsql's <c>Max Auto Prepare=20</c>,
    /// which a host sets in its connection string when no transaction-mode pooler older than PgBouncer 1.21 is in between):
    /// the server then no longer parses and plans each statement.
    /// </summary>
    [Params(false, true)]
    public bool AutoPrepare { get; set; }

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        _database = await PostgreSqlBenchDatabase.CreateAsync(AutoPrepare ? 20 : 0);
        var services = new ServiceCollection();
        services.AddTargetTracking().UsePostgreSql(_database.DataSource);
        _services = services.BuildServiceProvider();
        _tracker = _services.GetRequiredService<TargetTracker>();
        _tenantServices = Workload.TenantServices(services => services.AddTargetTracking(o => o.Tenancy.Required = true).UsePostgreSql(_database.DataSource));
        _tenantTracker = _tenantServices.GetRequiredService<TargetTracker>();
        _order = Workload.SampleIndexes(Workload.TableSize, 7);
        _versions = [.. Enumerable.Repeat(1L, Workload.TableSize)];
        _statuses = [.. Enumerable.Repeat<string?>(Workload.FromStatus, Workload.TableSize)];
    }

    [GlobalCleanup]
    public async Task GlobalCleanupAsync()
    {
        await _services.DisposeAsync();
        await _tenantServices.DisposeAsync();
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

    [Benchmark(Description = "Hand-written, the rows TargetTracking writes (with stays), one statement")]
    public async Task<long> HandWrittenWithStays()
    {
        var (index, id, version, status, next) = Next();
        var now = Workload.UtcNow();
        await using var command = _database.DataSource.CreateCommand(GuardedSql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id.Value });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = next, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = status, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Guid.CreateVersion7() });
        foreach (var value in new[] { _audit.ActorId, _audit.ActorName, _audit.CorrelationId, _audit.ClientAddress, _audit.UserAgent })
        {
            command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Text });
        }

        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (now.Ticks - DateTime.UnixEpoch.Ticks) / 10 });
        return (long)(await command.ExecuteScalarAsync())! == 1 ? Advance(index, next) : throw new InvalidOperationException($"Target {id} changed concurrently.");
    }

    [Benchmark(Description = "TargetTracking ChangeStatusAsync")]
    public Task<long> TargetTracking() => ChangeAsync(_tracker);

    [Benchmark(Description = "TargetTracking ChangeStatusAsync, tenant from the host's accessor (Tenancy.Required)")]
    public Task<long> TargetTrackingWithTenancy() => ChangeAsync(_tenantTracker);

    private async Task<long> ChangeAsync(TargetTracker tracker)
    {
        var (index, id, version, _, next) = Next();
        var result = await tracker.ChangeStatusAsync(id, version, next, _audit);
        return result.IsSuccess ? Advance(index, next) : throw new InvalidOperationException($"Target {id}: {result.Error}");
    }

    /// <summary>
    /// Calls one competitor in a loop for <paramref name="duration"/> after a warm-up, so a sampling profiler can attach
    /// (<c>--profile</c>, <c>eng/profile-single</c>): no measurement, only a steady workload.
    /// </summary>
    /// <param name="competitor">
    /// <c>library</c> (<see cref="TargetTracking"/>), <c>floor</c> (<see cref="HandWrittenWithStays"/>), <c>pair</c> (<see cref="HandWritten"/>),
    /// or <c>store</c>: the store's guarded change alone, without the core (what the core adds is <c>library</c> minus <c>store</c>).
    /// </param>
    /// <param name="autoPrepare">Whether the connections prepare statements (<see cref="AutoPrepare"/>).</param>
    /// <param name="duration">How long to loop after the warm-up.</param>
    /// <param name="output">Where to say that the loop runs, and how many calls it made.</param>
    internal static async Task LoopAsync(string competitor, bool autoPrepare, TimeSpan duration, TextWriter output)
    {
        var benchmarks = new PostgreSqlSingleStatusChangeBenchmarks { AutoPrepare = autoPrepare };
        Func<Task<long>> call = competitor switch
        {
            "library" => benchmarks.TargetTracking,
            "floor" => benchmarks.HandWrittenWithStays,
            "pair" => benchmarks.HandWritten,
            "store" => () => benchmarks.StoreAlone(benchmarks._database.Repository),
            "store-di" => () => benchmarks.StoreAlone(benchmarks._services.GetRequiredService<Linq2DbTargetStore>()),
            _ => throw new ArgumentException($"Unknown competitor '{competitor}': library, store, store-di, floor or pair.", nameof(competitor)),
        };
        await benchmarks.GlobalSetupAsync();
        try
        {
            for (var i = 0; i < 2000; i++)
            {
                await call();
            }

            output.WriteLine($"looping: pid {Environment.ProcessId}");
            var calls = 0;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                await call();
                calls++;
            }

            output.WriteLine($"looped: {calls} calls in {clock.Elapsed.TotalSeconds:F1} s, {clock.Elapsed.TotalMicroseconds / calls:F0} µs per call");
        }
        finally
        {
            await benchmarks.GlobalCleanupAsync();
        }
    }

    private async Task<long> StoreAlone(Linq2DbTargetStore store)
    {
        var (index, id, version, _, next) = Next();
        var change = _tracker.Writer.ToGuarded(new ChangeStatusCommand(id, version, next), _audit, null, TimeProvider.System.GetUtcNow())
            ?? throw new InvalidOperationException($"Target {id}: no guarded form of the move to {next}.");
        var after = await store.TryChangeStatusAsync(change);
        return after is not null ? Advance(index, next) : throw new InvalidOperationException($"Target {id} changed concurrently.");
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
