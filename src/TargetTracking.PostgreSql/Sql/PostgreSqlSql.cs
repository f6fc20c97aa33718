using System.Globalization;
using System.Linq.Expressions;
using LinqToDB;
using LinqToDB.Data;
using LinqToDB.DataProvider.PostgreSQL;
using TargetTracking.Linq2Db;

namespace TargetTracking.PostgreSql;

/// <summary>PostgreSQL's SQL fragments: ids as one <c>uuid[]</c> parameter, markets by array containment, names in the "C" collation, exact percentiles.</summary>
/// <param name="schema">The schema that holds the tables, validated.</param>
internal sealed class PostgreSqlSql(string schema) : DialectSql
{
    private readonly string _quoted = PostgreSqlStatements.Quote(schema);

    // Code-point order whatever the database's collation, as the in-memory model compares names.
    public override Expression<Func<TargetRecord, string>> NameKey => t => Sql.Collate(t.Name, "C");

    public override Expression<Func<TargetRecord, bool>> IdIn(Guid[] ids) => t => Sql.Ext.PostgreSQL().ValueIsEqualToAny(t.Id, ids);

    // Served by the GIN index on markets_norm.
    public override Expression<Func<TargetRecord, bool>> HasMarket(IDataContext db, string market) => t => ContainsMarket(t.MarketsNorm, market);

    public override string IdSet(string parameter) => $"(SELECT unnest({parameter}::uuid[]) AS id)";

    public override DataParameter IdsParameter(string name, IEnumerable<Guid> ids) => new(name, ids.ToArray()) { DbType = "uuid[]" };

    // EXTRACT(EPOCH …) is numeric since PostgreSQL 14: exact for whole microseconds.
    public override string ReportMicros(string column) => $"(EXTRACT(EPOCH FROM {column}) * 1000000)::bigint";

    // PostgreSQL materializes a CTE read more than once, serially; inlined, each reader scans the stays table in
    // parallel. A cohort's scope is a join worth doing once; a period's is a filter (docs/benchmarks.md, Reports).
    public override string ComputeOnce(bool once) => once ? "MATERIALIZED" : "NOT MATERIALIZED";

    // percentile_disc(f) takes rank ceil(f × n) in double precision, and 0.9 × n lands just above a whole number for
    // some n (0.9 × 70 = 63.00000000000001): one value too far. Asking for a fraction 10⁻¹² below keeps the exact rule
    // r×100 ≥ n×p for every n below 10¹⁰, since n×p/100 is then never within n×10⁻¹² under a whole number unless it is
    // one. One sort per status instead of two window passes and a spool: about a second of a report at 1,000,000 targets.
    public override string? Percentile(int percent, string value) =>
        string.Create(CultureInfo.InvariantCulture, $"percentile_disc({(percent / 100m) - 0.000000000001m}) WITHIN GROUP (ORDER BY {value})");

    public override DataParameter TimeParameter(string name, DateTimeOffset value) => new(name, value.ToUniversalTime(), DataType.DateTimeOffset);

    public override DataParameter IdParameter(string name, Guid id) => new(name, id, DataType.Guid);

    public override string Qualify(string table) => $"{_quoted}.{table}";

    public override string InsertIgnore(string table, string columns, string values) => $"INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT DO NOTHING";

    [Sql.Expression("{0} @> ARRAY[{1}]::text[]", IsPredicate = true, ServerSideOnly = true)]
    private static bool ContainsMarket(string[] marketsNorm, string market) => throw new InvalidOperationException("Runs only in SQL.");
}
