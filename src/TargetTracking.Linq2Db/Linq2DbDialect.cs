using System.Data.Common;
using System.Linq.Expressions;
using LinqToDB;
using LinqToDB.Data;
using LinqToDB.Mapping;

namespace TargetTracking.Linq2Db;

/// <summary>
/// What differs between databases on the linq2db store, and nothing else: schema and migration SQL, table names
/// and type mapping, how markets are stored, lock syntax, error classification, and the fastest bulk statements.
/// Every read, the write session and the migration runner are shared (<see cref="Linq2DbTargetStore"/>).
/// Dialects ship in the store packages: <c>TargetTracking.PostgreSql</c> (<c>PostgreSqlDialect</c>),
/// <c>TargetTracking.Sqlite</c> (<c>SqliteDialect</c>) and <c>TargetTracking.MySql</c> (<c>MySqlDialect</c>).
/// </summary>
public abstract class Linq2DbDialect
{
    /// <summary>Initializes a new instance; dialects live in the TargetTracking store packages.</summary>
    internal Linq2DbDialect()
    {
    }

    /// <summary>Gets the database's name, for messages and logs.</summary>
    public abstract string Name { get; }

    /// <summary>Gets the linq2db provider of the database.</summary>
    internal abstract LinqToDB.DataProvider.IDataProvider Provider { get; }

    /// <summary>Gets a key that is equal for dialects that map the store to the same tables.</summary>
    internal abstract string MappingKey { get; }

    /// <summary>Gets where the tables are.</summary>
    internal abstract TableNames Tables { get; }

    /// <summary>Gets the numbered schema scripts, in order.</summary>
    internal abstract IReadOnlyList<Migration> Migrations { get; }

    /// <summary>Gets the qualified name of the table that records applied migrations.</summary>
    internal abstract string VersionTable { get; }

    /// <summary>
    /// Gets a value indicating whether a store with migrations off refuses to start on a schema with migrations
    /// missing. Where it does not, a deployment step may migrate after the hosts start.
    /// </summary>
    internal virtual bool RefusesStaleSchema => true;

    /// <summary>Gets the name of the setting that turns migrations at start-up on, for messages.</summary>
    internal virtual string MigrationsSetting => "ApplyMigrations";

    /// <summary>Adds types and conversions to the shared mapping (column names and keys are set already).</summary>
    internal abstract void Map(FluentMappingBuilder builder);

    /// <summary>Takes the lock that makes concurrent migrators queue, inside the migration transaction.</summary>
    internal abstract Task LockMigrationsAsync(DataConnection db, CancellationToken cancellationToken);

    /// <summary>
    /// Releases the migration lock when the run ends, committed or not, where the lock outlives the transaction (a
    /// session lock, such as MariaDB's <c>GET_LOCK</c>, would otherwise stay with the pooled connection). Must not throw.
    /// </summary>
    internal virtual Task UnlockMigrationsAsync(DataConnection db) => Task.CompletedTask;

    /// <summary>Creates the version table when missing and prepares the connection for scripts (inside the migration transaction).</summary>
    internal abstract Task PrepareMigrationsAsync(DataConnection db, CancellationToken cancellationToken);

    /// <summary>Tells whether the version table exists (outside any transaction).</summary>
    internal abstract Task<bool> VersionTableExistsAsync(DataConnection db, CancellationToken cancellationToken);

    /// <summary>Waits for this process's turn to write, where the database serializes writers (SQLite); <see langword="null"/> where row locks suffice.</summary>
    internal virtual Task<IDisposable?> EnterWriterAsync(CancellationToken cancellationToken) => Task.FromResult<IDisposable?>(null);

    /// <summary>Begins the transaction of a write session: one that keeps other writers off the rows it locks.</summary>
    internal abstract Task BeginWriteAsync(DataConnection db, CancellationToken cancellationToken);

    /// <summary>Begins a read-only transaction in which several reads see one snapshot.</summary>
    internal abstract Task BeginSnapshotReadAsync(DataConnection db, CancellationToken cancellationToken);

    /// <summary>
    /// Begins a read-only transaction over one consistent snapshot that may last long (the integrity check), and returns
    /// what to dispose once it has ended. By default <see cref="BeginSnapshotReadAsync"/>, and nothing to dispose; a
    /// database whose readers can see other connections' uncommitted rows (SQLite's shared cache) also holds this
    /// store's writers off until it ends.
    /// </summary>
    internal virtual async Task<IDisposable?> BeginConsistentReadAsync(DataConnection db, CancellationToken cancellationToken)
    {
        await BeginSnapshotReadAsync(db, cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Gets a filter: the target row holds a value the mapping cannot read (an id that is not a GUID, markets that are
    /// not a JSON array of text). Nothing where the column types prevent it (the default).
    /// </summary>
    internal virtual Expression<Func<TargetRecord, bool>> MalformedTarget => t => false;

    /// <summary>
    /// Gets a filter: the history row holds an id or target id the mapping cannot read. Nothing where the column types
    /// prevent it (the default). Unknown actions are found by the shared store, on every database.
    /// </summary>
    internal virtual Expression<Func<HistoryRecord, bool>> MalformedHistory => h => false;

    /// <summary>Adds the row lock to a query inside a write session (<c>FOR UPDATE</c>); identity where the transaction locks already.</summary>
    internal abstract IQueryable<T> ForUpdate<T>(IQueryable<T> query)
        where T : class;

    /// <summary>A filter: the target's id is one of <paramref name="ids"/>, sent as one parameter whatever their number.</summary>
    internal abstract Expression<Func<TargetRecord, bool>> IdIn(Guid[] ids);

    /// <summary>A filter: the target has the normalized market, served by an index.</summary>
    internal abstract Expression<Func<TargetRecord, bool>> HasMarket(IDataContext db, string market);

    /// <summary>Gets the sort key of names: code-point order, as the in-memory model compares them.</summary>
    internal abstract Expression<Func<TargetRecord, string>> NameKey { get; }

    /// <summary>
    /// Writes a unit of work's decided changes set-based, with the fastest statements the database has, and returns
    /// how many rows each kind matched (each update and delete checked against its expected version).
    /// </summary>
    internal abstract Task<WriteCounts> WriteAsync(DataConnection db, ChangeSet changes, IReadOnlyDictionary<TargetId, Target> locked, CancellationToken cancellationToken);

    /// <summary>
    /// Gets a value indicating whether the dialect can send a unit of work's last write together with its COMMIT
    /// (<see cref="WriteAndCommitAsync"/>), one round trip fewer.
    /// </summary>
    internal virtual bool CommitsWithLastWrite => false;

    /// <summary>
    /// Writes like <see cref="WriteAsync"/> and commits in the same round trip; a failed statement leaves the
    /// transaction uncommitted. Called only when every update and delete targets a row the session locked at the
    /// expected version, so no row can be missed.
    /// </summary>
    internal virtual Task<WriteCounts> WriteAndCommitAsync(DataConnection db, ChangeSet changes, IReadOnlyDictionary<TargetId, Target> locked, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"The {Name} dialect does not commit with its last write.");

    /// <summary>Stores an operation's selection given as ids (set-based, ignoring duplicates); returns how many were stored.</summary>
    internal abstract Task<long> InsertOperationItemsAsync(DataConnection db, string operationId, Guid[] ids, CancellationToken cancellationToken);

    /// <summary>
    /// Starts listening for commits, where the database can notify (PostgreSQL <c>LISTEN</c>); <see langword="null"/>
    /// (the default) where the change feed polls.
    /// </summary>
    /// <param name="connect">Opens a connection of the store.</param>
    /// <returns>The listener, or <see langword="null"/>.</returns>
    internal virtual IFeedListener? Listen(Func<DataConnection> connect) => null;

    /// <summary>
    /// Gets SQL that reads a time column as whole microseconds since 1970-01-01 UTC, a 64-bit integer: the reports
    /// compute durations and percentiles in it, exactly, the same on every database.
    /// </summary>
    /// <param name="column">The column, qualified as the query needs.</param>
    /// <returns>The SQL expression.</returns>
    internal abstract string ReportMicros(string column);

    /// <summary>
    /// Gets the database's own aggregate for the reports' percentile (the smallest value whose 1-based rank r in
    /// ascending order satisfies r×100 ≥ n×<paramref name="percent"/>), or <see langword="null"/> to pick it with
    /// <c>ROW_NUMBER</c> and <c>COUNT</c> windows (the default: neither SQLite nor MariaDB has one).
    /// </summary>
    /// <param name="percent">The percentile, 1 to 99.</param>
    /// <param name="value">The value column.</param>
    /// <returns>The aggregate, or <see langword="null"/>.</returns>
    internal virtual string? Percentile(int percent, string value) => null;

    /// <summary>Gets a parameter holding a time as the time columns store it (compared with them directly, so indexes serve).</summary>
    internal abstract DataParameter TimeParameter(string name, DateTimeOffset value);

    /// <summary>Gets a parameter holding an id as the id columns store it.</summary>
    internal abstract DataParameter IdParameter(string name, Guid id);

    /// <summary>Gets a table's name as raw SQL refers to it (schema-qualified and quoted where the database has schemas).</summary>
    internal virtual string Qualify(string table) => table;

    /// <summary>
    /// Gets the temporary table a pipeline report fills once with the stays in scope (so its figures read the stays
    /// table, and pick a cohort's targets, once), or <see langword="null"/> to read the stays table in each statement (the default).
    /// </summary>
    internal virtual ReportScratch? ReportScratch => null;

    /// <summary>Gets an INSERT of one row that does nothing when the row's key exists (it affects 0 rows then).</summary>
    /// <param name="table">The qualified table.</param>
    /// <param name="columns">The column list.</param>
    /// <param name="values">The values list (parameters).</param>
    /// <returns>The statement.</returns>
    internal abstract string InsertIgnore(string table, string columns, string values);

    /// <summary>Tells whether re-running the whole unit of work may succeed after this failure.</summary>
    internal abstract bool IsTransient(Exception exception);

    /// <summary>Translates a failure of the write path to the library's terms, or <see langword="null"/> to let it through.</summary>
    internal abstract Exception? Translate(Exception exception);

    /// <summary>Gets the ADO.NET connection under a data connection (tests cut it to inject faults).</summary>
    internal static DbConnection? ConnectionOf(DataConnection db) => db.TryGetDbConnection();
}

/// <summary>How many rows each kind of write matched.</summary>
/// <param name="Inserted">Targets inserted.</param>
/// <param name="Updated">Targets updated at their expected version.</param>
/// <param name="Deleted">Targets deleted at their expected version.</param>
internal readonly record struct WriteCounts(long Inserted, long Updated, long Deleted);

/// <summary>A temporary table of the stays in a pipeline report's scope, dropped with the report's transaction.</summary>
/// <param name="Name">The table's name.</param>
/// <param name="Create">The statement that creates it (columns tid, st, ver, entered, exited, nst, del).</param>
/// <param name="Analyze">A statement that gathers its statistics once filled, or <see langword="null"/>.</param>
/// <param name="Inline">
/// What follows <c>scope AS</c> in each statement's CTE over the table: PostgreSQL copies a CTE read twice (the funnel
/// reads it twice) into a work table of its own unless told <c>NOT MATERIALIZED</c>, which cost a second of the report at
/// 1,000,000 targets.
/// </param>
internal sealed record ReportScratch(string Name, string Create, string? Analyze, string Inline);
