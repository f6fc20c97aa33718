// How the data file was made: see UpgradeConformance in TargetTracking.Conformance (TargetTracking 0.1 at commit
// ca0a283, a fixed clock). Data/v0.1.sql is a pg_dump of the schema the Dapper PostgreSQL store of that commit wrote:
//   - a throwaway PostgreSQL 15 cluster (initdb, UTF8, no locale), a new database, and
//     PostgreSqlDialect.CreateStore(dataSource, new PostgreSqlStoreOptions { Schema = "targettracking_v01" }), whose
//     migrations 1 to 3 created the schema;
//   - after the last step: pg_dump --schema=targettracking_v01 --no-owner --no-privileges (plain format: COPY blocks,
//     psql's \restrict and \unrestrict lines), unedited.

using System.Text;
using Npgsql;
using TargetTracking.Conformance;

namespace TargetTracking.PostgreSql.Tests;

/// <summary>Restores Data/v0.1.sql, the data set TargetTracking 0.1 wrote, for <see cref="UpgradeTests"/>.</summary>
public sealed partial class PostgreSqlFixture : IUpgradeFixture
{
    /// <summary>The schema name in the dump; every restore renames it to a new one.</summary>
    private const string DumpSchema = "targettracking_v01";

    public UpgradeIds UpgradeIds { get; } = new(
        Acme: "019593fb-47f5-7fb5-b263-2b18fbcd32d7",
        Societe: "019593fc-3255-7fb0-bd97-ee6d2ef8d1d8",
        Emoji: "019593fd-1cb5-7c49-aebf-c46254290191",
        Zeta: "019593fe-0715-7450-bb77-e8ada52a6699",
        Beta: "019593fe-0715-77ef-a46b-537a6cd1cc9d",
        Gamma: "019593fe-f175-79a2-a930-122eb7ec7a92",
        Omega: "019593ff-dbd5-7897-8060-82a287863c61",
        EmojiCorrelationId: "019593fd1cb5710b96212adb954affa1",
        History:
        [
            // In the order of the steps that wrote them, as UpgradeConformance's expected entries take them.
            "019593fb-47f5-7071-bb6f-4e43216770fb",
            "019593fc-3255-7aa0-aa4c-ab445a8ef6e8",
            "019593fd-1cb5-7692-9ff2-0a31c0be0161",
            "019593fe-0715-7667-947d-383505fec8d8",
            "019593fe-0715-76f6-a8d3-0b150e2f55e4",
            "019593fe-f175-79b7-a310-f6a648f820f7",
            "019593ff-dbd5-73d4-98cd-b55f5b70130d",
            "01959400-c635-7356-affa-a7d406beefd3",
            "01959401-b095-704b-9873-ce8d4c095842",
            "01959402-9af5-7bdd-981d-40c898054689",
            "01959403-8555-7a83-89c9-6c986ba4cb11",
            "01959404-6fb5-7250-9291-e971eb04b058",
            "01959405-5a15-7687-880a-66a8deaa8d65",
            "01959407-2ed5-7cdf-8ff4-ee56e69bc9fb",
            "01959408-1935-732b-92f5-305ca055daa0",
        ]);

    /// <summary>Restores the dump into a new schema and opens it with today's store (its migrations on, as by default).</summary>
    public async Task<RestoredStore> OpenRestoredAsync()
    {
        var schema = await RestoreV01Async();
        var repository = PostgreSqlDialect.CreateStore(DataSource, new PostgreSqlStoreOptions { Schema = schema });
        await repository.InitializeAsync();
        return new RestoredStore(repository, repository, ConnectionString, schema);
    }

    /// <summary>
    /// Restores the 0.1 dump into a new schema and returns its name, as psql would: plain statements as they are (the
    /// dump's <c>SET</c>s and <c>search_path</c> stay on this connection, which is not pooled), COPY blocks through COPY
    /// FROM STDIN, psql's backslash commands skipped.
    /// </summary>
    public async Task<string> RestoreV01Async()
    {
        var schema = NewSchema();
        var dump = (await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Data", "v0.1.sql"))).Replace(DumpSchema, schema, StringComparison.Ordinal);
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        var statements = new StringBuilder();
        using var reader = new StringReader(dump);
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("COPY ", StringComparison.Ordinal) && line.EndsWith(" FROM stdin;", StringComparison.Ordinal))
            {
                await ExecuteAsync(connection, statements);
                await using var copy = await connection.BeginTextImportAsync(line[..^1]);
                while (await reader.ReadLineAsync() is { } row && row != "\\.")
                {
                    await copy.WriteAsync(row + "\n");
                }
            }
            else if (!line.StartsWith('\\'))
            {
                statements.Append(line).Append('\n');
            }
        }

        await ExecuteAsync(connection, statements);
        return schema;

        static async Task ExecuteAsync(NpgsqlConnection connection, StringBuilder statements)
        {
            await using var command = new NpgsqlCommand(statements.ToString(), connection);
            await command.ExecuteNonQueryAsync();
            statements.Clear();
        }
    }
}

/// <summary>
/// A schema written by TargetTracking 0.1 keeps working after the upgrade to the linq2db store
/// (<see cref="UpgradeConformance{TFixture}"/>); here, what only PostgreSQL has: the 0.1 schema version table, and the
/// schema's own triggers (renamed with their table by migration 0010).
/// </summary>
public sealed class UpgradeTests(PostgreSqlFixture fixture) : UpgradeConformance<PostgreSqlFixture>(fixture)
{
    /// <summary>The old schema's triggers refuse UPDATE, DELETE and TRUNCATE on the history (target_history since 0010), and no row went.</summary>
    protected override async Task AssertHistoryStillGuardedAsync(RestoredStore store, long historyRows)
    {
        var schema = store.Schema!;
        foreach (var sql in new[]
        {
            $"UPDATE \"{schema}\".target_history SET actor_name = 'rewritten'",
            $"DELETE FROM \"{schema}\".target_history",
            $"TRUNCATE \"{schema}\".target_history",
        })
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(Fixture.DataSource, sql));
            Assert.Equal(PostgresErrorCodes.RestrictViolation, error.SqlState);
            Assert.Contains("append-only", error.MessageText, StringComparison.Ordinal);
        }

        Assert.Equal(historyRows, await Db.CountAsync(Fixture.DataSource, schema, "target_history"));
    }

    [Fact]
    public async Task OldSchema_KeepsItsVersions_OnlyLaterMigrationsAreApplied()
    {
        var schema = await Fixture.RestoreV01Async();
        var repository = PostgreSqlDialect.CreateStore(Fixture.DataSource, new PostgreSqlStoreOptions { Schema = schema });
        var later = PostgreSqlSchema.EmbeddedMigrations.Where(m => m.Version > 3).Select(m => m.Name).ToList();

        // 0.1 kept its versions in schema_version; the store renames that table before it reads it (every database calls
        // it target_tracking_migrations), and keeps its rows.
        var versions = $"SELECT string_agg(version || ' ' || name || ' ' || applied_at, ', ' ORDER BY version) FROM \"{schema}\".";
        var old = await Db.ScalarAsync<string>(Fixture.DataSource, versions + "schema_version");
        Assert.StartsWith("1 0001_targets_and_history ", old, StringComparison.Ordinal);
        Assert.Equal(later.Count, await repository.MigrateAsync());
        Assert.Equal(0, await repository.MigrateAsync());
        Assert.Equal(PostgreSqlSchema.EmbeddedMigrations[^1].Version, await repository.GetSchemaVersionAsync());
        Assert.StartsWith(old + ", 4 ", await Db.ScalarAsync<string>(Fixture.DataSource, versions + "target_tracking_migrations"), StringComparison.Ordinal);
        Assert.False(await Db.ScalarAsync<bool>(Fixture.DataSource, "SELECT to_regclass($1) IS NOT NULL", $"\"{schema}\".schema_version"));
        var names = await Db.ScalarAsync<string[]>(Fixture.DataSource, $"SELECT array_agg(name ORDER BY version) FROM \"{schema}\".target_tracking_migrations");
        Assert.Equal(["0001_targets_and_history", "0002_history_append_only", "0003_operations", .. later], names);

        // With migrations off the store starts on it too.
        var unmigrated = PostgreSqlDialect.CreateStore(Fixture.DataSource, new PostgreSqlStoreOptions { Schema = schema, ApplyMigrations = false });
        await unmigrated.InitializeAsync();
        Assert.Equal(6, (await unmigrated.QueryAsync(new TargetQuery())).TotalCount);
    }
}
