using Npgsql;
using NpgsqlTypes;
using TargetTracking.Conformance;
using Xunit.Abstractions;

namespace TargetTracking.PostgreSql.Tests;

/// <summary>
/// One tenant out of 100: a report of one tenant reads that tenant's rows only, through an index whose condition names the
/// tenant (the key leads with it), never a scan over the other 99 tenants' rows. The plan is the one docs/tenancy.md shows.
/// </summary>
public sealed class TenantPlanTests(PostgreSqlFixture fixture, ITestOutputHelper output) : IClassFixture<PostgreSqlFixture>
{
    private const int Tenants = 100;
    private const int TargetsPerTenant = 100;

    [Fact]
    public async Task ReportOfOneTenantOf100_ReadsOnlyThatTenantsRows_ThroughTheTenantKey()
    {
        var store = await fixture.CreatePostgreSqlRepositoryAsync();
        var tracker = TestTracker.For(store);
        for (var t = 0; t < Tenants; t++)
        {
            var bulk = tracker.ForTenant($"t{t:D3}").BeginBulk();
            for (var i = 0; i < TargetsPerTenant; i++)
            {
                bulk.Create(new NewTarget($"T{i}", Status: i % 2 == 0 ? "Cold" : "Active"));
            }

            Assert.True((await bulk.CommitAsync()).Succeeded);
        }

        await using var connection = await fixture.DataSource.OpenConnectionAsync();
        await using (var analyze = new NpgsqlCommand($"ANALYZE \"{store.Schema}\".targets, \"{store.Schema}\".target_history, \"{store.Schema}\".target_stays", connection))
        {
            await analyze.ExecuteNonQueryAsync();
        }

        // The statement of the report as the store sends it (counts as of a date, a replay of the tenant's history).
        var view = (Linq2DbTargetStore)store.ForTenant(() => "t042");
        string sql;
        using (var db = view.Connect())
        {
            var counts = await ReportQueries.CountAsOfAsync(db, store.Dialect, DateTimeOffset.MaxValue.AddYears(-1), CancellationToken.None);
            Assert.Equal([("Active", 50L), ("Cold", 50L)], counts.OrderBy(c => c.Status).Select(c => (c.Status!, c.Count)));
            sql = db.LastQuery!;
        }

        // The tenant's setting ahead of the statement (row-level security) is not part of what is planned.
        sql = sql[(sql.LastIndexOf("END$tt$;", StringComparison.Ordinal) is var end and >= 0 ? end + "END$tt$;".Length : 0)..].Trim();
        await using var explain = new NpgsqlCommand("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + sql, connection);
        explain.Parameters.Add(new NpgsqlParameter("tenant", NpgsqlDbType.Text) { Value = "t042" });
        explain.Parameters.Add(new NpgsqlParameter("cut", NpgsqlDbType.TimestampTz) { Value = DateTimeOffset.MaxValue.AddYears(-1).UtcDateTime });
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        output.WriteLine(sql);
        output.WriteLine(string.Join('\n', plan));
        Assert.DoesNotContain(plan, l => l.Contains("Seq Scan", StringComparison.Ordinal));
        Assert.Contains(plan, l => l.Contains("Index Cond:", StringComparison.Ordinal) && l.Contains("tenant_id", StringComparison.Ordinal) && l.Contains("'t042'", StringComparison.Ordinal));

        // Every row the index hands over is the tenant's: 100 entries, none of the other 9,900.
        var scan = plan.First(l => l.Contains("Index", StringComparison.Ordinal) && l.Contains("target_history", StringComparison.Ordinal));
        Assert.Contains($"rows={TargetsPerTenant} ", scan, StringComparison.Ordinal);
    }
}
