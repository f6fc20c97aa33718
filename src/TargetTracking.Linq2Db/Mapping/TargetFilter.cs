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
            // Stored statuses match ignoring case: UPPER(status) against every form UPPER can give a matching spelling
            // (served by the index on UPPER(status)); Not Set is NULL, and UPPER(NULL) IS NULL uses the same index.
            var keys = statuses.Where(s => s is not null).SelectMany(s => UpperForms(s!)).Distinct(StringComparer.Ordinal).ToArray();
            var notSet = statuses.Any(s => s is null);
            targets = (keys.Length > 0, notSet, dialect.Schema.Shape.StatusUpper is null) switch
            {
                (true, true, true) => targets.Where(t => UpperStatus(t.Status) == null || keys.Contains(UpperStatus(t.Status)!)),
                (true, false, true) => targets.Where(t => keys.Contains(UpperStatus(t.Status)!)),
                (false, true, true) => targets.Where(t => UpperStatus(t.Status) == null),

                // Where the database keeps UPPER(status) in an indexed generated column, the filters read that column.
                (true, true, false) => targets.Where(t => t.StatusUpper == null || keys.Contains(t.StatusUpper!)),
                (true, false, false) => targets.Where(t => keys.Contains(t.StatusUpper!)),
                (false, true, false) => targets.Where(t => t.StatusUpper == null),
                (false, false, _) => targets.Where(t => false),
            };
        }

        if (query.Market is { } market)
        {
            targets = targets.Where(dialect.Sql.HasMarket(db, market));
        }

        if (query.NameContains is { } text)
        {
            // A plain substring test (strpos, instr): no character of the search text is a wildcard.
            targets = targets.Where(t => Sql.CharIndex(text, t.NameNorm) > 0);
        }

        if (query.OwnerId is { } owner)
        {
            targets = targets.Where(t => t.OwnerId == owner);
        }

        if (query.Currency is { } currency)
        {
            targets = targets.Where(t => t.Currency == currency);
        }

        // Amounts compare as stored, in ten-thousandths: a bound between two counts is rounded inward.
        if (query.AmountAtLeast is { } least)
        {
            var units = MoneyUnits.AtLeast(least);
            targets = targets.Where(t => t.AmountUnits >= units);
        }

        if (query.AmountAtMost is { } most)
        {
            var units = MoneyUnits.AtMost(most);
            targets = targets.Where(t => t.AmountUnits <= units);
        }

        return targets;
    }

    /// <summary>
    /// SQL <c>UPPER(status)</c>, as the index on it is defined. Written as an expression of its own: linq2db would reduce
    /// <c>Sql.Upper(x) IS NULL</c> to <c>x IS NULL</c>, which that index does not serve.
    /// </summary>
    [Sql.Expression("UPPER({0})", ServerSideOnly = true, IsNullable = Sql.IsNullableType.Nullable)]
    private static string? UpperStatus(string? status) => throw new InvalidOperationException("Runs only in SQL.");

    /// <summary>The most letters outside ASCII whose case is varied in <see cref="UpperForms"/> (2^n forms).</summary>
    private const int MaxVariedLetters = 6;

    /// <summary>
    /// Every value SQL <c>UPPER</c> can give a stored spelling that equals <paramref name="status"/> ignoring case. <c>UPPER</c>
    /// folds ASCII letters on every database, but other letters only on some (PostgreSQL with a locale does, SQLite and
    /// PostgreSQL's C locale do not): so each letter outside ASCII may come back in either case. Beyond
    /// <see cref="MaxVariedLetters"/> such letters, only the all-upper and the ASCII-upper forms are asked for.
    /// </summary>
    internal static IEnumerable<string> UpperForms(string status)
    {
        var ascii = status.ToCharArray();
        var varied = new List<int>();
        for (var i = 0; i < ascii.Length; i++)
        {
            var c = ascii[i];
            if (char.IsAscii(c))
            {
                ascii[i] = char.ToUpperInvariant(c);
            }
            else if (char.ToUpperInvariant(c) != char.ToLowerInvariant(c))
            {
                varied.Add(i);
            }
        }

        if (varied.Count == 0)
        {
            yield return new string(ascii);
            yield break;
        }

        if (varied.Count > MaxVariedLetters)
        {
            yield return new string(ascii);
            yield return status.ToUpperInvariant();
            yield break;
        }

        for (var mask = 0; mask < 1 << varied.Count; mask++)
        {
            var form = (char[])ascii.Clone();
            for (var bit = 0; bit < varied.Count; bit++)
            {
                var c = form[varied[bit]];
                form[varied[bit]] = (mask & (1 << bit)) != 0 ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c);
            }

            yield return new string(form);
        }
    }
}
