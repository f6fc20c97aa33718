using LinqToDB;
using Microsoft.Extensions.DependencyInjection;
using TargetTracking.Linq2Db;

namespace TargetTracking.Conformance;

/// <summary>
/// What a linq2db dialect's test project supplies to run the suites that start from nothing: new empty databases that
/// stores migrate, several hosts share and a host registers the store on.
/// </summary>
public interface ILinq2DbDatabaseFixture : ILinq2DbStoreFixture
{
    /// <summary>
    /// Gets the names of the dialect's migrations as databases record them, in order, written out: a shipped name that
    /// changed would make a database of the old package run that migration again.
    /// </summary>
    IReadOnlyList<string> ShippedMigrationNames { get; }

    /// <summary>Creates a new database with nothing in it yet: a MariaDB database, a PostgreSQL schema, a SQLite file.</summary>
    Task<Linq2DbTestDatabase> CreateEmptyDatabaseAsync();
}

/// <summary>
/// A new database with nothing in it yet, and the ways to reach it: stores built as a host builds them, the host's own
/// linq2db options and dialect, the store package's own registration, and what only the database itself can tell
/// (its schema, its migration lock). The fixture disposes what the database's stores and connections leave behind.
/// </summary>
public abstract class Linq2DbTestDatabase
{
    /// <summary>Gets how a host connects to the database with linq2db.</summary>
    public abstract DataOptions Host { get; }

    /// <summary>Gets the dialect of this database, as a host passes it to <c>UseLinq2Db</c> with <see cref="Host"/>.</summary>
    public abstract Linq2DbDialect Dialect { get; }

    /// <summary>Builds a store on the database as a host would, neither initialized nor migrated.</summary>
    /// <param name="applyMigrations">Whether the store migrates when it initializes.</param>
    /// <param name="ownConnections">Whether the store gets a connection pool of its own, as a separate host instance has.</param>
    /// <returns>The store.</returns>
    public abstract Linq2DbTargetStore CreateStore(bool applyMigrations = true, bool ownConnections = false);

    /// <summary>Registers the store on this database the package's own way: <c>UseSqlite</c>, <c>UsePostgreSql</c> or <c>UseMySql</c> with a connection string.</summary>
    /// <param name="builder">The host's TargetTracking registration.</param>
    public abstract void UseTheDatabase(TargetTrackingBuilder builder);

    /// <summary>Describes everything a migration can change (tables, columns, indexes, constraints, triggers, recorded versions) as text to compare.</summary>
    /// <returns>The description.</returns>
    public abstract Task<string> DescribeSchemaAsync();

    /// <summary>Lists the store's tables that have a <c>tenant_id</c> column, from the database's own catalog.</summary>
    /// <returns>The table names, unqualified.</returns>
    public abstract Task<IReadOnlyList<string>> TenantTablesAsync();

    /// <summary>Tells whether anyone holds this database's migration lock now.</summary>
    /// <returns><see langword="true"/> while a migrator holds it.</returns>
    public abstract Task<bool> MigrationLockHeldAsync();

    /// <summary>Runs a query as the host and returns its first value; <see cref="Qualify"/> names the store's tables.</summary>
    public Task<T> ScalarAsync<T>(string sql) => HostSql.ScalarAsync<T>(Host, sql);

    /// <summary>Runs a query as the host and returns its first column.</summary>
    public Task<List<T>> ListAsync<T>(string sql) => HostSql.ListAsync<T>(Host, sql);

    /// <summary>Counts the rows of one of the store's tables.</summary>
    public Task<long> CountAsync(string table) => ScalarAsync<long>($"SELECT COUNT(*) FROM {Qualify(table)}");

    /// <summary>Gets the name of the table that records applied migrations, as raw SQL on this database refers to it.</summary>
    public string VersionTable => Dialect.Schema.VersionTable;

    /// <summary>Gets a table's name as raw SQL on this database refers to it.</summary>
    public string Qualify(string table) => Dialect.Sql.Qualify(table);
}
