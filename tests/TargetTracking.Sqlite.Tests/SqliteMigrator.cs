using TargetTracking.Linq2Db;

namespace TargetTracking.Sqlite.Tests;

/// <summary>The shared migration runner on one SQLite database, with the SQLite dialect's scripts or given ones.</summary>
internal sealed class SqliteMigrator(SqliteDatabase database, IReadOnlyList<Migration>? migrations = null)
{
    public static Lazy<IReadOnlyList<Migration>> Embedded { get; } = new(() => SqliteSchema.EmbeddedMigrations);

    private MigrationRunner Runner { get; } =
        new Linq2DbTargetStore(SqliteDialect.Options(database.ConnectionString, TimeSpan.FromSeconds(5)), SqliteDialect.Create(), true, null, null, migrations).Migrations;

    public Task<IReadOnlyList<int>> MigrateAsync(int? upTo = null) => Runner.MigrateAsync(upTo);

    public Task<IReadOnlyList<int>> GetAppliedVersionsAsync() => Runner.GetAppliedVersionsAsync();
}
