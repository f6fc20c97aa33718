using System.Globalization;
using Npgsql;
using TargetTracking.PostgreSql;
using TargetTracking.PostgreSql.Tests;

namespace TargetTracking.Benchmarks.Infrastructure;

/// <summary>
/// A schema holding <c>size</c> healthy targets with three history entries each (Created Cold, Cold → Hot,
/// Hot → Active; the targets Active at version 3), for the integrity-check benchmarks: one schema per size, seeded once
/// through the store's own write session (targets by <c>unnest</c>, history by binary COPY), vacuumed and analyzed.
/// The check only reads, so nothing is reset between iterations.
/// </summary>
internal sealed class IntegrityScaleDatabase : IAsyncDisposable
{
    /// <summary>Entries per target.</summary>
    public const int EntriesPerTarget = 3;

    private const int SeedChunk = 20_000;

    private IntegrityScaleDatabase(NpgsqlDataSource dataSource, Linq2DbTargetStore repository, string schema, int size)
    {
        DataSource = dataSource;
        Repository = repository;
        Schema = schema;
        Size = size;
    }

    public NpgsqlDataSource DataSource { get; }

    public Linq2DbTargetStore Repository { get; }

    public string Schema { get; }

    public int Size { get; }

    public static async Task<IntegrityScaleDatabase> CreateAsync(int size)
    {
        var dataSource = NpgsqlDataSource.Create(await PostgreSqlServer.GetConnectionStringAsync());
        var schema = "integrity_" + size.ToString(CultureInfo.InvariantCulture);
        var repository = PostgreSqlDialect.CreateStore(dataSource, new PostgreSqlStoreOptions { Schema = schema });
        await repository.MigrateAsync();
        var database = new IntegrityScaleDatabase(dataSource, repository, schema, size);
        if (await database.ScalarAsync($"SELECT count(*) FROM \"{schema}\".targets") != size
            || await database.ScalarAsync($"SELECT count(*) FROM \"{schema}\".target_history") != (long)size * EntriesPerTarget)
        {
            // Replica mode lets the seeding start over on a half-seeded schema: history's triggers refuse TRUNCATE.
            // CASCADE: outcome_links (0006) refers to targets, and PostgreSQL refuses to truncate a referenced table alone.
            await database.ExecuteAsync($"SET session_replication_role = replica; TRUNCATE \"{schema}\".targets, \"{schema}\".target_history, \"{schema}\".target_stays CASCADE; SET session_replication_role = origin");
            for (var start = 0; start < size; start += SeedChunk)
            {
                var targets = Enumerable.Range(start, Math.Min(SeedChunk, size - start)).Select(Seed).ToArray();
                await using var session = await repository.BeginWriteAsync();
                await session.SaveAsync(new ChangeSet { Inserts = targets, History = [.. targets.SelectMany(History)] });
                await session.CommitAsync();
            }

            await database.ExecuteAsync($"ALTER TABLE \"{schema}\".targets SET (autovacuum_enabled = false); ALTER TABLE \"{schema}\".target_history SET (autovacuum_enabled = false)");
            await database.ExecuteAsync($"VACUUM (ANALYZE) \"{schema}\".targets");
            await database.ExecuteAsync($"VACUUM (ANALYZE) \"{schema}\".target_history");
            await database.ExecuteAsync("CHECKPOINT");
        }

        return database;
    }

    public async ValueTask DisposeAsync() => await DataSource.DisposeAsync();

    private static Target Seed(int i)
    {
        var createdAt = Workload.SeededAt.AddTicks(i * 10L);
        return new Target
        {
            Id = new TargetId(Guid.CreateVersion7(createdAt)),
            Name = $"Target {i:D7}",
            Markets = [i % 2 == 0 ? "Europe" : "Fintech"],
            Status = "Active",
            Version = EntriesPerTarget,
            CreatedAt = createdAt,
            UpdatedAt = createdAt.AddMinutes(2),
            StatusChangedAt = createdAt.AddMinutes(2),
        };
    }

    private static IEnumerable<HistoryEntry> History(Target target)
    {
        HistoryEntry Entry(HistoryAction action, string? from, string? to, long version) => new()
        {
            Id = Guid.CreateVersion7(target.CreatedAt.AddMinutes(version - 1)),
            TargetId = target.Id,
            Action = action,
            OldStatus = from,
            NewStatus = to,
            Version = version,
            OccurredAt = target.CreatedAt.AddMinutes(version - 1),
            ActorId = "seed",
            ActorName = "Seeder",
            CorrelationId = "seed-" + version.ToString(CultureInfo.InvariantCulture),
        };

        yield return Entry(HistoryAction.Created, null, "Cold", 1);
        yield return Entry(HistoryAction.StatusChanged, "Cold", "Hot", 2);
        yield return Entry(HistoryAction.StatusChanged, "Hot", "Active", 3);
    }

    private Task ExecuteAsync(string sql) => DataSource.RunAsync(sql);

    private Task<long> ScalarAsync(string sql) => DataSource.NumberAsync(sql);
}
