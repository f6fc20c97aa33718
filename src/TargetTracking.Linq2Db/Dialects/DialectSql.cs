using System.Linq.Expressions;
using LinqToDB;
using LinqToDB.Data;

namespace TargetTracking.Linq2Db;

/// <summary>A dialect's SQL role: the fragments and parameters that the shared LINQ and SQL embed, where databases spell them differently.</summary>
internal abstract class DialectSql
{
    /// <summary>A filter: the target's id is one of <paramref name="ids"/>, sent as one parameter whatever their number.</summary>
    public abstract Expression<Func<TargetRecord, bool>> IdIn(Guid[] ids);

    /// <summary>
    /// A filter: the target has the normalized market, served by an index. By default through the markets side table
    /// (<see cref="StorageShape.MarketsTable"/>), whose key serves it.
    /// </summary>
    public virtual Expression<Func<TargetRecord, bool>> HasMarket(IDataContext db, string market) =>
        t => db.GetTable<MarketRecord>().Where(m => m.MarketNorm == market).Select(m => m.TargetId).Contains(t.Id);

    /// <summary>Gets the sort key of names: code-point order, as the in-memory model compares them (by default the column itself, whose collation orders by code point).</summary>
    public virtual Expression<Func<TargetRecord, string>> NameKey => t => t.Name;

    /// <summary>Gets a relation of one column, <c>id</c>, holding the ids sent as one parameter (<see cref="IdsParameter"/>).</summary>
    /// <param name="parameter">The parameter's name as the SQL refers to it (<c>@ids</c>).</param>
    /// <returns>The SQL of a derived table.</returns>
    public abstract string IdSet(string parameter);

    /// <summary>Gets a parameter holding any number of ids, for <see cref="IdSet"/>.</summary>
    public abstract DataParameter IdsParameter(string name, IEnumerable<Guid> ids);

    /// <summary>
    /// Gets SQL that reads a time column as whole microseconds since 1970-01-01 UTC, a 64-bit integer: the reports
    /// compute durations and percentiles in it, exactly, the same on every database.
    /// </summary>
    /// <param name="column">The column, qualified as the query needs.</param>
    /// <returns>The SQL expression.</returns>
    public abstract string ReportMicros(string column);

    /// <summary>
    /// Gets the database's own aggregate for the reports' percentile (the smallest value whose 1-based rank r in
    /// ascending order satisfies r×100 ≥ n×<paramref name="percent"/>), or <see langword="null"/> to pick it with
    /// <c>ROW_NUMBER</c> and <c>COUNT</c> windows (the default: neither SQLite nor MariaDB has one).
    /// </summary>
    /// <param name="percent">The percentile, 1 to 99.</param>
    /// <param name="value">The value column.</param>
    /// <returns>The aggregate, or <see langword="null"/>.</returns>
    public virtual string? Percentile(int percent, string value) => null;

    /// <summary>Gets a parameter holding a time as the time columns store it (compared with them directly, so indexes serve).</summary>
    public abstract DataParameter TimeParameter(string name, DateTimeOffset value);

    /// <summary>Gets a parameter holding an id as the id columns store it.</summary>
    public abstract DataParameter IdParameter(string name, Guid id);

    /// <summary>Gets a table's name as raw SQL refers to it (schema-qualified and quoted where the database has schemas).</summary>
    public virtual string Qualify(string table) => table;

    /// <summary>
    /// Gets what follows <c>AS</c> in a CTE that a statement reads several times: computed once (<paramref name="once"/>:
    /// a scope that costs a join to find, such as a cohort's stays) or inlined into each reader (a filter each reader
    /// scans best on its own, in parallel where the database can). Empty by default: the database decides.
    /// </summary>
    /// <param name="once">Whether the CTE should be computed once.</param>
    /// <returns>The keyword, or an empty string.</returns>
    public virtual string ComputeOnce(bool once) => string.Empty;

    /// <summary>Gets an INSERT of one row that does nothing when the row's key exists (it affects 0 rows then).</summary>
    /// <param name="table">The qualified table.</param>
    /// <param name="columns">The column list.</param>
    /// <param name="values">The values list (parameters).</param>
    /// <returns>The statement.</returns>
    public abstract string InsertIgnore(string table, string columns, string values);
}
