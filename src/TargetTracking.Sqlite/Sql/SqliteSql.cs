using System.Linq.Expressions;
using LinqToDB;
using LinqToDB.Data;
using TargetTracking.Linq2Db;

namespace TargetTracking.Sqlite;

/// <summary>SQLite's SQL fragments: id lists as one JSON array parameter, markets through their side table, times as UTC ticks.</summary>
internal sealed class SqliteSql : DialectSql
{
    public override Expression<Func<TargetRecord, bool>> IdIn(Guid[] ids)
    {
        // One JSON array parameter holds any number of ids (a parameter list would hit SQLite's variable limit).
        var json = Stored.Ids(ids);
        return t => InJsonArray(t.Id, json);
    }

    public override string IdSet(string parameter) => $"(SELECT value AS id FROM json_each({parameter}))";

    public override DataParameter IdsParameter(string name, IEnumerable<Guid> ids) => new(name, Stored.Ids(ids), DataType.NVarChar);

    // Times are UTC ticks: whole microseconds since 1970 are (ticks - 1970's ticks) / 10, exact for stored times.
    public override string ReportMicros(string column) => $"(({column}) - 621355968000000000) / 10";

    public override DataParameter TimeParameter(string name, DateTimeOffset value) => new(name, value.UtcTicks, DataType.Int64);

    public override DataParameter IdParameter(string name, Guid id) => new(name, id.ToString("D"), DataType.NVarChar);

    public override string InsertIgnore(string table, string columns, string values) => $"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({values})";

    [Sql.Expression("{0} IN (SELECT value FROM json_each({1}))", IsPredicate = true, ServerSideOnly = true)]
    private static bool InJsonArray(Guid id, string json) => throw new InvalidOperationException("Runs only in SQL.");
}
