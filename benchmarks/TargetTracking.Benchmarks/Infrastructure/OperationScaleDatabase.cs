using System.Globalization;
using Npgsql;
using TargetTracking.PostgreSql;
using TargetTracking.PostgreSql.Tests;

namespace TargetTracking.Benchmarks.Infrastructure;

/// <summary>
/// A schema holding <c>size</c> Cold targets for the tracked-operation benchmarks (one schema per size, seeded once
/// through the store's own write session), and the reset that puts it back between iterations.
/// </summary>
internal sealed class OperationScaleDatabase : IAsyncDisposable
{
    private const int SeedChunk = 50_000;

    private OperationScaleDatabase(NpgsqlDataSource dataSource, Linq2DbTargetStore repository, string schema, int size)
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

    public static async Task<OperationScaleDatabase> CreateAsync(int size)
    {
        var dataSource = NpgsqlDataSource.Create(await PostgreSqlServer.GetConnectionStringAsync());
        var schema = "ops_" + size.ToString(CultureInfo.InvariantCulture);
        var repository = PostgreSqlDialect.CreateStore(dataSource, new PostgreSqlStoreOptions { Schema = schema });
        await repository.MigrateAsync();
        var database = new OperationScaleDatabase(dataSource, repository, schema, size);
        if ((await database.ScalarAsync($"SELECT count(*) FROM \"{schema}\".targets")) != size)
        {
            // CASCADE: outcome_links (0006) refers to targets, and PostgreSQL refuses to truncate a referenced table alone.
            await database.ExecuteAsync($"SET session_replication_role = replica; TRUNCATE \"{schema}\".targets, \"{schema}\".target_history, \"{schema}\".target_stays CASCADE; SET session_replication_role = origin");
            for (var start = 0; start < size; start += SeedChunk)
            {
                var chunk = Enumerable.Range(start, Math.Min(SeedChunk, size - start)).Select(Seed).ToArray();
                await using var session = await repository.BeginWriteAsync();
                await session.SaveAsync(new ChangeSet { Inserts = chunk });
                await session.CommitAsync();
            }

            await database.ExecuteAsync($"ALTER TABLE \"{schema}\".targets SET (autovacuum_enabled = false); ALTER TABLE \"{schema}\".target_history SET (autovacuum_enabled = false)");
            await database.ExecuteAsync($"VACUUM (ANALYZE) \"{schema}\".targets");
        }

        return database;
    }

    /// <summary>
    /// Every target back to Cold at version 1, no history, no operations, and no stays (derived from the history, they
    /// go with it); vacuumed and checkpointed.
    /// </summary>
    public void Reset()
    {
        using var connection = DataSource.OpenConnection();
        using (var transaction = connection.BeginTransaction())
        {
            using var reset = new NpgsqlCommand(
                $"""
                SET LOCAL session_replication_role = replica;
                UPDATE "{Schema}".targets SET status = 'Cold', version = 1, updated_at = created_at, status_changed_at = created_at WHERE version <> 1;
                TRUNCATE "{Schema}".target_history, "{Schema}".target_stays, "{Schema}".target_operation_failures, "{Schema}".target_operation_items, "{Schema}".target_operations;
                """,
                connection,
                transaction);
            reset.CommandTimeout = 600;
            reset.ExecuteNonQuery();
            transaction.Commit();
        }

        foreach (var sql in new[] { $"VACUUM \"{Schema}\".targets", "CHECKPOINT" })
        {
            using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
            command.ExecuteNonQuery();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
    }

    private static Target Seed(int i)
    {
        var createdAt = Workload.SeededAt.AddTicks(i * 10L);
        return new Target
        {
            Id = new TargetId(Guid.CreateVersion7(createdAt)),
            Name = $"Target {i:D7}",
            Markets = [i % 2 == 0 ? "Europe" : "Fintech"],
            Status = "Cold",
            Version = 1,
            CreatedAt = createdAt,
            UpdatedAt = createdAt,
            StatusChangedAt = createdAt,
        };
    }

    private Task ExecuteAsync(string sql) => DataSource.RunAsync(sql, timeoutSeconds: 600);

    private Task<long> ScalarAsync(string sql) => DataSource.NumberAsync(sql, timeoutSeconds: 30);
}
