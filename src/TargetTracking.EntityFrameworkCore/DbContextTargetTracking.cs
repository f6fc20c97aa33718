using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TargetTracking.Linq2Db;

namespace TargetTracking.EntityFrameworkCore;

/// <summary>
/// Runs TargetTracking inside a host's Entity Framework Core transaction: a tracker from <see cref="Tracker"/> writes its
/// target changes, bulk units of work and history entries through the <see cref="DbContext"/>'s connection and current
/// transaction, so they commit with the host's <c>SaveChanges</c> and <c>CommitAsync</c>, or roll back with it. The host
/// owns the transaction: the library neither commits, rolls back nor retries inside it (a transient failure reaches the
/// host, which retries its whole transaction). Typed errors (not found, version conflict, forbidden move, invalid input)
/// are decided before anything is written, so they leave the transaction usable. Register it with
/// <c>AddEntityFrameworkCore()</c> on the TargetTracking builder; thread-safe.
/// </summary>
/// <remarks>
/// The store's tables must be in the database the <see cref="DbContext"/> connects to (PostgreSQL with Npgsql's provider,
/// SQLite with Microsoft.Data.Sqlite's, MariaDB/MySQL with Pomelo's on MySqlConnector), migrated by the store as usual; EF Core's model does not map them.
/// </remarks>
public sealed class DbContextTargetTracking
{
    private readonly TargetTracker _tracker;
    private readonly Linq2DbTargetStore _store;

    /// <summary>Initializes a new instance. Hosts normally resolve it from DI (<c>AddEntityFrameworkCore()</c>).</summary>
    /// <param name="tracker">The tracker whose options and audit context the trackers inside a transaction share.</param>
    /// <param name="store">The relational store on the DbContext's database.</param>
    public DbContextTargetTracking(TargetTracker tracker, Linq2DbTargetStore store)
    {
        Guard.Against.Null(tracker);
        Guard.Against.Null(store);
        _tracker = tracker;
        _store = store;
    }

    /// <summary>
    /// Returns a tracker whose reads and writes run in <paramref name="context"/>'s current transaction, for that
    /// transaction only: reads see the host's uncommitted rows, writes commit or roll back with it.
    /// </summary>
    /// <param name="context">The host's context, with a transaction begun (<c>context.Database.BeginTransactionAsync()</c>).</param>
    /// <returns>The tracker.</returns>
    /// <exception cref="InvalidOperationException">The context has no current transaction.</exception>
    public TargetTracker Tracker(DbContext context) => _tracker.WithRepository(_store.InHostTransaction(TransactionOf(context)));

    /// <summary>
    /// Returns a hierarchy tracker (goals, sprints, commitments, links) whose writes run in <paramref name="context"/>'s
    /// current transaction; see <see cref="Tracker"/>.
    /// </summary>
    /// <param name="context">The host's context, with a transaction begun.</param>
    /// <returns>The hierarchy tracker.</returns>
    /// <exception cref="InvalidOperationException">The context has no current transaction.</exception>
    public HierarchyTracker Hierarchy(DbContext context) => new(Tracker(context));

    private System.Data.Common.DbTransaction TransactionOf(DbContext context)
    {
        Guard.Against.Null(context);
        return context.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException(
                "The DbContext has no current transaction: begin one with context.Database.BeginTransactionAsync() first, so the host decides when TargetTracking's writes commit.");
    }
}
