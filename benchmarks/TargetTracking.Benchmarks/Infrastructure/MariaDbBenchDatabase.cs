using MySqlConnector;
using TargetTracking.MySql;
using TargetTracking.MySql.Tests;

namespace TargetTracking.Benchmarks.Infrastructure;

/// <summary>
/// A database of this benchmark process on the run's throwaway MariaDB server (<see cref="MariaDbServer"/>, the one the
/// MariaDB tests start): the TargetTracking schema, migrated by the store itself, holding the
/// <see cref="Workload.TableSize"/> seeded targets and no history.
/// </summary>
internal sealed class MariaDbBenchDatabase : IAsyncDisposable
{
    private MariaDbBenchDatabase(MySqlDataSource dataSource, Linq2DbTargetStore repository, Workload workload)
    {
        DataSource = dataSource;
        Repository = repository;
        Workload = workload;
    }

    public MySqlDataSource DataSource { get; }

    public Linq2DbTargetStore Repository { get; }

    public Workload Workload { get; }

    public static async Task<MariaDbBenchDatabase> CreateAsync()
    {
        var dataSource = new MySqlDataSource(await MariaDbServer.CreateDatabaseAsync());
        var repository = MySqlDialect.CreateStore(dataSource);
        await repository.MigrateAsync();
        var workload = Workload.Create();

        // Seeded through the store's own write session: rows exactly as the adapter stores them.
        await using (var session = await repository.BeginWriteAsync())
        {
            await session.SaveAsync(new ChangeSet { Inserts = [.. workload.Targets] });
            await session.CommitAsync();
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var analyze = new MySqlCommand("ANALYZE TABLE targets, target_markets", connection);
        await analyze.ExecuteNonQueryAsync();
        return new MariaDbBenchDatabase(dataSource, repository, workload);
    }

    /// <summary>
    /// Puts every changed target back to its seeded state (status, version 1, timestamps) with one set-based update
    /// and empties the history and the stays derived from it (as seeded: none), so every iteration starts from the
    /// same state; stays left behind would grow the table the store's stays refresh reads. History is append-only (its
    /// triggers refuse DELETE, a foreign key refuses TRUNCATE); the administrator turns the foreign key checks off for
    /// this reset only.
    /// </summary>
    public void Reset()
    {
        using var connection = DataSource.OpenConnection();
        using var reset = new MySqlCommand(
            """
            UPDATE targets SET status = @status, version = 1, updated_at = created_at, status_changed_at = created_at WHERE version <> 1;
            SET SESSION foreign_key_checks = 0;
            TRUNCATE TABLE target_history;
            TRUNCATE TABLE target_stays;
            SET SESSION foreign_key_checks = 1;
            """,
            connection);
        reset.Parameters.AddWithValue("@status", Workload.FromStatus);
        reset.CommandTimeout = 600;
        reset.ExecuteNonQuery();
    }

    public async ValueTask DisposeAsync() => await DataSource.DisposeAsync();
}
