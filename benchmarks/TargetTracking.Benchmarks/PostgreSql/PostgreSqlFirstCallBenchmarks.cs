using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TargetTracking.Benchmarks.Infrastructure;
using TargetTracking.PostgreSql;
using TargetTracking.PostgreSql.Tests;

namespace TargetTracking.Benchmarks.PostgreSql;

/// <summary>
/// What the first status change of a new process costs on PostgreSQL, and what <c>InitializeAsync</c> moves to
/// start-up. linq2db compiles each query shape once per process and caches it for the process's lifetime, so a first
/// call can only be measured in a new process: this class runs under BenchmarkDotNet's cold-start strategy
/// (<see cref="BenchmarkConfig.FirstCall"/>: one measured invocation per process, no warm-up, no jitting call before
/// it, many processes), through <c>--first-call</c>, never in the throughput suite.
/// </summary>
/// <remarks>
/// Every process gets its own database; its set-up migrates the schema through the store (as a deployment step
/// would; that compiles the migration runner's few queries) and inserts <see cref="TargetCount"/> Cold targets with
/// plain SQL, so nothing of the read and write paths has run before the measurement.
/// </remarks>
public class PostgreSqlFirstCallBenchmarks
{
    private const int TargetCount = 1_000;

    /// <summary>Calls made before the measured one in the warm case: enough for the JIT to have recompiled the hot path.</summary>
    private const int WarmCalls = 300;

    private static readonly string SeedSql =
        $"""
        INSERT INTO {PostgreSqlBenchDatabase.Targets}
            (tenant_id, id, name, name_norm, description, markets, markets_norm, status, version, created_at, updated_at, status_changed_at)
        SELECT 'default', gen_random_uuid(), 'Target ' || i, 'target ' || i, NULL, ARRAY['Europe'], ARRAY['europe'], $1, 1, now(), now(), now()
        FROM generate_series(1, {TargetCount}) AS i
        """;

    private readonly AuditContext _audit = Workload.Audit();
    private NpgsqlDataSource _dataSource = null!;
    private ServiceProvider _services = null!;
    private Linq2DbTargetStore _repository = null!;
    private TargetTracker _tracker = null!;
    private Guid[] _ids = [];
    private int _next;

    [GlobalSetup(Target = nameof(Warm))]
    public async Task SetUpWarmAsync()
    {
        await SetUpAsync();
        await _repository.InitializeAsync();
        for (var i = 0; i < WarmCalls; i++)
        {
            await ChangeNextAsync();
        }

        // Tiered compilation recompiles hot methods on a background thread: let it finish before the measurement.
        await Task.Delay(TimeSpan.FromSeconds(1));
    }

    [GlobalSetup(Target = nameof(FirstAfterInitialize))]
    public async Task SetUpInitializedAsync()
    {
        await SetUpAsync();
        await _repository.InitializeAsync();
    }

    [GlobalSetup(Targets = [nameof(FirstWithoutInitialize), nameof(Initialize)])]
    public Task SetUpColdAsync() => SetUpAsync();

    [GlobalCleanup]
    public async Task GlobalCleanupAsync()
    {
        await _services.DisposeAsync();
        await _dataSource.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "ChangeStatusAsync, warm (after 300 calls)")]
    public Task<long> Warm() => ChangeNextAsync();

    [Benchmark(Description = "first ChangeStatusAsync after InitializeAsync")]
    public Task<long> FirstAfterInitialize() => ChangeNextAsync();

    [Benchmark(Description = "first ChangeStatusAsync, no InitializeAsync")]
    public Task<long> FirstWithoutInitialize() => ChangeNextAsync();

    [Benchmark(Description = "InitializeAsync at start-up (schema current)")]
    public Task Initialize() => _repository.InitializeAsync();

    private async Task SetUpAsync()
    {
        _dataSource = NpgsqlDataSource.Create(await PostgreSqlServer.GetConnectionStringAsync());
        var services = new ServiceCollection();
        services.AddTargetTracking().UsePostgreSql(_dataSource, o => o.Schema = PostgreSqlBenchDatabase.Schema);
        _services = services.BuildServiceProvider();
        _repository = _services.GetRequiredService<Linq2DbTargetStore>();
        _tracker = _services.GetRequiredService<TargetTracker>();
        await _repository.MigrateAsync();

        await using (var seed = _dataSource.CreateCommand(SeedSql))
        {
            seed.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Workload.FromStatus });
            await seed.ExecuteNonQueryAsync();
        }

        await using var ids = _dataSource.CreateCommand($"SELECT id FROM {PostgreSqlBenchDatabase.Targets} ORDER BY id");
        await using var reader = await ids.ExecuteReaderAsync();
        var list = new List<Guid>(TargetCount);
        while (await reader.ReadAsync())
        {
            list.Add(reader.GetGuid(0));
        }

        _ids = [.. list];
    }

    // Each call moves the next untouched target, so a call never meets a version it wrote itself.
    private async Task<long> ChangeNextAsync()
    {
        var id = new TargetId(_ids[_next++]);
        var result = await _tracker.ChangeStatusAsync(id, 1, Workload.ToStatus, _audit);
        return result.IsSuccess ? result.Value!.Version : throw new InvalidOperationException($"Target {id}: {result.Error}");
    }
}
