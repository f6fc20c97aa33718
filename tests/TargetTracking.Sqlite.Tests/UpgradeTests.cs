// How the data file was made: see UpgradeConformance in TargetTracking.Conformance (TargetTracking 0.1 at commit
// ca0a283, a fixed clock). Data/v0.1.db is what the Dapper SQLite store of that commit wrote, opened as
// SqliteDialect.CreateStore(new SqliteStoreOptions { ConnectionString = "Data Source=v0.1.db" }). After the last step
// the store was disposed and the WAL checkpointed (PRAGMA wal_checkpoint(TRUNCATE)): the file alone is the database
// (journal mode WAL, schema versions 1 to 3). Among what the 0.1 writer chose: times as UTC ticks, ids as lower-case
// text, markets as a JSON array with characters outside the BMP escaped ("\uD83C\uDF0D Global"), migration names
// recorded with their ".sql" suffix.

using System.Globalization;
using Microsoft.Data.Sqlite;
using TargetTracking.Conformance;

namespace TargetTracking.Sqlite.Tests;

/// <summary>Opens a copy of Data/v0.1.db, the data set TargetTracking 0.1 wrote, for <see cref="UpgradeTests"/>.</summary>
public sealed partial class SqliteFileFixture : IUpgradeFixture
{
    public UpgradeIds UpgradeIds { get; } = new(
        Acme: "019593fb-47f5-70d2-b174-c3aaaa46e463",
        Societe: "019593fc-3255-72f6-8201-d7d278122093",
        Emoji: "019593fd-1cb5-7632-8852-ad7cd5fdca3c",
        Zeta: "019593fe-0715-73f0-9814-2c01fea8fd37",
        Beta: "019593fe-0715-761c-b7dd-50e36fdc49fd",
        Gamma: "019593fe-f175-7370-bbef-65c7787069ca",
        Omega: "019593ff-dbd5-7588-828c-82e3ff1445fc",
        EmojiCorrelationId: "019593fd1cb572fe92f2c90034aca4c6",
        History:
        [
            // In the order of the steps that wrote them, as UpgradeConformance's expected entries take them.
            "019593fb-47f5-7cdf-ba13-9ea1082c1e70",
            "019593fc-3255-73e7-9e22-a7624eab6b21",
            "019593fd-1cb5-7154-85c5-a28118230462",
            "019593fe-0715-76a6-9a86-5af54051990b",
            "019593fe-0715-72df-afd4-8d4405325564",
            "019593fe-f175-7329-b345-8ff409f12a6e",
            "019593ff-dbd5-7294-ad51-3a8f56a55582",
            "01959400-c635-7e96-ae44-48d365d34c15",
            "01959401-b095-76da-b715-c848cd5455bb",
            "01959402-9af5-70be-b25b-b92eb38af53e",
            "01959403-8555-7b1e-8d44-fe4f7dcd2da5",
            "01959404-6fb5-78a8-8195-e7717858e49e",
            "01959405-5a15-79a6-8903-15c2c2124f58",
            "01959407-2ed5-7350-9884-e4214e36a2ce",
            "01959408-1935-7a03-b724-af9e9d3080a5",
        ]);

    public Task<RestoredStore> OpenRestoredAsync() => OpenV01CopyAsync();

    /// <summary>Copies Data/v0.1.db to a temporary file of its own and opens it with today's store.</summary>
    public async Task<RestoredStore> OpenV01CopyAsync(bool applyMigrations = true)
    {
        var path = Path.Combine(Directory, $"v0.1-{Guid.NewGuid():N}.db");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Data", "v0.1.db"), path);
        var connectionString = $"Data Source={path}";
        var repository = await CreateAsync(new SqliteStoreOptions { ConnectionString = connectionString, ApplyMigrations = applyMigrations });
        return new RestoredStore(repository, repository, connectionString);
    }
}

/// <summary>
/// A database written by TargetTracking 0.1 keeps working after the upgrade to the linq2db store
/// (<see cref="UpgradeConformance{TFixture}"/>); here, what only SQLite has: the 0.1 migration table, and the file's
/// own triggers.
/// </summary>
public sealed class UpgradeTests(SqliteFileFixture fixture) : UpgradeConformance<SqliteFileFixture>(fixture)
{
    private static async Task<List<string>> ScalarsAsync(string connectionString, string sql)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetValue(0).ToString()!);
        }

        return values;
    }

    /// <summary>The old file's triggers refuse UPDATE and DELETE on the history, and no row went.</summary>
    protected override async Task AssertHistoryStillGuardedAsync(RestoredStore store, long historyRows)
    {
        await using var connection = new SqliteConnection(store.ConnectionString);
        await connection.OpenAsync();
        await using var update = connection.CreateCommand();
        update.CommandText = "UPDATE target_history SET actor_name = 'rewritten'";
        Assert.Matches("append-only|no such function: targettracking_history_purge_permit", (await Assert.ThrowsAsync<SqliteException>(() => update.ExecuteNonQueryAsync())).Message);
        await using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM target_history";
        // A plain client has no purge permit function: its DELETE cannot even run (migration 0004).
        Assert.Matches("append-only|no such function: targettracking_history_purge_permit", (await Assert.ThrowsAsync<SqliteException>(() => delete.ExecuteNonQueryAsync())).Message);

        Assert.Equal([historyRows.ToString(CultureInfo.InvariantCulture)], await ScalarsAsync(store.ConnectionString, "SELECT count(*) FROM target_history"));
    }

    [Fact]
    public async Task OldFile_KeepsItsVersions_OnlyLaterMigrationsAreApplied()
    {
        // With migrations off the store refuses a schema missing a migration: the 0.1 version table satisfies 1 to 3,
        // so only the migrations after 0.1 are named.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Fixture.OpenV01CopyAsync(applyMigrations: false));
        var missing = SqliteSchema.EmbeddedMigrations.Where(m => m.Version > 3).Select(m => m.Name).ToList();
        Assert.Contains($"missing TargetTracking schema migrations {string.Join(", ", missing)}.", error.Message, StringComparison.Ordinal);

        var migrated = await Fixture.OpenV01CopyAsync();
        Assert.Equal(6, (await migrated.Repository.QueryAsync(new TargetQuery())).TotalCount);
        Assert.Equal(
            ["0001_tables.sql", "0002_indexes_and_history_guards.sql", "0003_operations.sql", .. missing],
            await ScalarsAsync(migrated.ConnectionString, "SELECT name FROM target_tracking_migrations ORDER BY version"));
    }
}
