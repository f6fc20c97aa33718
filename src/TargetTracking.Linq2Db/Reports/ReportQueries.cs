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
                WHERE h.action IN ({StaysTable.RelevantActions}) AND h.occurred_at < @cut
            )
            SELECT st AS status, COUNT(*) AS n FROM last WHERE rn = 1 AND act <> 'Deleted' GROUP BY st
            """;
        var rows = await ReadAsync(db, sql, [dialect.Sql.TimeParameter("cut", cut)], cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => new StatusCount(r.Status, r.N))];
    }

    /// <summary>The facts of a pipeline report: one statement per kind of fact, all in the caller's snapshot.</summary>
    public static async Task<PipelineFacts> PipelineAsync(DataConnection db, Linq2DbDialect dialect, PipelineFactsQuery query, CancellationToken cancellationToken)
    {
        var parameters = new List<DataParameter>
        {
            dialect.Sql.TimeParameter("cut", query.Cut),
            new("ageat", Micros(query.AgeAt), DataType.Int64),
            new("ws", query.WindowStart is { } ws ? Micros(ws) : NoStart, DataType.Int64),
            new("we", query.WindowEnd is { } we ? Micros(we) : NoEnd, DataType.Int64),
        };
        var cohort = query.CohortFrom is not null;
        var history = dialect.Sql.Qualify(Tables.History);
        if (cohort)
        {
            parameters.Add(dialect.Sql.TimeParameter("cf", query.CohortFrom!.Value));
            parameters.Add(dialect.Sql.TimeParameter("ct", query.CohortTo!.Value));
        }

        var step = StepOf("st", query.Funnel, "f", parameters);
        var won = InSet("st", query.Won, "w", parameters);
        var lost = InSet("st", query.Lost, "l", parameters);
        // Stays that ended before the window cannot count in any figure: the scope keeps the others only.
        parameters.Add(new("cutus", CutMicros(query.Cut), DataType.Int64));
        var cohortFilter = cohort
            ? $"s.target_id IN (SELECT c.target_id FROM {history} c WHERE c.action = 'Created' AND c.occurred_at >= @cf AND c.occurred_at < @ct AND c.occurred_at < @cut"
              + $" AND NOT EXISTS (SELECT 1 FROM {history} e WHERE e.target_id = c.target_id AND e.action = 'Created' AND e.occurred_at < @cf))"
            : null;
        var stays = AsOfCut(dialect, cohortFilter, "(s.exited_us IS NULL OR s.exited_us >= @ws OR s.exited_us >= @cutus)");
        var scope = "SELECT tid, st, ver, entered, exited, nst, del FROM cut WHERE exited IS NULL OR exited >= @ws";
        string prefix;
        if (dialect.Sql.ReportScratch is { } scratch)
        {
            // Every figure then reads the scope from a temporary table of this transaction, filled once.
            await db.ExecuteAsync(scratch.Create, cancellationToken).ConfigureAwait(false);
            await db.ExecuteAsync($"INSERT INTO {scratch.Name} (tid, st, ver, entered, exited, nst, del) {stays}\n{scope}", cancellationToken, [.. parameters]).ConfigureAwait(false);
            if (scratch.Analyze is { } analyze)
            {
                await db.ExecuteAsync(analyze, cancellationToken).ConfigureAwait(false);
            }

            prefix = $"WITH scope AS {scratch.Inline} (SELECT tid, st, ver, entered, exited, nst, del FROM {scratch.Name})\n";
        }
        else
        {
            prefix = $"{stays}, scope AS ({scope})\n";
        }

        const string inWindow = "entered >= @ws AND entered < @we";
        const string exitedInWindow = "exited IS NOT NULL AND exited >= @ws AND exited < @we";

        async Task<List<ReportRow>> Read(string tail) =>
            await ReadAsync(db, prefix + tail, parameters, cancellationToken).ConfigureAwait(false);

        var counts = await Read("SELECT st AS status, COUNT(*) AS n FROM scope WHERE exited IS NULL GROUP BY st").ConfigureAwait(false);
        var atStart = query.WindowStart is null
            ? []
            : await Read("SELECT st AS status, COUNT(*) AS n FROM scope WHERE entered < @ws AND (exited IS NULL OR exited >= @ws) GROUP BY st").ConfigureAwait(false);
        var moves = await Read($"SELECT st AS status, nst AS status2, COUNT(*) AS n FROM scope WHERE del = 0 AND {exitedInWindow} GROUP BY st, nst").ConfigureAwait(false);
        var entered = await Read($"SELECT st AS status, COUNT(*) AS n FROM scope WHERE {inWindow} GROUP BY st").ConfigureAwait(false);
        var closed = await Read(Durations(dialect, $"SELECT st, exited - entered AS v FROM scope WHERE {exitedInWindow}")).ConfigureAwait(false);
        var open = await Read(Durations(dialect, "SELECT st, @ageat - entered AS v FROM scope WHERE exited IS NULL")).ConfigureAwait(false);
        var funnel = query.Funnel.Count == 0
            ? []
            : await Read(
                $", fun AS (SELECT tid, MAX({step}) AS mx FROM scope WHERE {inWindow} GROUP BY tid),\n"
                + $"cur AS (SELECT tid, {step} AS ci FROM scope WHERE exited IS NULL)\n"
                + "SELECT f.mx AS idx, COUNT(*) AS n, SUM(CASE WHEN c.ci = f.mx THEN 1 ELSE 0 END) AS still, SUM(CASE WHEN c.ci = f.mx THEN 0 ELSE 1 END) AS dropped\n"
                + "FROM fun f LEFT JOIN cur c ON c.tid = f.tid WHERE f.mx IS NOT NULL GROUP BY f.mx").ConfigureAwait(false);
        var outcome = await Read(
            $", wl AS (SELECT st, ROW_NUMBER() OVER (PARTITION BY tid ORDER BY ver DESC) AS rk FROM scope WHERE {inWindow} AND ({won} OR {lost}))\n"
            + $"SELECT SUM(CASE WHEN {won} THEN 1 ELSE 0 END) AS won, SUM(CASE WHEN {won} THEN 0 ELSE 1 END) AS lost FROM wl WHERE rk = 1").ConfigureAwait(false);

        return new PipelineFacts
        {
            Counts = [.. counts.Select(r => new StatusCount(r.Status, r.N))],
            CountsAtStart = [.. atStart.Select(r => new StatusCount(r.Status, r.N))],
            Transitions = [.. moves.Select(r => new TransitionCount(r.Status, r.Status2, r.N))],
            Entered = [.. entered.Select(r => new StatusCount(r.Status, r.N))],
            Closed = [.. closed.Select(ToDuration)],
            Open = [.. open.Select(ToDuration)],
            Funnel = [.. funnel.Select(r => new FunnelFacts(r.Idx!.Value, r.N, r.Still ?? 0, r.Dropped ?? 0))],
            Won = outcome.FirstOrDefault()?.Won ?? 0,
            Lost = outcome.FirstOrDefault()?.Lost ?? 0,
        };
    }

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
                WHERE s.entered_us < @cutus{where}
            )
            """;
    }

    /// <summary>The cut in whole microseconds, rounded up: a stored time (whole microseconds) is before the cut exactly when it is before this.</summary>
    private static long CutMicros(DateTimeOffset cut)
    {
        var ticks = cut.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return (ticks / 10) + (ticks % 10 > 0 ? 1 : 0);
    }

    /// <summary>Count, sum, percentile_disc(0.5), percentile_disc(0.9) and max per status of the durations <c>v</c> the query yields.</summary>
    private static string Durations(Linq2DbDialect dialect, string values) =>
        dialect.Sql.Percentile(50, "v") is { } p50 && dialect.Sql.Percentile(90, "v") is { } p90
            ? $", d AS ({values})\nSELECT st AS status, COUNT(*) AS n, SUM(v) AS total, {p50} AS p50, {p90} AS p90, MAX(v) AS mx FROM d GROUP BY st"
            : $", d AS ({values}),\n"
        + "r AS (SELECT st, v, ROW_NUMBER() OVER (PARTITION BY st ORDER BY v) AS rk, COUNT(*) OVER (PARTITION BY st) AS cnt FROM d)\n"
        + "SELECT st AS status, COUNT(*) AS n, SUM(v) AS total, MIN(CASE WHEN rk * 100 >= cnt * 50 THEN v END) AS p50,\n"
        + "       MIN(CASE WHEN rk * 100 >= cnt * 90 THEN v END) AS p90, MAX(v) AS mx\n"
        + "FROM r GROUP BY st";

    private static DurationFacts ToDuration(ReportRow r) => new(r.Status, r.N, r.Total ?? 0, r.P50 ?? 0, r.P90 ?? 0, r.Mx ?? 0);

    /// <summary>The funnel position of a status column: <c>CASE</c> over the funnel's statuses as parameters.</summary>
    private static string StepOf(string column, IReadOnlyList<string?> funnel, string prefix, List<DataParameter> parameters)
    {
        if (funnel.Count == 0)
        {
            return "NULL";
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
        db.QueryToListAsync<ReportRow>(sql, cancellationToken, [.. parameters]);

    private static long Micros(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    private static DateTimeOffset Time(long micros) => DateTimeOffset.UnixEpoch.AddTicks(micros * 10);

    /// <summary>One row of any report statement; each statement fills the columns it names.</summary>
    internal sealed class ReportRow
    {
        [Column("status")]
        public string? Status { get; set; }

        [Column("status2")]
        public string? Status2 { get; set; }

        [Column("n")]
        public long N { get; set; }

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

        [Column("dropped")]
        public long? Dropped { get; set; }

        [Column("won")]
        public long? Won { get; set; }

        [Column("lost")]
        public long? Lost { get; set; }

        [Column("entered")]
        public long? Entered { get; set; }

        [Column("exited")]
        public long? Exited { get; set; }

        [Column("del")]
        public int? Del { get; set; }

        [Column("ver")]
        public long? Ver { get; set; }
    }
}
