using BenchmarkDotNet.Attributes;
using Npgsql;
using TargetTracking.Benchmarks.Infrastructure;

namespace TargetTracking.Benchmarks.PostgreSql;

/// <summary>
/// The hierarchy on PostgreSQL at the scale: 1,000 goals over 100,000 outcomes (each outcome also in one of 200
/// sprints and one of 2,000 commitments; 300,000 links). The roll-up of all 1,000 goals in one call
/// (<see cref="HierarchyTracker.GetProgressAsync"/>: one <c>GROUP BY</c> in the store, weights in the core) against the
/// <b>baseline</b> of one hand-written SQL statement that weighs in the database; and the tree of every goal
/// (<see cref="HierarchyTracker.GetTreeAsync"/>, 1,000 calls of 100 outcomes each, with their sprints and commitments)
/// against hand-written SQL per goal. Runs with <c>--hierarchy</c> (see Program): one iteration is one whole pass.
/// </summary>
[MemoryDiagnoser]
public class PostgreSqlHierarchyBenchmarks
{
    private HierarchyScaleDatabase _database = null!;
    private HierarchyTracker _hierarchy = null!;

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        _database = await HierarchyScaleDatabase.CreateAsync();
        _hierarchy = new HierarchyTracker(new TargetTracker(_database.Repository, new TargetTrackingOptions()));
    }

    [GlobalCleanup]
    public async Task GlobalCleanupAsync() => await _database.DisposeAsync();

    [Benchmark(Baseline = true, Description = "Roll-up of 1,000 goals: hand-written SQL")]
    public async Task<int> RollUpHandWritten()
    {
        var s = $"\"{_database.Schema}\"";
        await using var command = _database.DataSource.CreateCommand(
            $"""
            SELECT l.item_id,
                   avg(CASE WHEN t.status IS NULL THEN 0 WHEN upper(t.status) = 'CLOSED' THEN 100 WHEN upper(t.status) = 'HOT' THEN 75
                            WHEN upper(t.status) = 'ACTIVE' THEN 50 WHEN upper(t.status) = 'COLD' THEN 25 END) AS percent
            FROM {s}.outcome_links l JOIN {s}.targets t ON t.id = l.target_id
            WHERE l.kind = 'Goal'
            GROUP BY l.item_id
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var goals = 0;
        while (await reader.ReadAsync())
        {
            goals++;
        }

        return goals == HierarchyScaleDatabase.Goals ? goals : throw new InvalidOperationException($"{goals} goals rolled up.");
    }

    [Benchmark(Description = "Roll-up of 1,000 goals: GetProgressAsync")]
    public async Task<int> RollUp()
    {
        var progress = await _hierarchy.GetProgressAsync(HierarchyKind.Goal, _database.GoalIds);
        var counted = progress.Count(p => p.Percent is not null);
        return counted == HierarchyScaleDatabase.Goals ? counted : throw new InvalidOperationException($"{counted} goals rolled up.");
    }

    [Benchmark(Description = "Tree of 1,000 goals: hand-written SQL per goal")]
    public async Task<long> TreesHandWritten()
    {
        var s = $"\"{_database.Schema}\"";
        long rows = 0;
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        foreach (var goal in _database.GoalIds)
        {
            await using var command = new NpgsqlCommand(
                $"""
                SELECT t.id, t.name, t.status, t.version, i.id, i.kind, i.title, i.status
                FROM {s}.outcome_links g
                JOIN {s}.targets t ON t.id = g.target_id
                LEFT JOIN {s}.outcome_links o ON o.target_id = g.target_id AND o.kind <> 'Goal'
                LEFT JOIN {s}.hierarchy_items i ON i.id = o.item_id
                WHERE g.item_id = @goal AND g.target_id IN (SELECT target_id FROM {s}.outcome_links WHERE item_id = @goal ORDER BY target_id LIMIT 100)
                ORDER BY t.id, i.id
                """,
                connection);
            command.Parameters.AddWithValue("goal", goal);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows++;
            }
        }

        return rows;
    }

    [Benchmark(Description = "Tree of 1,000 goals: GetTreeAsync")]
    public async Task<long> Trees()
    {
        long outcomes = 0;
        foreach (var goal in _database.GoalIds)
        {
            var tree = (await _hierarchy.GetTreeAsync(goal, take: 100)).Value!;
            outcomes += tree.Outcomes.Count;
        }

        return outcomes == HierarchyScaleDatabase.Outcomes ? outcomes : throw new InvalidOperationException($"{outcomes} outcomes in the trees.");
    }
}
