using LinqToDB.Data;

namespace TargetTracking.Linq2Db;

/// <summary>
/// What differs between databases on the linq2db store, and nothing else, in five roles a new database fills:
/// <see cref="Schema"/> (migrations, type mapping, the migration lock), <see cref="Sessions"/> (transactions, locks and the
/// store's lifecycle), <see cref="Sql"/> (SQL fragments the shared queries embed), <see cref="Writer"/> (the fastest bulk
/// statements) and <see cref="Errors"/> (which failures are transient). Every read, the write session and the migration
/// runner are shared (<see cref="Linq2DbTargetStore"/>). Dialects ship in the store packages: <c>TargetTracking.PostgreSql</c>
/// (<c>PostgreSqlDialect</c>), <c>TargetTracking.Sqlite</c> (<c>SqliteDialect</c>) and <c>TargetTracking.MySql</c>
/// (<c>MySqlDialect</c>); <c>docs/adapters-linq2db.md</c> says how to add one.
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

    /// <summary>Gets the schema role: migrations, where the tables are, type mapping.</summary>
    internal abstract DialectSchema Schema { get; }

    /// <summary>Gets the sessions role: transactions, locks, the store's start and end.</summary>
    internal abstract DialectSessions Sessions { get; }

    /// <summary>Gets the SQL role: fragments the shared queries embed.</summary>
    internal abstract DialectSql Sql { get; }

    /// <summary>Gets the writer role: a unit of work's decided changes, set-based.</summary>
    internal abstract DialectWriter Writer { get; }

    /// <summary>Gets the errors role: what a failure means.</summary>
    internal abstract DialectErrors Errors { get; }

    /// <summary>Gets the ADO.NET connection under a data connection (tests cut it to inject faults).</summary>
    internal static System.Data.Common.DbConnection? ConnectionOf(DataConnection db) => db.TryGetDbConnection();
}
