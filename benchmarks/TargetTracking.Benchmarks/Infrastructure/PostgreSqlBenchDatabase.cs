using Npgsql;
using TargetTracking.PostgreSql;
using TargetTracking.PostgreSql.Tests;

namespace TargetTracking.Benchmarks.Infrastructure;

/// <summary>
/// A database of this benchmark process on the run's throwaway cluster (<see cref="PostgreSqlServer"/>, the one the
/// PostgreSQL tests start): the TargetTracking schema, migrated by the store itself, holding the
/// <see cref="Workload.TableSize"/> seeded targets and no history.
/// </summary>
internal sealed class PostgreSqlBenchDatabase : IAsyncDisposable
{
    public const string Schema = PostgreSqlStoreOptions.DefaultSchema;
    public const string Targets = $"\"{Schema}\".targets";
    public const string History = $"\"{Schema}\".target_history";
    public const string Stays = $"\"{Schema}\".target_stays";

    private PostgreSqlBenchDatabase(NpgsqlDataSource dataSource, Linq2DbTargetStore repository, Workload workload)
    {
        DataSource = dataSource;
        Repository = repository;
        Workload = workload;
    }

    public NpgsqlDataSource DataSource { get; }

    public Linq2DbTargetStore Repository { get; }

    public Workload Workload { get; }

    /// <param name="maxAutoPrepare">Npgsql's <c>Max Auto Prepare</c> for every connection of the data source (0: nothing prepared, Npgsql's default).</param>
    public static async Task<PostgreSqlBenchDatabase> CreateAsync(int maxAutoPrepare = 0)
    {
        var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(await PostgreSqlServer.GetConnectionStringAsync()) { MaxAutoPrepare = maxAutoPrepare }.ConnectionString);
        var repository = PostgreSqlDialect.CreateStore(dataSource, new PostgreSqlStoreOptions { Schema = Schema });
        await repository.MigrateAsync();
        var workload = Workload.Create();

        // Seeded through the store's own write session: rows exactly as the adapter stores them.
        await using (var session = await repository.BeginWriteAsync())
        {
            await session.SaveAsync(new ChangeSet { Inserts = [.. workload.Targets] });
            await session.CommitAsync();
        }

        await using var connection = await dataSource.OpenConnectionAsync();

        // Each reset vacuums; autovacuum starting in the middle of a measurement would only add noise.
        await using var tune = new NpgsqlCommand(
            $"ALTER TABLE {Targets} SET (autovacuum_enabled = false); ALTER TABLE {History} SET (autovacuum_enabled = false)", connection);
        await tune.ExecuteNonQueryAsync();
        await using var vacuum = new NpgsqlCommand($"VACUUM (ANALYZE) {Targets}", connection);
        await vacuum.ExecuteNonQueryAsync();
        return new PostgreSqlBenchDatabase(dataSource, repository, workload);
    }

    /// <summary>
    /// Puts every changed target back to its seeded state (status, version 1, timestamps) with one set-based
    /// update, empties the history and the stays derived from it (as seeded: none), and vacuums, so every iteration
    /// starts from the same state. History is append-only (its triggers refuse TRUNCATE); replica mode skips the
    /// triggers for this reset only.
    /// </summary>
    public void Reset()
    {
        using var connection = DataSource.OpenConnection();
        using (var transaction = connection.BeginTransaction())
        {
            using var reset = new NpgsqlCommand(
                $"""
                SET LOCAL session_replication_role = replica;
                UPDATE {Targets} SET status = @status, version = 1, updated_at = created_at, status_changed_at = created_at WHERE version <> 1;
                TRUNCATE {History}, "{Schema}".target_stays;
                """,
                connection,
                transaction);
            reset.Parameters.Add(new NpgsqlParameter<string>("status", Workload.FromStatus));
            reset.ExecuteNonQuery();
            transaction.Commit();
        }

        // One statement per command: VACUUM refuses to run in the implicit transaction of a multi-statement batch.
        using var vacuum = new NpgsqlCommand($"VACUUM {Targets}", connection);
        vacuum.ExecuteNonQuery();
        using var checkpoint = new NpgsqlCommand("CHECKPOINT", connection);
        checkpoint.ExecuteNonQuery();
    }

    public async ValueTask DisposeAsync() => await DataSource.DisposeAsync();
}
