using Npgsql;
using TargetTracking.Conformance;
using TargetTracking.Storage;
using Xunit.Abstractions;

namespace TargetTracking.PostgreSql.Tests;

/// <summary>
/// The statement of a guarded bulk status change can reach every row it reads or writes through an index, one probe per change,
/// so its cost can follow the bulk rather than the table: with every other access priced out (whole scans, bitmaps over every open
/// stay, hash and merge joins), its plan probes targets_pkey and target_stays_open_by_target_ix; a statement no index could serve
/// would keep its whole scan at any price. Over a small table PostgreSQL rightly picks a hash join over a whole scan (this table:
/// 5,000 rows); the growth benchmark measures its choice at 1,000,000.
/// </summary>
public sealed class WritePlanTests(PostgreSqlFixture fixture, ITestOutputHelper output) : IClassFixture<PostgreSqlFixture>
{
    [Fact]
    public async Task GuardedStatusChanges_ReachEveryRowThroughAnIndex()
    {
        var store = await fixture.CreatePostgreSqlRepositoryAsync();
        var tracker = TestTracker.For(store);
        var create = tracker.BeginBulk();
        var ids = Enumerable.Range(0, 5_000).Select(i => create.Create(new NewTarget($"T{i}", Status: "Cold", Markets: ["EU"]))).ToArray();
        Assert.True((await create.CommitAsync()).Succeeded);

        await using var connection = await fixture.DataSource.OpenConnectionAsync();
        await using (var analyze = new NpgsqlCommand($"ANALYZE \"{store.Schema}\".targets, \"{store.Schema}\".target_history, \"{store.Schema}\".target_stays", connection))
        {
            await analyze.ExecuteNonQueryAsync();
        }

        var at = DateTimeOffset.UtcNow;
        var changes = ids.Take(50).Select(id => new GuardedStatusChange(id, 1, ["Cold"], "Active", new HistoryEntry
        {
            Id = Guid.CreateVersion7(), TargetId = id, Action = HistoryAction.StatusChanged, NewStatus = "Active", Version = 2, OccurredAt = at, CorrelationId = "plan",
        })).ToList();
        var statement = PostgreSqlBulkWriter.GuardedCommand(new PostgreSqlStatements(store.Schema), changes, TenantIds.Default);

        // Run for real (ANALYZE), rolled back: the plan of the rows it actually changes.
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var price = new NpgsqlCommand("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off", connection, transaction))
        {
            await price.ExecuteNonQueryAsync();
        }

        await using var explain = new NpgsqlCommand("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + statement.CommandText, connection, transaction);
        foreach (var parameter in statement.Parameters.Cast<NpgsqlParameter>())
        {
            explain.Parameters.Add(parameter.Clone());
        }

        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        await transaction.RollbackAsync();
        output.WriteLine(string.Join('\n', plan));
        var text = string.Join('\n', plan);
        Assert.DoesNotContain("Seq Scan on targets", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Seq Scan on target_stays", text, StringComparison.Ordinal);
        Assert.Contains(plan, l => l.Contains("Index Scan using targets_pkey", StringComparison.Ordinal));
        Assert.Contains(plan, l => l.Contains("Update on target_stays", StringComparison.Ordinal));
        Assert.Contains(plan, l => l.Contains("target_stays_open_by_target_ix", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, l => l.Contains("Seq Scan", StringComparison.Ordinal));
    }
}
