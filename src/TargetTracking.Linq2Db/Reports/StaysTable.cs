namespace TargetTracking.Linq2Db;

/// <summary>
/// The stays table (migration 0009): one row per stay of a target in a status, derived from the history and kept by the
/// write path in the unit of work's transaction, so the reports aggregate stays instead of recomputing them from the
/// whole history with window functions on every run. The rules of a stay are written once, here, as SQL that every
/// database runs (<see cref="Definition"/>, the same rules as the in-memory model <c>ReportModel</c>): the oracle. The
/// migration fills the table with it, a repair rebuilds a target's stays with it (<see cref="Refresh"/>), the integrity
/// check compares the table with it (<see cref="Disagreeing"/>), and the property tests compare what the write path
/// keeps with it. The write path itself never reads a target's history: it closes the open stay and opens the next from
/// the entries it writes (<see cref="StayChanges"/>), so a change costs the same on a target's first change and its
/// ten-thousandth.
/// </summary>
/// <remarks>
/// Times are whole microseconds since 1970-01-01 UTC, as the reports compute with them (<see cref="DialectSql.ReportMicros"/>).
/// </remarks>
internal static class StaysTable
{
    /// <summary>The columns of the table, in the order <see cref="Definition"/> yields them.</summary>
    public const string Columns = "tenant_id, target_id, version, status, entered_us, exited_us, next_status, ended_by_delete";

    /// <summary>The columns of the table before tenancy (migrations 0009 to the tenancy migration), which the first backfill fills.</summary>
    private const string ColumnsBeforeTenancy = "target_id, version, status, entered_us, exited_us, next_status, ended_by_delete";

    /// <summary>
    /// The line in a migration script after which the runner fills the table (<see cref="Backfill"/>): the script
    /// creates the table, the one definition of a stay fills it, in the migration's transaction.
    /// </summary>
    public const string BackfillMarker = "-- targettracking:backfill-stays";

    /// <summary>The actions that open or close a stay (as the model's <c>ReportModel.Relevant</c>); any other (Updated, Linked, Unlinked…) never does.</summary>
    private static readonly HistoryAction[] Relevant = [HistoryAction.Created, HistoryAction.StatusChanged, HistoryAction.Repaired, HistoryAction.Deleted];

    /// <summary>Gets <see cref="Relevant"/> as an SQL list of text literals.</summary>
    public static string RelevantActions { get; } = string.Join(", ", Relevant.Select(a => $"'{a}'"));

    /// <summary>
    /// The stays of the history entries that pass <paramref name="where"/> (over the history row <c>h</c>), as rows of
    /// <see cref="Columns"/>. A relevant entry begins a stay when it is the target's first, the first after a deletion,
    /// or sets another status than the entry before (NULL-aware); a deletion closes the open stay and begins none. A
    /// stay ends at the next entry that begins one (or the deletion), or is open (exited and next status NULL).
    /// Nested derived tables rather than CTEs: every database accepts them inside <c>INSERT … SELECT</c>.
    /// </summary>
    /// <param name="dialect">The database.</param>
    /// <param name="where">A filter on the history row <c>h</c>, or <see langword="null"/> for every target.</param>
    /// <param name="tenanted">Whether the history has its tenant column (every schema since the tenancy migration), which then leads each row.</param>
    /// <returns>The <c>SELECT</c>.</returns>
    public static string Definition(Linq2DbDialect dialect, string? where, bool tenanted = true)
    {
        var (ten, tenant, partition) = tenanted ? ("h.tenant_id AS ten, ", "e.ten AS tenant_id, ", "h.tenant_id, ") : (string.Empty, string.Empty, string.Empty);
        var window = $"OVER (PARTITION BY {(tenanted ? "ten, " : string.Empty)}tid ORDER BY ver, hid)";
        var history = dialect.Sql.Qualify(Tables.History);
        var filter = where is null ? string.Empty : $" AND {where}";
        return $"""
            SELECT {tenant}e.tid AS target_id, e.ver AS version, e.st AS status,
                   {dialect.Sql.ReportMicros("e.at")} AS entered_us, {dialect.Sql.ReportMicros("e.exited")} AS exited_us,
                   CASE WHEN e.nact = 'Deleted' THEN NULL ELSE e.nst END AS next_status,
                   CASE WHEN e.nact = 'Deleted' THEN 1 ELSE 0 END AS ended_by_delete
            FROM (
                SELECT {(tenanted ? "b.ten, " : string.Empty)}b.tid, b.act, b.st, b.ver, b.at,
                       LEAD(b.at) {window} AS exited, LEAD(b.act) {window} AS nact, LEAD(b.st) {window} AS nst
                FROM (
                    SELECT {(tenanted ? "l.ten, " : string.Empty)}l.tid, l.act, l.st, l.ver, l.hid, l.at
                    FROM (
                        SELECT {ten}h.target_id AS tid, h.action AS act, h.new_status AS st, h.version AS ver, h.id AS hid, h.occurred_at AS at,
                               ROW_NUMBER() OVER (PARTITION BY {partition}h.target_id ORDER BY h.version, h.id) AS rn,
                               LAG(h.action) OVER (PARTITION BY {partition}h.target_id ORDER BY h.version, h.id) AS pact,
                               LAG(h.new_status) OVER (PARTITION BY {partition}h.target_id ORDER BY h.version, h.id) AS pst
                        FROM {history} h
                        WHERE h.action IN ({RelevantActions}){filter}
                    ) l
                    WHERE l.act = 'Deleted' OR l.rn = 1 OR l.pact = 'Deleted' OR l.st <> l.pst
                       OR (l.st IS NULL AND l.pst IS NOT NULL) OR (l.st IS NOT NULL AND l.pst IS NULL)
                ) b
            ) e
            WHERE e.act <> 'Deleted'
            """;
    }

    /// <summary>
    /// Fills the table from the whole history, emptying it first (a migration that re-runs after its DDL committed on
    /// its own, as on MariaDB, fills it once): the migration that creates it (before tenancy, so without the tenant
    /// column: the tenancy migration gives its rows the default tenant), and the benchmark's seeding.
    /// </summary>
    /// <param name="dialect">The database.</param>
    /// <param name="tenanted">Whether the schema has the tenant columns.</param>
    /// <returns>The <c>DELETE</c> and the <c>INSERT … SELECT</c>, as one script.</returns>
    public static string Backfill(Linq2DbDialect dialect, bool tenanted = false)
    {
        var stays = dialect.Sql.Qualify(Tables.Stays);
        return $"DELETE FROM {stays};\nINSERT INTO {stays} ({(tenanted ? Columns : ColumnsBeforeTenancy)})\n{Definition(dialect, null, tenanted)};";
    }

    /// <summary>
    /// Recomputes the stays of a set of targets from their history, after a unit of work wrote their entries: two
    /// statements, run in order in the unit of work's transaction. <paramref name="targetIn"/> gives the dialect's
    /// predicate "this column is one of the set" (one parameter, any number of ids).
    /// </summary>
    /// <param name="dialect">The database.</param>
    /// <param name="targetIn">Turns a column into the predicate that it is one of the touched targets.</param>
    /// <param name="tenant">The SQL of the unit of work's tenant (a parameter).</param>
    /// <returns>The <c>DELETE</c> and the <c>INSERT … SELECT</c>.</returns>
    public static (string Delete, string Insert) Refresh(Linq2DbDialect dialect, Func<string, string> targetIn, string tenant = "@tenant")
    {
        var stays = dialect.Sql.Qualify(Tables.Stays);
        return (
            $"DELETE FROM {stays} WHERE tenant_id = {tenant} AND {targetIn("target_id")}",
            $"INSERT INTO {stays} ({Columns})\n{Definition(dialect, $"h.tenant_id = {tenant} AND {targetIn("h.target_id")}")}");
    }

    /// <summary>
    /// The targets whose rows in the table differ from what the definition computes from their history now (a row
    /// missing, extra or different): set-based, both ways, as <c>EXCEPT</c>s over the whole table.
    /// </summary>
    /// <param name="dialect">The database.</param>
    /// <param name="targetIn">Turns a column into the predicate that it is one of the targets to compare, or <see langword="null"/> for all of the tenant's.</param>
    /// <returns>A <c>SELECT</c> of the distinct <c>target_id</c>s of the tenant <c>@tenant</c>.</returns>
    public static string Disagreeing(Linq2DbDialect dialect, Func<string, string>? targetIn = null)
    {
        var stays = $"SELECT {Columns} FROM {dialect.Sql.Qualify(Tables.Stays)} WHERE tenant_id = @tenant" + (targetIn is null ? string.Empty : $" AND {targetIn("target_id")}");
        var definition = Definition(dialect, "h.tenant_id = @tenant" + (targetIn is null ? string.Empty : $" AND {targetIn("h.target_id")}"));
        return $"""
            SELECT DISTINCT d.target_id FROM (
                SELECT x.target_id FROM ({stays} EXCEPT SELECT {Columns} FROM ({definition}) dx) x
                UNION ALL
                SELECT y.target_id FROM (SELECT {Columns} FROM ({definition}) dy EXCEPT {stays}) y
            ) d
            """;
    }
}
