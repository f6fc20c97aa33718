using BenchmarkDotNet.Attributes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using TargetTracking.Benchmarks.Infrastructure;
using TargetTracking.Benchmarks.PostgreSql.EfCore;

namespace TargetTracking.Benchmarks.PostgreSql;

/// <summary>
/// A bulk status change with audit, all-or-nothing, on PostgreSQL: N targets out of 100,000 move from Cold to
/// Active, each with its version checked and bumped and one history row appended, in one transaction. Every
/// iteration starts from the same reset tables with a seeded random sample.
/// </summary>
[MemoryDiagnoser]
public partial class PostgreSqlBulkStatusChangeBenchmarks
{
    // The practical limit: one statement updates the targets whose version still matches and feeds the
    // changed rows into the history insert. The caller read status and version; a matching version proves
    // the status is still the one read.
    private static readonly string Changed =
        $"""
        WITH changed AS (
            UPDATE {PostgreSqlBenchDatabase.Targets} AS t
            SET status = r.new_status, version = t.version + 1, updated_at = $6, status_changed_at = $6
            FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::uuid[]) AS r(id, expected_version, old_status, new_status, history_id)
            WHERE t.tenant_id = 'default' AND t.id = r.id AND t.version = r.expected_version
            RETURNING r.history_id, t.id, r.old_status, r.new_status, t.version
        )
        """;

    private static readonly string InsertChangedHistory =
        $"""
        INSERT INTO {PostgreSqlBenchDatabase.History}
            (tenant_id, id, target_id, action, old_status, new_status, version, occurred_at, actor_id, actor_name, correlation_id, operation_id, client_address, user_agent)
        SELECT 'default', c.history_id, c.id, 'StatusChanged', c.old_status, c.new_status, c.version, $6, $7, $8, $9, NULL, $10, $11
        FROM changed AS c
        """;

    private static readonly string SetBasedSql = Changed + "\n" + InsertChangedHistory;

    // The floor of what TargetTracking writes, by hand: the same statement, also closing each target's open stay and
    // opening the next (the store keeps the stays table for the reports in the same transaction).
    private static readonly string SetBasedWithStaysSql =
        $"""
        {Changed}, entries AS (
        {InsertChangedHistory}
        ), closed AS (
            UPDATE {PostgreSqlBenchDatabase.Stays} AS s SET exited_us = $12, next_status = c.new_status, ended_by_delete = 0
            FROM changed AS c WHERE s.tenant_id = 'default' AND s.target_id = c.id AND s.exited_us IS NULL
        ), opened AS (
            INSERT INTO {PostgreSqlBenchDatabase.Stays} (tenant_id, target_id, version, status, entered_us, exited_us, next_status, ended_by_delete)
            SELECT 'default', c.id, c.version, c.new_status, $12, NULL, NULL, 0 FROM changed AS c
        )
        SELECT count(*) FROM changed
        """;

    private static readonly string SelectForUpdateSql = $"SELECT status, version FROM {PostgreSqlBenchDatabase.Targets} WHERE tenant_id = 'default' AND id = $1 FOR UPDATE";

    private static readonly string UpdateRowSql =
        $"UPDATE {PostgreSqlBenchDatabase.Targets} SET status = $2, version = $3, updated_at = $4, status_changed_at = $4 WHERE tenant_id = 'default' AND id = $1 AND version = $5";

    private static readonly string InsertHistoryRowSql =
        $"""
        INSERT INTO {PostgreSqlBenchDatabase.History}
            (tenant_id, id, target_id, action, old_status, new_status, version, occurred_at, actor_id, actor_name, correlation_id, operation_id, client_address, user_agent)
        VALUES ('default', $1, $2, 'StatusChanged', $3, $4, $5, $6, $7, $8, $9, NULL, $10, $11)
        """;

    private const string PartialDescription = "TargetTracking bulk, partial";

    private PostgreSqlBenchDatabase _database = null!;
    private ServiceProvider _services = null!;
    private TargetTracker _tracker = null!;
    private ServiceProvider _tenantServices = null!;
    private TargetTracker _tenantTracker = null!;
    private DbContextOptions<TrackingDbContext> _efOptions = null!;
    private WorkItem[] _items = [];
    private AuditContext _audit = Workload.Audit();
    private int _iteration;

    /// <summary>Gets or sets how many targets change in one unit of work.</summary>
    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    /// <summary>Gets the sizes of <see cref="N"/> (the smoke run takes the smallest).</summary>
    public static int[] Sizes => BenchmarkConfig.Sizes(100, 1000, 10000);

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        _database = await PostgreSqlBenchDatabase.CreateAsync();
        var services = new ServiceCollection();
        services.AddTargetTracking().UsePostgreSql(_database.DataSource);
        _services = services.BuildServiceProvider();
        _tracker = _services.GetRequiredService<TargetTracker>();
        _tenantServices = Workload.TenantServices(services => services.AddTargetTracking(o => o.Tenancy.Required = true).UsePostgreSql(_database.DataSource));
        _tenantTracker = _tenantServices.GetRequiredService<TargetTracker>();
        _efOptions = TrackingDbContext.CreateOptions(_database.DataSource);
        SetUpLinq2Db();
    }

    [IterationSetup]
    public void IterationSetup()
    {
        _database.Reset();
        _items = _database.Workload.Sample(N, ++_iteration);
        _audit = Workload.Audit();
    }

    [GlobalCleanup]
    public async Task GlobalCleanupAsync()
    {
        await _services.DisposeAsync();
        await _tenantServices.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "Hand-written UPDATE…FROM unnest…RETURNING → INSERT")]
    public Task<int> HandWrittenSetBased() => HandWrittenAsync(SetBasedSql, stays: false);

    [Benchmark(Description = "Hand-written, the rows TargetTracking writes (with stays)")]
    public Task<int> HandWrittenSetBasedWithStays() => HandWrittenAsync(SetBasedWithStaysSql, stays: true);

    [Benchmark(Description = "TargetTracking bulk, all-or-nothing")]
    public async Task<int> TargetTrackingAllOrNothing() => await CommitBulkAsync(_tracker, BulkMode.AllOrNothing);

    [Benchmark(Description = PartialDescription)]
    public async Task<int> TargetTrackingPartial() => await CommitBulkAsync(_tracker, BulkMode.Partial);

    [Benchmark(Description = "TargetTracking bulk, all-or-nothing, tenant from the host's accessor (Tenancy.Required)")]
    public async Task<int> TargetTrackingAllOrNothingWithTenancy() => await CommitBulkAsync(_tenantTracker, BulkMode.AllOrNothing);

    [Benchmark(Description = "EF Core 10: load, change, SaveChanges")]
    public async Task<int> EfCore()
    {
        var ids = new Guid[_items.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = _items[i].Id.Value;
        }

        await using var db = new TrackingDbContext(_efOptions);
        var targets = await db.Targets.Where(t => t.TenantId == "default" && ids.Contains(t.Id)).ToDictionaryAsync(t => t.Id);
        var now = Workload.UtcNow();
        foreach (var item in _items)
        {
            var target = targets[item.Id.Value];
            if (target.Version != item.Version || !Workload.IsAllowed(target.Status, Workload.ToStatus))
            {
                throw new InvalidOperationException($"Target {item.Id} cannot move.");
            }

            var old = target.Status;
            target.Status = Workload.ToStatus;
            target.Version++;
            target.UpdatedAt = now;
            target.StatusChangedAt = now;
            db.History.Add(new HistoryEntity
            {
                Id = Guid.CreateVersion7(),
                TargetId = target.Id,
                Action = "StatusChanged",
                OldStatus = old,
                NewStatus = target.Status,
                Version = target.Version,
                OccurredAt = now,
                ActorId = _audit.ActorId,
                ActorName = _audit.ActorName,
                CorrelationId = _audit.CorrelationId!,
                ClientAddress = _audit.ClientAddress,
                UserAgent = _audit.UserAgent,
            });
        }

        // One transaction; a stale version throws DbUpdateConcurrencyException and rolls everything back.
        return await db.SaveChangesAsync();
    }

    [Benchmark(Description = "ADO.NET per row: SELECT FOR UPDATE, UPDATE, INSERT")]
    public async Task<int> AdoNetPerRow()
    {
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var select = new NpgsqlCommand(SelectForUpdateSql, connection, transaction) { Parameters = { new NpgsqlParameter<Guid>() } };
        await using var update = new NpgsqlCommand(UpdateRowSql, connection, transaction)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid>(),
                new NpgsqlParameter<string?> { NpgsqlDbType = NpgsqlDbType.Text },
                new NpgsqlParameter<long>(),
                new NpgsqlParameter<DateTime>(),
                new NpgsqlParameter<long>(),
            },
        };
        await using var insert = new NpgsqlCommand(InsertHistoryRowSql, connection, transaction)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid>(),
                new NpgsqlParameter<Guid>(),
                new NpgsqlParameter<string?> { NpgsqlDbType = NpgsqlDbType.Text },
                new NpgsqlParameter<string?> { NpgsqlDbType = NpgsqlDbType.Text },
                new NpgsqlParameter<long>(),
                new NpgsqlParameter<DateTime>(),
                new NpgsqlParameter<string?> { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = _audit.ActorId },
                new NpgsqlParameter<string?> { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = _audit.ActorName },
                new NpgsqlParameter<string?> { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = _audit.CorrelationId },
                new NpgsqlParameter<string?> { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = _audit.ClientAddress },
                new NpgsqlParameter<string?> { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = _audit.UserAgent },
            },
        };
        await select.PrepareAsync();
        await update.PrepareAsync();
        await insert.PrepareAsync();

        var now = Workload.UtcNow();
        var written = 0;
        foreach (var item in _items)
        {
            ((NpgsqlParameter<Guid>)select.Parameters[0]).TypedValue = item.Id.Value;
            string? status;
            long version;
            await using (var reader = await select.ExecuteReaderAsync())
            {
                if (!await reader.ReadAsync())
                {
                    throw new InvalidOperationException($"Target {item.Id} does not exist.");
                }

                status = reader.IsDBNull(0) ? null : reader.GetString(0);
                version = reader.GetInt64(1);
            }

            if (version != item.Version || !Workload.IsAllowed(status, Workload.ToStatus))
            {
                // All-or-nothing: disposing the transaction rolls back what the loop wrote so far.
                throw new InvalidOperationException($"Target {item.Id} cannot move.");
            }

            ((NpgsqlParameter<Guid>)update.Parameters[0]).TypedValue = item.Id.Value;
            ((NpgsqlParameter<string?>)update.Parameters[1]).TypedValue = Workload.ToStatus;
            ((NpgsqlParameter<long>)update.Parameters[2]).TypedValue = version + 1;
            ((NpgsqlParameter<DateTime>)update.Parameters[3]).TypedValue = now;
            ((NpgsqlParameter<long>)update.Parameters[4]).TypedValue = version;
            if (await update.ExecuteNonQueryAsync() != 1)
            {
                throw new InvalidOperationException($"Target {item.Id} changed concurrently.");
            }

            ((NpgsqlParameter<Guid>)insert.Parameters[0]).TypedValue = Guid.CreateVersion7();
            ((NpgsqlParameter<Guid>)insert.Parameters[1]).TypedValue = item.Id.Value;
            ((NpgsqlParameter<string?>)insert.Parameters[2]).TypedValue = status;
            ((NpgsqlParameter<string?>)insert.Parameters[3]).TypedValue = Workload.ToStatus;
            ((NpgsqlParameter<long>)insert.Parameters[4]).TypedValue = version + 1;
            ((NpgsqlParameter<DateTime>)insert.Parameters[5]).TypedValue = now;
            written += await insert.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        return written;
    }

    /// <summary>
    /// Runs every competitor once per N outside BenchmarkDotNet and checks what it wrote (<c>--verify</c>): the N
    /// targets Active at version 2 with matching timestamps, nothing else changed, N history rows with the same 13
    /// columns; and, with one item stale, nothing written.
    /// </summary>
    /// <param name="output">Where to report.</param>
    /// <returns><see langword="true"/> when every check passed.</returns>
    internal static async Task<bool> VerifyAsync(TextWriter output)
    {
        var benchmarks = new PostgreSqlBulkStatusChangeBenchmarks();
        await benchmarks.GlobalSetupAsync();
        try
        {
            return await Competitors.VerifyAsync(
                benchmarks,
                n => benchmarks.N = n,
                benchmarks.IterationSetup,
                benchmarks.MakeLastItemStaleAsync,
                benchmarks.ReadStateAsync,
                new HashSet<string>(StringComparer.Ordinal) { PartialDescription },
                output);
        }
        finally
        {
            await benchmarks.GlobalCleanupAsync();
        }
    }

    private async Task<int> HandWrittenAsync(string sql, bool stays)
    {
        var n = _items.Length;
        var ids = new Guid[n];
        var versions = new long[n];
        var oldStatuses = new string?[n];
        var newStatuses = new string?[n];
        var historyIds = new Guid[n];
        for (var i = 0; i < n; i++)
        {
            var item = _items[i];
            if (!Workload.IsAllowed(item.Status, Workload.ToStatus))
            {
                throw new InvalidOperationException($"{item.Status} → {Workload.ToStatus} is not allowed.");
            }

            ids[i] = item.Id.Value;
            versions[i] = item.Version;
            oldStatuses[i] = item.Status;
            newStatuses[i] = Workload.ToStatus;
            historyIds[i] = Guid.CreateVersion7();
        }

        var now = Workload.UtcNow();
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(sql, connection, transaction)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid[]> { TypedValue = ids },
                new NpgsqlParameter<long[]> { TypedValue = versions },
                new NpgsqlParameter<string?[]> { TypedValue = oldStatuses, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new NpgsqlParameter<string?[]> { TypedValue = newStatuses, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new NpgsqlParameter<Guid[]> { TypedValue = historyIds },
                new NpgsqlParameter<DateTime> { TypedValue = now },
                new NpgsqlParameter<string?> { TypedValue = _audit.ActorId },
                new NpgsqlParameter<string?> { TypedValue = _audit.ActorName },
                new NpgsqlParameter<string?> { TypedValue = _audit.CorrelationId },
                new NpgsqlParameter<string?> { TypedValue = _audit.ClientAddress },
                new NpgsqlParameter<string?> { TypedValue = _audit.UserAgent },
            },
        };
        if (stays)
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (now.Ticks - DateTime.UnixEpoch.Ticks) / 10 });
        }

        var written = stays ? (int)(long)(await command.ExecuteScalarAsync())! : await command.ExecuteNonQueryAsync();
        if (written != n)
        {
            // All-or-nothing: a stale version anywhere rolls the whole change back.
            await transaction.RollbackAsync();
            throw new InvalidOperationException($"{n - written} of {n} targets were changed concurrently.");
        }

        await transaction.CommitAsync();
        return written;
    }

    private async Task<int> CommitBulkAsync(TargetTracker tracker, BulkMode mode)
    {
        var bulk = tracker.BeginBulk();
        foreach (var item in _items)
        {
            bulk.ChangeStatus(item.Id, item.Version, Workload.ToStatus);
        }

        var result = await bulk.CommitAsync(mode, _audit);
        var applied = result.AppliedCount;
        return applied == _items.Length ? applied : throw new InvalidOperationException($"{_items.Length - applied} of {_items.Length} items were not applied.");
    }

    private async Task MakeLastItemStaleAsync()
    {
        await using var command = _database.DataSource.CreateCommand($"UPDATE {PostgreSqlBenchDatabase.Targets} SET version = version + 1 WHERE tenant_id = 'default' AND id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = _items[^1].Id.Value });
        await command.ExecuteNonQueryAsync();
    }

    private async Task<(long Changed, long Moved, long History, long Matching)> ReadStateAsync()
    {
        await using var command = _database.DataSource.CreateCommand(
            $"""
            SELECT
                (SELECT count(*) FROM {PostgreSqlBenchDatabase.Targets} WHERE version <> 1),
                (SELECT count(*) FROM {PostgreSqlBenchDatabase.Targets}
                 WHERE tenant_id = 'default' AND id = ANY($1) AND status = $3 AND version = 2 AND status_changed_at = updated_at AND updated_at > created_at),
                (SELECT count(*) FROM {PostgreSqlBenchDatabase.History}),
                (SELECT count(*) FROM {PostgreSqlBenchDatabase.History} AS h JOIN {PostgreSqlBenchDatabase.Targets} AS t ON t.tenant_id = h.tenant_id AND t.id = h.target_id
                 WHERE h.tenant_id = 'default' AND h.target_id = ANY($1) AND h.action = 'StatusChanged' AND h.old_status = $2 AND h.new_status = $3
                   AND h.version = t.version AND h.occurred_at = t.updated_at AND h.actor_id = $4 AND h.actor_name = $5
                   AND h.correlation_id = $6 AND h.operation_id IS NULL AND h.client_address = $7 AND h.user_agent = $8)
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. _items.Select(i => i.Id.Value)] });
        foreach (var value in new[] { Workload.FromStatus, Workload.ToStatus, _audit.ActorId, _audit.ActorName, _audit.CorrelationId, _audit.ClientAddress, _audit.UserAgent })
        {
            command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Text });
        }

        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }
}
