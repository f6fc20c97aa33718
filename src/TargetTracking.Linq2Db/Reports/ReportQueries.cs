using System.Globalization;
using System.Text;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using LinqToDB.Mapping;

namespace TargetTracking.Linq2Db;

/// <summary>
/// The reports in the database, written once in standard SQL that PostgreSQL, SQLite and MariaDB all run. The stays
/// come from the stays table the write path keeps (<see cref="StaysTable"/>, migration 0009), seen as of the report's
/// cut; counts, the transition matrix, the funnel, the win rate and the time in status are <c>GROUP BY</c>s over them.
/// Counts as of a date replay the history itself (one pass in (target, version) order). Percentiles are picked by
/// <c>ROW_NUMBER</c> and <c>COUNT</c> over each status (percentile_disc semantics; neither SQLite nor MariaDB has a
/// percentile aggregate). Times are whole microseconds. Only aggregates leave the database. The rules are those of the
/// in-memory model (<c>ReportModel</c>).
/// </summary>
internal static class ReportQueries
{
    private const long NoStart = long.MinValue;
    private const long NoEnd = long.MaxValue;

    public static async Task<IReadOnlyList<StayFacts>> StaysAsync(DataConnection db, Linq2DbDialect dialect, TargetId id, DateTimeOffset cut, CancellationToken cancellationToken)
    {
        var sql = $"{AsOfCut(dialect, "s.target_id = @tid")}\nSELECT st AS status, entered, exited, nst AS status2, del, ver FROM cut ORDER BY ver";
        var rows = await ReadAsync(db, sql, [new("cutus", CutMicros(cut), DataType.Int64), dialect.Sql.IdParameter("tid", id.Value)], cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => new StayFacts(r.Status, Time(r.Entered!.Value), r.Exited is { } x ? Time(x) : null, r.Status2, r.Del == 1, r.Ver!.Value))];
    }

    /// <summary>
    /// Counts per status as of the cut. The stay open at the cut is the one the target's last relevant entry before the
    /// cut began or continued, so its status is that entry's new status, unless the entry is the deletion: one pass
    /// over the history in (target, version) order, which the covering index of migration 0007 gives without a sort.
    /// </summary>
    public static async Task<IReadOnlyList<StatusCount>> CountAsOfAsync(DataConnection db, Linq2DbDialect dialect, DateTimeOffset cut, CancellationToken cancellationToken)
    {
        var sql = $"""
            WITH last AS (
                SELECT h.action AS act, h.new_status AS st,
                       ROW_NUMBER() OVER (PARTITION BY h.target_id ORDER BY h.version DESC, h.id DESC) AS rn
                FROM {dialect.Sql.Qualify(Tables.History)} h
                WHERE h.tenant_id = @tenant AND h.action IN ({StaysTable.RelevantActions}) AND h.occurred_at < @cut
            )
            SELECT st AS status, COUNT(*) AS n FROM last WHERE rn = 1 AND act <> 'Deleted' GROUP BY st
            """;
        var rows = await ReadAsync(db, sql, [dialect.Sql.TimeParameter("cut", cut)], cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => new StatusCount(r.Status, r.N))];
    }

    /// <summary>
    /// The facts of a pipeline report in one statement, so the scope of the stays table is read once and nothing is
    /// copied: the stays begun before the cut that were open or exited since the window began (those that ended before
    /// it count in no figure), as the CTE <c>scope</c>, and three aggregates over it, stacked by <c>UNION ALL</c> and
    /// told apart by <c>kind</c>. <c>c</c>: per (status, next status, ended by delete), the stays open at the cut, open at
    /// the window's start, entered in the window, and the moves in it. <c>d</c>: per status and <c>idx</c> (0 closed in
    /// the window, 1 open at the cut), the durations. <c>f</c>: per furthest funnel step in the window (<c>idx</c>) and
    /// last outcome (<c>won</c>: 1 won, 0 lost, NULL none), the targets and those still in that step; one row per target
    /// first, so a target counts once. The caller folds the few rows into the facts.
    /// </summary>
    public static async Task<PipelineFacts> PipelineAsync(DataConnection db, Linq2DbDialect dialect, PipelineFactsQuery query, CancellationToken cancellationToken)
    {
        var parameters = new List<DataParameter>
        {
            new("cutus", CutMicros(query.Cut), DataType.Int64),
            new("ageat", Micros(query.AgeAt), DataType.Int64),
            new("ws", query.WindowStart is { } ws ? Micros(ws) : NoStart, DataType.Int64),
            new("we", query.WindowEnd is { } we ? Micros(we) : NoEnd, DataType.Int64),
        };
        var cohort = query.CohortFrom is not null;
        var history = dialect.Sql.Qualify(Tables.History);
        if (cohort)
        {
            parameters.Add(dialect.Sql.TimeParameter("cut", query.Cut));
            parameters.Add(dialect.Sql.TimeParameter("cf", query.CohortFrom!.Value));
            parameters.Add(dialect.Sql.TimeParameter("ct", query.CohortTo!.Value));
        }

        var step = StepOf("st", query.Funnel, "f", parameters);
        var won = InSet("st", query.Won, "w", parameters);
        var lost = InSet("st", query.Lost, "l", parameters);
        var cohortFilter = CohortFilter(cohort, history);

        // The scope keeps the stored columns, so the groups below are on columns the planner has statistics for; a stay
        // that ended at or after the cut was still open then (see AsOfCut).
        const string open = "(exited IS NULL OR exited >= @cutus)";
        const string closedInWindow = "(exited >= @ws AND exited < @we AND exited < @cutus)";
        const string inWindow = "(entered >= @ws AND entered < @we)";
        var durations = $"SELECT st, CASE WHEN {open} THEN 1 ELSE 0 END AS k, CASE WHEN {open} THEN @ageat - entered ELSE exited - entered END AS v FROM scope WHERE {open} OR {closedInWindow}";
        // The first member's columns are typed (zeros, not NULLs): PostgreSQL types a UNION's columns pairwise.
        // A target's last won or lost stay in the window decides its outcome. Versions are unique per target, so the
        // largest ver × 2 + (1 when won) finds that stay and its outcome in one aggregate, with no second pass.
        var sql = $"""
            WITH scope AS {dialect.Sql.ComputeOnce(cohort)} (
                SELECT s.target_id AS tid, s.status AS st, s.version AS ver, s.entered_us AS entered, s.exited_us AS exited,
                       s.next_status AS nst, s.ended_by_delete AS del
                FROM {dialect.Sql.Qualify(Tables.Stays)} s
                WHERE s.tenant_id = @tenant AND s.entered_us < @cutus AND (s.exited_us IS NULL OR s.exited_us >= @ws OR s.exited_us >= @cutus){cohortFilter}
            )
            SELECT 'c' AS kind, st AS status, nst AS status2, 0 AS idx, 0 AS won,
                   COUNT(CASE WHEN {open} THEN 1 END) AS n,
                   COUNT(CASE WHEN entered < @ws AND (exited IS NULL OR exited >= @ws) THEN 1 END) AS n_start,
                   COUNT(CASE WHEN {inWindow} THEN 1 END) AS n_entered,
                   COUNT(CASE WHEN del = 0 AND {closedInWindow} THEN 1 END) AS n_moves,
                   0 AS total, 0 AS p50, 0 AS p90, 0 AS mx, 0 AS still
            FROM scope GROUP BY st, nst, del
            UNION ALL
            {Durations(dialect, durations)}
            UNION ALL
            SELECT 'f', NULL, NULL, t.mx, t.oc % 2, COUNT(*), NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                   COUNT(CASE WHEN t.ci = t.mx THEN 1 END)
            FROM (
                SELECT tid, MAX(CASE WHEN {inWindow} THEN {step} END) AS mx, MAX(CASE WHEN {open} THEN {step} END) AS ci,
                       MAX(CASE WHEN {inWindow} THEN CASE WHEN {won} THEN ver * 2 + 1 WHEN {lost} THEN ver * 2 END END) AS oc
                FROM scope WHERE {inWindow} OR {open} GROUP BY tid
            ) t
            GROUP BY t.mx, t.oc % 2
            """;
        var rows = await ReadAsync(db, sql, parameters, cancellationToken).ConfigureAwait(false);

        var counts = rows.Where(r => r.Kind == "c").GroupBy(r => r.Status).ToList();
        var funnel = rows.Where(r => r.Kind == "f" && r.Idx is not null).GroupBy(r => r.Idx!.Value);
        var outcomes = rows.Where(r => r.Kind == "f").ToList();
        return new PipelineFacts
        {
            Counts = Positive(counts, r => r.N),
            CountsAtStart = query.WindowStart is null ? [] : Positive(counts, r => r.NStart ?? 0),
            Transitions = [.. rows.Where(r => r.Kind == "c" && r.NMoves > 0).GroupBy(r => (r.Status, r.Status2)).Select(g => new TransitionCount(g.Key.Status, g.Key.Status2, g.Sum(r => r.NMoves ?? 0)))],
            Entered = Positive(counts, r => r.NEntered ?? 0),
            Closed = [.. rows.Where(r => r.Kind == "d" && r.Idx == 0).Select(ToDuration)],
            Open = [.. rows.Where(r => r.Kind == "d" && r.Idx == 1).Select(ToDuration)],
            Funnel = [.. funnel.Select(g => new FunnelFacts(g.Key, g.Sum(r => r.N), g.Sum(r => r.Still ?? 0), g.Sum(r => r.N - (r.Still ?? 0))))],
            Won = outcomes.Where(r => r.Won == 1).Sum(r => r.N),
            Lost = outcomes.Where(r => r.Won == 0).Sum(r => r.N),
            Outcomes = await OutcomesAsync(db, dialect, query, parameters, cohortFilter, cancellationToken).ConfigureAwait(false),
        };
    }

    /// <summary>
    /// Win/loss by reason, in the report's snapshot: each target's last won or lost stay begun in the window (the same stays the
    /// win rate counts), the reason of the entry that began it, and the target's amount then (its last Created or Updated entry
    /// before that one, by version), grouped by status, reason and currency. Amounts are summed as stored ten-thousandths.
    /// </summary>
    private static async Task<IReadOnlyList<OutcomeFacts>> OutcomesAsync(
        DataConnection db, Linq2DbDialect dialect, PipelineFactsQuery query, List<DataParameter> parameters, string cohortFilter, CancellationToken cancellationToken)
    {
        if (query.Won.Count + query.Lost.Count == 0)
        {
            return [];
        }

        var history = dialect.Sql.Qualify(Tables.History);
        var closed = InSet("s.status", [.. query.Won, .. query.Lost], "o", parameters);
        string Then(string column) =>
            $"(SELECT a.{column} FROM {history} a WHERE a.tenant_id = @tenant AND a.target_id = o.tid AND a.action IN ('Created', 'Updated') AND a.version < o.ver ORDER BY a.version DESC LIMIT 1)";
        var sql = $"""
            WITH scope AS (
                SELECT s.target_id AS tid, s.status AS st, s.version AS ver
                FROM {dialect.Sql.Qualify(Tables.Stays)} s
                WHERE s.tenant_id = @tenant AND s.entered_us < @cutus AND s.entered_us >= @ws AND s.entered_us < @we AND {closed}{cohortFilter}
            ), last AS (
                SELECT sc.tid, sc.st, sc.ver FROM scope sc WHERE sc.ver = (SELECT MAX(m.ver) FROM scope m WHERE m.tid = sc.tid)
            ), outcome AS (
                SELECT o.st, h.reason, {Then("new_currency")} AS currency, {Then("new_amount_units")} AS units
                FROM last o
                JOIN {history} h ON h.tenant_id = @tenant AND h.target_id = o.tid AND h.version = o.ver AND h.action <> 'Deleted'
            )
            SELECT st AS status, reason AS status2, currency, COUNT(*) AS n, SUM(units) AS total FROM outcome GROUP BY st, reason, currency
            """;
        var rows = await ReadAsync(db, sql, parameters, cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => new OutcomeFacts(r.Status, r.Status2, r.Currency, r.N, MoneyUnits.Sum(r.Total ?? 0)))];
    }

    /// <summary>The cohort's filter on the stays (alias <c>s</c>): targets first created in the cohort's period, before the cut.</summary>
    private static string CohortFilter(bool cohort, string history) => cohort
        ? $" AND s.target_id IN (SELECT c.target_id FROM {history} c WHERE c.tenant_id = @tenant AND c.action = 'Created' AND c.occurred_at >= @cf AND c.occurred_at < @ct AND c.occurred_at < @cut"
          + $" AND NOT EXISTS (SELECT 1 FROM {history} e WHERE e.tenant_id = c.tenant_id AND e.target_id = c.target_id AND e.action = 'Created' AND e.occurred_at < @cf))"
        : string.Empty;

    /// <summary>The statuses whose stays <paramref name="count"/> counts, with their sums; a status none counts is left out, as a <c>GROUP BY</c> leaves it.</summary>
    private static List<StatusCount> Positive(IEnumerable<IGrouping<string?, ReportRow>> groups, Func<ReportRow, long> count) =>
        [.. groups.Select(g => new StatusCount(g.Key, g.Sum(count))).Where(c => c.Count > 0)];

    /// <summary>
    /// The stays of the stays table (<see cref="StaysTable"/>) as the history stood just before the cut, as the CTE
    /// <c>cut</c> (columns tid, st, ver, entered, exited, nst, del; times in microseconds); the caller appends more CTEs
    /// (starting with a comma) or the final SELECT. A target's entries are stamped in version order, so the entries
    /// before the cut are a prefix of its history: its stays then are those that began before the cut, and one that
    /// ended at or after the cut was still open.
    /// </summary>
    private static string AsOfCut(Linq2DbDialect dialect, params string?[] filters)
    {
        var where = string.Concat(filters.Where(f => f is not null).Select(f => $" AND {f}"));
        return $"""
            WITH cut AS (
                SELECT s.target_id AS tid, s.status AS st, s.version AS ver, s.entered_us AS entered,
                       CASE WHEN s.exited_us < @cutus THEN s.exited_us END AS exited,
                       CASE WHEN s.exited_us < @cutus THEN s.next_status END AS nst,
                       CASE WHEN s.exited_us < @cutus THEN s.ended_by_delete ELSE 0 END AS del
                FROM {dialect.Sql.Qualify(Tables.Stays)} s
                WHERE s.tenant_id = @tenant AND s.entered_us < @cutus{where}
            )
            """;
    }

    /// <summary>The cut in whole microseconds, rounded up: a stored time (whole microseconds) is before the cut exactly when it is before this.</summary>
    private static long CutMicros(DateTimeOffset cut)
    {
        var ticks = cut.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return (ticks / 10) + (ticks % 10 > 0 ? 1 : 0);
    }

    /// <summary>
    /// One <c>UNION ALL</c> member: count, sum, percentile_disc(0.5), percentile_disc(0.9) and max per status and
    /// <c>k</c> (as <c>idx</c>) of the durations <c>v</c> that <paramref name="values"/> yields (columns st, k, v).
    /// </summary>
    private static string Durations(Linq2DbDialect dialect, string values) =>
        dialect.Sql.Percentile(50, "v") is { } p50 && dialect.Sql.Percentile(90, "v") is { } p90
            ? $"SELECT 'd', st, NULL, k, NULL, COUNT(*), NULL, NULL, NULL, SUM(v), {p50}, {p90}, MAX(v), NULL FROM ({values}) d GROUP BY st, k"
            : "SELECT 'd', st, NULL, k, NULL, COUNT(*), NULL, NULL, NULL, SUM(v), MIN(CASE WHEN rk * 100 >= cnt * 50 THEN v END),\n"
              + "       MIN(CASE WHEN rk * 100 >= cnt * 90 THEN v END), MAX(v), NULL\n"
              + $"FROM (SELECT st, k, v, ROW_NUMBER() OVER (PARTITION BY st, k ORDER BY v) AS rk, COUNT(*) OVER (PARTITION BY st, k) AS cnt FROM ({values}) d) r\n"
              + "GROUP BY st, k";

    private static DurationFacts ToDuration(ReportRow r) => new(r.Status, r.N, r.Total ?? 0, r.P50 ?? 0, r.P90 ?? 0, r.Mx ?? 0);

    /// <summary>The funnel position of a status column: <c>CASE</c> over the funnel's statuses as parameters.</summary>
    private static string StepOf(string column, IReadOnlyList<string?> funnel, string prefix, List<DataParameter> parameters)
    {
        if (funnel.Count == 0)
        {
            return "CASE WHEN 1 = 0 THEN 0 END"; // an integer NULL: the UNION's column types must agree
        }

        var sql = new StringBuilder("CASE");
        for (var i = 0; i < funnel.Count; i++)
        {
            sql.Append(CultureInfo.InvariantCulture, $" WHEN {Matches(column, funnel[i], prefix + i, parameters)} THEN {i}");
        }

        return sql.Append(" END").ToString();
    }

    private static string InSet(string column, IReadOnlyCollection<string?> statuses, string prefix, List<DataParameter> parameters) =>
        statuses.Count == 0 ? "1 = 0" : "(" + string.Join(" OR ", statuses.Select((s, i) => Matches(column, s, prefix + i, parameters))) + ")";

    private static string Matches(string column, string? status, string name, List<DataParameter> parameters)
    {
        if (status is null)
        {
            return $"{column} IS NULL";
        }

        parameters.Add(new DataParameter(name, status, DataType.NVarChar));
        return $"{column} = @{name}";
    }

    private static Task<List<ReportRow>> ReadAsync(DataConnection db, string sql, IReadOnlyList<DataParameter> parameters, CancellationToken cancellationToken) =>
        db.QueryToListAsync<ReportRow>(sql, cancellationToken, [.. parameters, Tenancy.Parameter(db)]);

    private static long Micros(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    private static DateTimeOffset Time(long micros) => DateTimeOffset.UnixEpoch.AddTicks(micros * 10);

    /// <summary>One row of any report statement; each statement fills the columns it names.</summary>
    internal sealed class ReportRow
    {
        [Column("kind")]
        public string? Kind { get; set; }

        [Column("status")]
        public string? Status { get; set; }

        [Column("status2")]
        public string? Status2 { get; set; }

        [Column("n")]
        public long N { get; set; }

        [Column("n_start")]
        public long? NStart { get; set; }

        [Column("n_entered")]
        public long? NEntered { get; set; }

        [Column("n_moves")]
        public long? NMoves { get; set; }

        [Column("total")]
        public decimal? Total { get; set; }

        [Column("p50")]
        public long? P50 { get; set; }

        [Column("p90")]
        public long? P90 { get; set; }

        [Column("mx")]
        public long? Mx { get; set; }

        [Column("idx")]
        public int? Idx { get; set; }

        [Column("still")]
        public long? Still { get; set; }

        [Column("won")]
        public long? Won { get; set; }

        [Column("entered")]
        public long? Entered { get; set; }

        [Column("exited")]
        public long? Exited { get; set; }

        [Column("del")]
        public int? Del { get; set; }

        [Column("ver")]
        public long? Ver { get; set; }

        [Column("currency")]
        public string? Currency { get; set; }
    }
}
