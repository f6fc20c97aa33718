using System.Text;
using Dapper;

namespace TargetTracking.Sqlite;

/// <summary>The SQL of a target query, built from fixed fragments; every value is a parameter.</summary>
/// <param name="Count">Counts every match.</param>
/// <param name="Page">Reads one sorted page of matches.</param>
/// <param name="Parameters">The values of both.</param>
internal sealed record TargetQuerySql(string Count, string Page, DynamicParameters Parameters)
{
    public static TargetQuerySql Build(TargetQuery query)
    {
        var (where, parameters) = Filter(query);

        // BINARY collation compares UTF-8 bytes: code-point order, as CodePointComparer. Ids are lower-case
        // "D" text, whose order is Guid order, so ties break as in the in-memory model.
        var key = query.SortBy switch
        {
            TargetSort.CreatedAt => "t.created_at",
            TargetSort.UpdatedAt => "t.updated_at",
            _ => "t.name",
        };
        var direction = query.Descending ? "DESC" : "ASC";
        parameters.Add("Skip", query.Skip);
        parameters.Add("Take", query.Take);
        return new TargetQuerySql(
            $"SELECT count(*) FROM targets t{where}",
            $"SELECT {TargetRow.Columns} FROM targets t{where} ORDER BY {key} {direction}, t.id {direction} LIMIT @Take OFFSET @Skip",
            parameters);
    }

    /// <summary>The WHERE clause (empty, or starting with a space) over <c>targets t</c>, and its parameters.</summary>
    public static (string Where, DynamicParameters Parameters) Filter(TargetQuery query)
    {
        var parameters = new DynamicParameters();
        var conditions = new List<string>();
        if (query.Statuses is { } statuses)
        {
            var named = statuses.Where(s => s is not null).ToArray();
            var either = new List<string>();
            if (named.Length > 0)
            {
                either.Add("t.status IN @Statuses");
                parameters.Add("Statuses", named);
            }

            if (statuses.Contains(null))
            {
                either.Add("t.status IS NULL");
            }

            conditions.Add(either.Count == 0 ? "0" : $"({string.Join(" OR ", either)})");
        }

        if (query.Market is { } market)
        {
            // Served by ix_target_markets_market.
            conditions.Add("t.id IN (SELECT m.target_id FROM target_markets m WHERE m.market_norm = @Market)");
            parameters.Add("Market", market);
        }

        if (query.NameContains is { } text)
        {
            // instr is a plain substring test: no wildcard in the search text means anything.
            conditions.Add("instr(t.name_norm, @NameContains) > 0");
            parameters.Add("NameContains", text);
        }

        var where = conditions.Count == 0 ? string.Empty : new StringBuilder(" WHERE ").AppendJoin(" AND ", conditions).ToString();
        return (where, parameters);
    }
}
