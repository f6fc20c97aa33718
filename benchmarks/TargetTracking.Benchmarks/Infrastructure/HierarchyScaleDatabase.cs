using Npgsql;
using TargetTracking.PostgreSql;
using TargetTracking.PostgreSql.Tests;

namespace TargetTracking.Benchmarks.Infrastructure;

/// <summary>
/// A schema holding the hierarchy benchmark's data: 100,000 outcomes (targets spread over the pipeline's statuses),
/// 1,000 goals with 100 outcomes each, 200 sprints and 2,000 commitments, each outcome linked to one goal, one sprint and
/// one commitment (300,000 links). Seeded once through the store's own write session, vacuumed and analyzed; the
/// benchmarks only read. The smoke run (<see cref="BenchmarkConfig.IsSmoke"/>) seeds the same shape with 10 goals.
/// </summary>
internal sealed class HierarchyScaleDatabase : IAsyncDisposable
{
    public static readonly int Goals = BenchmarkConfig.IsSmoke ? 10 : 1_000;

    public static readonly int Outcomes = Goals * 100;

    public static readonly int Sprints = Goals / 5;

    public static readonly int Commitments = Goals * 2;

    private const int SeedChunk = 10_000;

    private static readonly string?[] Statuses = [null, "Passed", "Cold", "Active", "Hot", "Closed"];

    private HierarchyScaleDatabase(NpgsqlDataSource dataSource, Linq2DbTargetStore repository, string schema, Guid[] goalIds)
    {
        DataSource = dataSource;
        Repository = repository;
        Schema = schema;
        GoalIds = goalIds;
    }

    public NpgsqlDataSource DataSource { get; }

    public Linq2DbTargetStore Repository { get; }

    public string Schema { get; }

    /// <summary>Gets the goals, in id order.</summary>
    public Guid[] GoalIds { get; }

    public static async Task<HierarchyScaleDatabase> CreateAsync()
    {
        var dataSource = NpgsqlDataSource.Create(await PostgreSqlServer.GetConnectionStringAsync());
        const string schema = "hierarchy_bench";
        var repository = PostgreSqlDialect.CreateStore(dataSource, new PostgreSqlStoreOptions { Schema = schema });
        await repository.MigrateAsync();
        if (await ScalarAsync(dataSource, $"SELECT count(*) FROM \"{schema}\".outcome_links") != Outcomes * 3L)
        {
            await ExecuteAsync(dataSource, $"SET session_replication_role = replica; TRUNCATE \"{schema}\".outcome_links, \"{schema}\".hierarchy_items, \"{schema}\".targets, \"{schema}\".target_history, \"{schema}\".hierarchy_history; SET session_replication_role = origin");
            var goals = Enumerable.Range(0, Goals).Select(i => Item(HierarchyKind.Goal, i, "Active")).ToArray();
            var sprints = Enumerable.Range(0, Sprints).Select(i => Item(HierarchyKind.Sprint, i, "Active")).ToArray();
            var commitments = Enumerable.Range(0, Commitments).Select(i => Item(HierarchyKind.Commitment, i, i % 3 == 0 ? "Done" : "In Progress")).ToArray();
            await SaveAsync(repository, new ChangeSet(), new HierarchyChangeSet { Inserts = [.. goals, .. sprints, .. commitments] });
            for (var start = 0; start < Outcomes; start += SeedChunk)
            {
                var targets = Enumerable.Range(start, Math.Min(SeedChunk, Outcomes - start)).Select(Seed).ToArray();
                await SaveAsync(repository, new ChangeSet { Inserts = targets, History = [.. targets.Select(Created)] }, new HierarchyChangeSet());
                var links = targets.Select((t, k) => (Target: t, Index: start + k)).SelectMany(t => new[]
                {
                    new OutcomeLink(t.Target.Id, goals[t.Index % Goals].Id, HierarchyKind.Goal),
                    new OutcomeLink(t.Target.Id, sprints[t.Index % Sprints].Id, HierarchyKind.Sprint),
                    new OutcomeLink(t.Target.Id, commitments[t.Index % Commitments].Id, HierarchyKind.Commitment),
                }).ToArray();
                await SaveAsync(repository, new ChangeSet(), new HierarchyChangeSet { AddedLinks = links });
            }

            foreach (var table in new[] { "targets", "target_history", "hierarchy_items", "outcome_links" })
            {
                await ExecuteAsync(dataSource, $"VACUUM (ANALYZE) \"{schema}\".{table}");
            }

            await ExecuteAsync(dataSource, "CHECKPOINT");
        }

        var ids = new List<Guid>();
        await using (var command = dataSource.CreateCommand($"SELECT id FROM \"{schema}\".hierarchy_items WHERE kind = 'Goal' ORDER BY id"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetGuid(0));
            }
        }

        return new HierarchyScaleDatabase(dataSource, repository, schema, [.. ids]);
    }

    public async ValueTask DisposeAsync() => await DataSource.DisposeAsync();

    private static async Task SaveAsync(Linq2DbTargetStore repository, ChangeSet targets, HierarchyChangeSet hierarchy)
    {
        var session = (IHierarchyWriteSession)await repository.BeginWriteAsync();
        await using (session)
        {
            await session.SaveAsync(targets);
            await session.SaveHierarchyAsync(hierarchy);
            await session.CommitAsync();
        }
    }

    private static HierarchyItem Item(HierarchyKind kind, int i, string status)
    {
        var at = Workload.SeededAt.AddTicks(i * 10L);
        return new HierarchyItem
        {
            Id = Guid.CreateVersion7(at),
            Kind = kind,
            Title = $"{kind} {i:D5}",
            Status = status,
            SprintName = kind == HierarchyKind.Sprint ? $"S{i}" : null,
            StartDate = kind == HierarchyKind.Sprint ? new DateOnly(2026, 1, 1) : null,
            EndDate = kind == HierarchyKind.Sprint ? new DateOnly(2026, 2, 15) : null,
            Version = 1,
            CreatedAt = at,
            UpdatedAt = at,
        };
    }

    private static Target Seed(int i)
    {
        var createdAt = Workload.SeededAt.AddTicks(i * 10L);
        return new Target
        {
            Id = new TargetId(Guid.CreateVersion7(createdAt)),
            Name = $"Outcome {i:D6}",
            Markets = ["Europe"],
            Status = Statuses[i % Statuses.Length],
            Version = 1,
            CreatedAt = createdAt,
            UpdatedAt = createdAt,
        };
    }

    private static HistoryEntry Created(Target target) => new()
    {
        Id = Guid.CreateVersion7(target.CreatedAt),
        TargetId = target.Id,
        Action = HistoryAction.Created,
        NewStatus = target.Status,
        Version = 1,
        OccurredAt = target.CreatedAt,
        ActorId = "seed",
        CorrelationId = "seed",
    };

    private static Task ExecuteAsync(NpgsqlDataSource dataSource, string sql) => dataSource.RunAsync(sql);

    private static Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql) => dataSource.NumberAsync(sql);
}
