using System.Globalization;
using Dapper;

namespace TargetTracking.Sqlite;

/// <summary>One numbered schema change: a plain SQL file embedded in the package.</summary>
/// <param name="Version">The schema version the script brings the database to.</param>
/// <param name="Name">The file name, recorded with the version.</param>
/// <param name="Sql">The script.</param>
internal sealed record SqliteMigration(int Version, string Name, string Sql);

/// <summary>
/// Brings a database schema up to date. Every pending script runs in one <c>BEGIN IMMEDIATE</c> transaction
/// together with its row in the version table: a failing script leaves the database as it was, no script is
/// applied twice, and two processes starting at once take turns (the second finds nothing left to do).
/// </summary>
internal sealed class SqliteMigrator(SqliteDatabase database, IReadOnlyList<SqliteMigration> migrations)
{
    private const string ResourcePrefix = "TargetTracking.Sqlite.Migrations.";

    private const string CreateVersionTable = """
        CREATE TABLE IF NOT EXISTS target_tracking_migrations (
            version    INTEGER NOT NULL PRIMARY KEY,
            name       TEXT    NOT NULL,
            applied_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        ) STRICT;
        """;

    public SqliteMigrator(SqliteDatabase database)
        : this(database, Embedded.Value)
    {
    }

    /// <summary>Gets the migrations shipped in this assembly, in version order.</summary>
    public static Lazy<IReadOnlyList<SqliteMigration>> Embedded { get; } = new(LoadEmbedded);

    /// <summary>Gets the version the migrations bring a database to.</summary>
    public int LatestVersion => migrations.Count == 0 ? 0 : migrations[^1].Version;

    /// <summary>Applies every pending migration up to <paramref name="upTo"/> (all when <see langword="null"/>).</summary>
    /// <returns>The versions applied by this call, in order.</returns>
    public async Task<IReadOnlyList<int>> MigrateAsync(int? upTo = null, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // BEGIN IMMEDIATE takes the write lock first: a second starter waits here, then sees the versions applied.
            var transaction = connection.BeginTransaction(deferred: false);
            await using (transaction.ConfigureAwait(false))
            {
                await connection.ExecuteAsync(new CommandDefinition(CreateVersionTable, transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                var applied = (await connection.QueryAsync<long>(
                    new CommandDefinition("SELECT version FROM target_tracking_migrations", transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToHashSet();
                ThrowIfNewer(applied);

                var done = new List<int>();
                foreach (var migration in migrations)
                {
                    if (applied.Contains(migration.Version) || migration.Version > (upTo ?? int.MaxValue))
                    {
                        continue;
                    }

                    await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
                    await connection.ExecuteAsync(new CommandDefinition(
                        "INSERT INTO target_tracking_migrations (version, name) VALUES (@Version, @Name)",
                        new { migration.Version, migration.Name },
                        transaction,
                        cancellationToken: cancellationToken)).ConfigureAwait(false);
                    done.Add(migration.Version);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return done;
            }
        }
    }

    /// <summary>Reads the versions recorded in the database; empty for a database the store never touched.</summary>
    public async Task<IReadOnlyList<int>> GetAppliedVersionsAsync(CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'target_tracking_migrations'",
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (exists == 0)
            {
                return [];
            }

            var versions = await connection.QueryAsync<int>(new CommandDefinition(
                "SELECT version FROM target_tracking_migrations ORDER BY version", cancellationToken: cancellationToken)).ConfigureAwait(false);
            return [.. versions];
        }
    }

    /// <summary>Refuses a database whose schema is not the one this package writes (for <see cref="SqliteStoreOptions.ApplyMigrations"/> off).</summary>
    public async Task EnsureCurrentAsync(CancellationToken cancellationToken = default)
    {
        var applied = await GetAppliedVersionsAsync(cancellationToken).ConfigureAwait(false);
        ThrowIfNewer([.. applied.Select(v => (long)v)]);
        var missing = migrations.Where(m => !applied.Contains(m.Version)).Select(m => m.Name).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The SQLite database is missing schema migrations {string.Join(", ", missing)}. " +
                "Set SqliteStoreOptions.ApplyMigrations to true to apply them when the store starts.");
        }
    }

    private void ThrowIfNewer(HashSet<long> applied)
    {
        var newest = applied.Count == 0 ? 0 : applied.Max();
        if (newest > LatestVersion)
        {
            throw new InvalidOperationException(
                $"The SQLite database schema is at version {newest}, newer than this TargetTracking.Sqlite package knows ({LatestVersion}). Upgrade the package.");
        }
    }

    private static IReadOnlyList<SqliteMigration> LoadEmbedded()
    {
        var assembly = typeof(SqliteMigrator).Assembly;
        var list = new List<SqliteMigration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var name = resource[ResourcePrefix.Length..];
            var version = int.Parse(name.AsSpan(0, name.IndexOf('_', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            list.Add(new SqliteMigration(version, name, reader.ReadToEnd()));
        }

        list.Sort((a, b) => a.Version.CompareTo(b.Version));
        return list;
    }
}
