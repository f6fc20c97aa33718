using BenchmarkDotNet.Attributes;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using LinqToDB.DataProvider.PostgreSQL;
using TargetTracking.Benchmarks.Infrastructure;
using TargetTracking.Benchmarks.PostgreSql.Linq2Db;

namespace TargetTracking.Benchmarks.PostgreSql;

// The linq2db competitor lives in its own file: EF Core and linq2db both add ToDictionaryAsync/ToListAsync to
// IQueryable, so their usings cannot share one.
public partial class PostgreSqlBulkStatusChangeBenchmarks
{
    private DataOptions _linq2DbOptions = null!;

    /// <summary>
    /// What a linq2db user writes by hand for the same job, with their own mapped classes (<see cref="TargetRow"/>,
    /// <see cref="HistoryRow"/>): one transaction; the sample's rows read with <c>FOR UPDATE</c>; each version
    /// checked; then per row an <c>UPDATE … WHERE tenant_id = 'default' AND id = @id AND version = @expected</c> and an <c>INSERT</c> of its
    /// history row; commit, or roll back if any row is stale.
    /// </summary>
    /// <returns>The number of history rows written.</returns>
    [Benchmark(Description = "linq2db by hand: load FOR UPDATE, Update + Insert per row")]
    public async Task<int> Linq2DbPerRow()
    {
        var ids = new Guid[_items.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = _items[i].Id.Value;
        }

        await using var db = new DataConnection(_linq2DbOptions);
        await using var transaction = await db.BeginTransactionAsync();

        // One uuid[] parameter (id = ANY(@ids)): ids.Contains(t.Id) would inline every id as a literal. Locked in id
        // order, so two such jobs cannot deadlock; only what the decision needs is read.
        var current = await db.GetTable<TargetRow>()
            .Where(t => t.TenantId == "default" && Sql.Ext.PostgreSQL().ValueIsEqualToAny(t.Id, ids))
            .OrderBy(t => t.Id)
            .AsPostgreSQL()
            .ForUpdateHint()
            .Select(t => new { t.Id, t.Status, t.Version })
            .ToDictionaryAsync(t => t.Id);

        var now = new DateTimeOffset(Workload.UtcNow());
        var written = 0;
        foreach (var item in _items)
        {
            if (!current.TryGetValue(item.Id.Value, out var row) || row.Version != item.Version || !Workload.IsAllowed(row.Status, Workload.ToStatus))
            {
                // All-or-nothing: one stale or missing row rolls back what the loop wrote so far.
                await transaction.RollbackAsync();
                throw new InvalidOperationException($"Target {item.Id} cannot move.");
            }

            var id = row.Id;
            var expected = row.Version;
            var updated = await db.GetTable<TargetRow>()
                .Where(t => t.TenantId == "default" && t.Id == id && t.Version == expected)
                .Set(t => t.Status, Workload.ToStatus)
                .Set(t => t.Version, expected + 1)
                .Set(t => t.UpdatedAt, now)
                .Set(t => t.StatusChangedAt, now)
                .UpdateAsync();
            if (updated != 1)
            {
                await transaction.RollbackAsync();
                throw new InvalidOperationException($"Target {item.Id} changed concurrently.");
            }

            written += await db.InsertAsync(new HistoryRow
            {
                Id = Guid.CreateVersion7(),
                TargetId = id,
                Action = "StatusChanged",
                OldStatus = row.Status,
                NewStatus = Workload.ToStatus,
                Version = expected + 1,
                OccurredAt = now,
                ActorId = _audit.ActorId,
                ActorName = _audit.ActorName,
                CorrelationId = _audit.CorrelationId!,
                ClientAddress = _audit.ClientAddress,
                UserAgent = _audit.UserAgent,
            });
        }

        await transaction.CommitAsync();
        return written;
    }

    // A linq2db user's set-up: the provider and the host's data source, built once; a DataConnection per unit of work.
    private void SetUpLinq2Db() =>
        _linq2DbOptions = new DataOptions().UseConnectionFactory(
            PostgreSQLTools.GetDataProvider(PostgreSQLVersion.v95), _ => _database.DataSource.CreateConnection());
}
