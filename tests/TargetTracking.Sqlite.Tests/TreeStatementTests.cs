using System.Data.Common;
using LinqToDB;
using LinqToDB.Interceptors;
using TargetTracking.Linq2Db;

namespace TargetTracking.Sqlite.Tests;

/// <summary>
/// A goal's tree is one set of statement texts for every goal and page: the page's sprints and commitments are read through
/// a join on the page, with the goal, skip and take as parameters, never the page's ids as literals (new SQL text per call
/// was what made the tree 2.5x slower than hand-written SQL).
/// </summary>
public sealed class TreeStatementTests(SqliteFileFixture fixture) : IClassFixture<SqliteFileFixture>
{
    [Fact]
    public async Task GoalTree_SendsTheSameStatementsForEveryGoalAndPage_WithNoIdsInTheirText()
    {
        var connectionString = fixture.NewConnectionString();
        await new SqliteMigrator(new SqliteDatabase(new SqliteStoreOptions { ConnectionString = connectionString })).MigrateAsync();
        var capture = new Commands();
        var store = new Linq2DbTargetStore(SqliteDialect.Options(connectionString, TimeSpan.FromSeconds(5)).UseInterceptor(capture), SqliteDialect.Create());
        var tracker = new TargetTracker(store, new TargetTrackingOptions());
        var hierarchy = new HierarchyTracker(tracker);

        var goals = new List<HierarchyItem>();
        var outcomes = new List<Target>();
        for (var g = 0; g < 2; g++)
        {
            goals.Add((await hierarchy.CreateAsync(HierarchyKind.Goal, new HierarchyItemFields { Title = $"Goal {g}" })).Value!);
        }

        var commitment = (await hierarchy.CreateAsync(HierarchyKind.Commitment, new HierarchyItemFields { Title = "Call", Priority = 1 })).Value!;
        for (var t = 0; t < 6; t++)
        {
            var outcome = (await tracker.CreateAsync(new NewTarget($"Outcome {t}", Markets: ["EU"]))).Value!;
            outcomes.Add(outcome);
            Assert.Equal(BulkItemState.Applied, (await hierarchy.LinkAsync(outcome.Id, goals[t % 2].Id)).State);
            Assert.Equal(BulkItemState.Applied, (await hierarchy.LinkAsync(outcome.Id, commitment.Id)).State);
        }

        async Task<IReadOnlyList<string>> StatementsAsync(Guid goal, int skip, int take)
        {
            capture.Sql.Clear();
            var tree = (await hierarchy.GetTreeAsync(goal, skip, take)).Value!;
            Assert.All(tree.Outcomes, o => Assert.Equal([commitment.Id], o.Commitments.Select(c => c.Id)));
            Assert.NotEmpty(tree.Outcomes);
            return [.. capture.Sql];
        }

        var first = await StatementsAsync(goals[0].Id, 0, 2);
        var second = await StatementsAsync(goals[1].Id, 1, 2);

        Assert.Equal(first, second);
        var literals = goals.Select(g => g.Id).Concat(outcomes.Select(o => o.Id.Value)).Append(commitment.Id).Select(id => id.ToString("D"));
        Assert.All(first, sql => Assert.DoesNotContain(literals, id => sql.Contains(id, StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>Keeps the text of every command linq2db runs.</summary>
    private sealed class Commands : CommandInterceptor
    {
        public List<string> Sql { get; } = [];

        public override DbCommand CommandInitialized(CommandEventData eventData, DbCommand command)
        {
            Sql.Add(command.CommandText);
            return command;
        }
    }
}
