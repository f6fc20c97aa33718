using LinqToDB;

namespace TargetTracking.Linq2Db;

/// <summary>The filter of a target query, shared by queries and by an operation's selection.</summary>
internal static class TargetFilter
{
    /// <summary>The filter of a query or an operation's selection; values travel as parameters.</summary>
    public static IQueryable<TargetRecord> Apply(Linq2DbDialect dialect, IDataContext db, IQueryable<TargetRecord> targets, TargetQuery query)
    {
        if (query.Statuses is { } statuses)
        {
            var named = statuses.Where(s => s is not null).Select(s => s!).ToArray();
            var notSet = statuses.Any(s => s is null);
            targets = (named.Length > 0, notSet) switch
            {
                (true, true) => targets.Where(t => t.Status == null || named.Contains(t.Status)),
                (true, false) => targets.Where(t => named.Contains(t.Status!)),
                (false, true) => targets.Where(t => t.Status == null),
                (false, false) => targets.Where(t => false),
            };
        }

        if (query.Market is { } market)
        {
            targets = targets.Where(dialect.HasMarket(db, market));
        }

        if (query.NameContains is { } text)
        {
            // A plain substring test (strpos, instr): no character of the search text is a wildcard.
            targets = targets.Where(t => Sql.CharIndex(text, t.NameNorm) > 0);
        }

        return targets;
    }
}
