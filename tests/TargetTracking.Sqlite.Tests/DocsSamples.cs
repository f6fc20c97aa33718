using LinqToDB;
using LinqToDB.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TargetTracking.Conformance;
using TargetTracking.Linq2Db;

namespace TargetTracking.Sqlite.Tests;

/// <summary>The linq2db code shown in docs/adapters-linq2db.md, compiled and run; the page must show it verbatim.</summary>
public sealed class DocsSamples(SqliteFileFixture fixture) : IClassFixture<SqliteFileFixture>
{
    [Fact]
    public async Task UseLinq2Db_AndAHostTransaction()
    {
        var connectionString = fixture.NewConnectionString();

        #region sample_uselinq2db
        var dataOptions = SqliteDialect.Options(connectionString, busyTimeout: TimeSpan.FromSeconds(5));
        // PostgreSQL: PostgreSqlDialect.Options(npgsqlDataSource) and PostgreSqlDialect.Create(schema: "pipeline")
        var services = new ServiceCollection();
        services.AddTargetTracking().UseLinq2Db(dataOptions, SqliteDialect.Create());
        await using var provider = services.BuildServiceProvider();
        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None); // migrates and compiles the hot queries
        }

        var tracker = provider.GetRequiredService<TargetTracker>();
        var store = (Linq2DbTargetStore)provider.GetRequiredService<ITargetRepository>();
        #endregion

        var acme = (await tracker.CreateAsync(new NewTarget("Acme GmbH"))).Value!;
        using (var setup = new DataConnection(dataOptions))
        {
            await setup.ExecuteAsync("CREATE TABLE invoices (id TEXT PRIMARY KEY, target_id TEXT NOT NULL)");
        }

        #region sample_host_transaction
        using (var db = new DataConnection(dataOptions))
        {
            await db.BeginTransactionAsync();
            await db.ExecuteAsync("INSERT INTO invoices (id, target_id) VALUES ('INV-1', @id)", new DataParameter("id", acme.Id.ToString()));

            // Same options, clock and audit as the app's tracker; writes join this transaction.
            var inTransaction = tracker.WithRepository(store.InHostTransaction(db));
            var won = await inTransaction.ChangeStatusAsync(acme.Id, acme.Version, "Active");
            if (won.IsSuccess)
            {
                await db.CommitTransactionAsync(); // the invoice and the status change, with its history entry
            }
            else
            {
                await db.RollbackTransactionAsync(); // a typed error wrote nothing; the transaction was still usable
            }
        }
        #endregion

        var after = (await tracker.GetAsync(acme.Id)).Value!;
        Assert.Equal(("Active", 2L), (after.Status, after.Version));
        using var check = new DataConnection(dataOptions);
        Assert.Equal(acme.Id.ToString(), await check.ExecuteAsync<string>("SELECT target_id FROM invoices WHERE id = 'INV-1'"));
    }

    [Theory]
    [InlineData("sample_uselinq2db")]
    [InlineData("sample_host_transaction")]
    public void TheDocsShowTheSamplesVerbatim(string region) => DocsRegions.AssertShown("DocsSamples.cs.txt", "adapters-linq2db.md", region);
}
