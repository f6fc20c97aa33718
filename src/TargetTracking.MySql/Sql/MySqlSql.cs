using System.Linq.Expressions;
using LinqToDB;
using LinqToDB.Data;
using TargetTracking.Linq2Db;

namespace TargetTracking.MySql;

/// <summary>MariaDB's SQL fragments: id lists as one JSON parameter read by <c>JSON_TABLE</c>, markets through their side table, times as <c>DATETIME(6)</c>.</summary>
internal sealed class MySqlSql : DialectSql
{
    public override Expression<Func<TargetRecord, bool>> IdIn(Guid[] ids)
    {
        // One JSON array parameter holds any number of ids, sorted: InnoDB locks rows in the order JSON_TABLE yields them.
        var json = Stored.Ids(ids);
        return t => InJsonIds(t.Id, json);
    }

    public override string IdSet(string parameter) => $"(SELECT UNHEX(j.id) AS id FROM JSON_TABLE({parameter}, '$[*]' COLUMNS (id CHAR(32) PATH '$')) AS j)";

    public override DataParameter IdsParameter(string name, IEnumerable<Guid> ids) => new(name, Stored.Ids(ids), DataType.NVarChar);

    // DATETIME(6) holds UTC without a zone, so the session's time zone plays no part.
    public override string ReportMicros(string column) => $"TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', {column})";

    public override DataParameter TimeParameter(string name, DateTimeOffset value) => new(name, value.UtcDateTime, DataType.DateTime2);

    public override DataParameter IdParameter(string name, Guid id) => new(name, Stored.Id(id), DataType.Binary);

    public override string InsertIgnore(string table, string columns, string values) => $"INSERT IGNORE INTO {table} ({columns}) VALUES ({values})";

    [Sql.Expression("{0} IN (SELECT UNHEX(j.id) FROM JSON_TABLE({1}, '$[*]' COLUMNS (id CHAR(32) PATH '$')) AS j)", IsPredicate = true, ServerSideOnly = true)]
    private static bool InJsonIds(Guid id, string json) => throw new InvalidOperationException("Runs only in SQL.");
}
