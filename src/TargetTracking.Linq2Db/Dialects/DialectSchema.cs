using System.Linq.Expressions;
using LinqToDB.Data;
using LinqToDB.Mapping;

namespace TargetTracking.Linq2Db;

/// <summary>A dialect's schema role: the numbered scripts, the version table and its lock, where the tables are, and types.</summary>
internal abstract class DialectSchema
{
    /// <summary>Gets a key that is equal for dialects that map the store to the same tables.</summary>
    public abstract string MappingKey { get; }

    /// <summary>Gets what the database stores differently from the others (the tables are named the same everywhere: <see cref="Tables"/>).</summary>
    public abstract StorageShape Shape { get; }

    /// <summary>Gets the numbered schema scripts, in order.</summary>
    public abstract IReadOnlyList<Migration> Migrations { get; }

    /// <summary>Gets the qualified name of the table that records applied migrations.</summary>
    public abstract string VersionTable { get; }

    /// <summary>
    /// Gets a value indicating whether a store with migrations off refuses to start on a schema with migrations
    /// missing. Where it does not, a deployment step may migrate after the hosts start.
    /// </summary>
    public virtual bool RefusesStaleSchema => true;

    /// <summary>Gets the name of the setting that turns migrations at start-up on, for messages.</summary>
    public abstract string MigrationsSetting { get; }

    /// <summary>Maps an id column where the database stores ids other than as its own uuid type (the shared mapping calls it for every id column).</summary>
    public virtual void MapId<TEntity>(PropertyMappingBuilder<TEntity, Guid> column)
        where TEntity : class
    {
    }

    /// <summary>Maps an id column that may be empty, as the other id columns.</summary>
    public virtual void MapId<TEntity>(PropertyMappingBuilder<TEntity, Guid?> column)
        where TEntity : class
    {
    }

    /// <summary>Maps a time column (the shared mapping calls it for every time column).</summary>
    public abstract void MapTime<TEntity>(PropertyMappingBuilder<TEntity, DateTimeOffset> column)
        where TEntity : class;

    /// <summary>Maps a time column that may be empty, as the other time columns.</summary>
    public abstract void MapTime<TEntity>(PropertyMappingBuilder<TEntity, DateTimeOffset?> column)
        where TEntity : class;

    /// <summary>Maps the targets' markets column where the database has no array of text (JSON text by default).</summary>
    public virtual void MapMarkets(PropertyMappingBuilder<TargetRecord, string[]> column) =>
        column.HasConversion(markets => MarketsJson.Write(markets), json => MarketsJson.Read(json));

    /// <summary>Takes the lock that makes concurrent migrators queue, inside the migration transaction.</summary>
    public abstract Task LockMigrationsAsync(DataConnection db, CancellationToken cancellationToken);

    /// <summary>
    /// Releases the migration lock when the run ends, committed or not, where the lock outlives the transaction (a
    /// session lock, such as MariaDB's <c>GET_LOCK</c>, would otherwise stay with the pooled connection). Must not throw.
    /// </summary>
    public virtual Task UnlockMigrationsAsync(DataConnection db) => Task.CompletedTask;

    /// <summary>Creates the version table when missing and prepares the connection for scripts (inside the migration transaction).</summary>
    public abstract Task PrepareMigrationsAsync(DataConnection db, CancellationToken cancellationToken);

    /// <summary>Tells whether the version table exists (outside any transaction).</summary>
    public abstract Task<bool> VersionTableExistsAsync(DataConnection db, CancellationToken cancellationToken);

    /// <summary>
    /// Gets a filter: the target row holds a value the mapping cannot read (an id that is not a GUID, markets that are
    /// not a JSON array of text). Nothing where the column types prevent it (the default).
    /// </summary>
    public virtual Expression<Func<TargetRecord, bool>> MalformedTarget => t => false;

    /// <summary>
    /// Gets a filter: the history row holds an id or target id the mapping cannot read. Nothing where the column types
    /// prevent it (the default). Unknown actions are found by the shared store, on every database.
    /// </summary>
    public virtual Expression<Func<HistoryRecord, bool>> MalformedHistory => h => false;
}
