using LinqToDB;
using LinqToDB.Data;
using Microsoft.Extensions.Logging;

namespace TargetTracking.Linq2Db;

/// <summary>
/// Brings a database schema up to date. Every pending script runs in one transaction together with its row in the
/// version table, under the dialect's migration lock: a failing script leaves the database as it was (where DDL is
/// transactional; where it is not, as on MariaDB and MySQL, each script is idempotent and its version row is written
/// right after it), no script is applied twice, and host instances starting at once take turns (the later ones find
/// nothing left to do).
/// </summary>
internal sealed partial class MigrationRunner(Func<DataConnection> connect, Linq2DbDialect dialect, IReadOnlyList<Migration> migrations, ILogger logger)
{
    /// <summary>Gets the version the scripts bring a database to.</summary>
    public int LatestVersion => migrations.Count == 0 ? 0 : migrations[^1].Version;

    /// <summary>Reads the versions recorded in the database; empty for a database the store never touched.</summary>
    public async Task<IReadOnlyList<int>> GetAppliedVersionsAsync(CancellationToken cancellationToken = default)
    {
        using var db = connect();
        if (!await dialect.Schema.VersionTableExistsAsync(db, cancellationToken).ConfigureAwait(false))
        {
            return [];
        }

        return await db.QueryToListAsync<int>($"SELECT version FROM {dialect.Schema.VersionTable} ORDER BY version", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Applies every pending migration up to <paramref name="upTo"/> (all when <see langword="null"/>).</summary>
    /// <returns>The versions this call applied, in order.</returns>
    public async Task<IReadOnlyList<int>> MigrateAsync(int? upTo = null, CancellationToken cancellationToken = default)
    {
        using var db = connect();
        var transaction = await db.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var rollback = transaction.ConfigureAwait(false);
        await dialect.Schema.LockMigrationsAsync(db, cancellationToken).ConfigureAwait(false);
        var done = new List<int>();
        try
        {
            await dialect.Schema.PrepareMigrationsAsync(db, cancellationToken).ConfigureAwait(false);
            var applied = (await db.QueryToListAsync<int>($"SELECT version FROM {dialect.Schema.VersionTable}", cancellationToken).ConfigureAwait(false)).ToHashSet();
            ThrowIfNewer(applied);

            foreach (var migration in migrations)
            {
                if (applied.Contains(migration.Version) || migration.Version > (upTo ?? int.MaxValue))
                {
                    continue;
                }

                // Where DDL commits on its own (MariaDB, MySQL), the version row follows its script at once.
                await db.ExecuteAsync(migration.Sql, cancellationToken).ConfigureAwait(false);
                if (migration.Sql.Contains(StaysTable.BackfillMarker, StringComparison.Ordinal))
                {
                    // Derived data the script cannot compute in plain SQL of its own without a second copy of the rules.
                    await db.ExecuteAsync(StaysTable.Backfill(dialect), cancellationToken).ConfigureAwait(false);
                }

                await db.ExecuteAsync(
                    $"INSERT INTO {dialect.Schema.VersionTable} (version, name) VALUES (@version, @name)",
                    cancellationToken,
                    new DataParameter("version", migration.Version, DataType.Int32),
                    new DataParameter("name", migration.Name, DataType.NVarChar)).ConfigureAwait(false);
                done.Add(migration.Version);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await dialect.Schema.UnlockMigrationsAsync(db).ConfigureAwait(false);
        }
        foreach (var version in done)
        {
            LogApplied(logger, migrations.First(m => m.Version == version).Name, dialect.Name);
        }

        return done;
    }

    /// <summary>
    /// Checks the schema when migrations are off: a newer schema is always refused; a schema with missing migrations
    /// is refused where the dialect says so (<see cref="DialectSchema.RefusesStaleSchema"/>).
    /// </summary>
    /// <returns><see langword="true"/> when the schema is current.</returns>
    public async Task<bool> EnsureCurrentAsync(CancellationToken cancellationToken = default)
    {
        var applied = await GetAppliedVersionsAsync(cancellationToken).ConfigureAwait(false);
        ThrowIfNewer([.. applied]);
        var missing = migrations.Where(m => !applied.Contains(m.Version)).Select(m => m.Name).ToList();
        if (missing.Count > 0 && dialect.Schema.RefusesStaleSchema)
        {
            throw new InvalidOperationException(
                $"The {dialect.Name} database is missing TargetTracking schema migrations {string.Join(", ", missing)}. " +
                $"Set {dialect.Schema.MigrationsSetting} to true to apply them when the store starts, or apply them in a deployment step.");
        }

        return missing.Count == 0;
    }

    private void ThrowIfNewer(HashSet<int> applied)
    {
        var newest = applied.Count == 0 ? 0 : applied.Max();
        if (newest > LatestVersion)
        {
            throw new InvalidOperationException(
                $"The {dialect.Name} database schema is at version {newest}, newer than this TargetTracking package knows ({LatestVersion}). Upgrade the package.");
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Applied TargetTracking migration {Migration} to the {Database} store.")]
    private static partial void LogApplied(ILogger logger, string migration, string database);
}
