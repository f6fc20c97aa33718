using System.Linq.Expressions;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;

namespace TargetTracking.Linq2Db;

/// <summary>
/// The integrity check in the database, written once in LINQ: one pass over the history with window functions (gaps,
/// broken chains and duplicates by <c>LAG</c>/<c>LEAD</c> over each target's entries in version order, the last
/// entry against the target row by a left join, the newest <c>Repaired</c> checkpoint by a windowed <c>MAX</c>),
/// anti-joins for targets without history and for links to missing targets or items, and filters for unknown statuses and unreadable rows. Every query streams;
/// only problem rows leave the database. The rules are those of the in-memory model (<c>IntegrityModel</c>).
/// </summary>
internal static class IntegrityScanner
{
    private const string Created = nameof(HistoryAction.Created);
    private const string Deleted = nameof(HistoryAction.Deleted);
    private const string Repaired = nameof(HistoryAction.Repaired);

    /// <summary>The actions the library reads; anything else in the column is a malformed row.</summary>
    private static readonly string[] KnownActions = Enum.GetNames<HistoryAction>();

    /// <summary>
    /// Runs the scan on <paramref name="db"/>, in the read transaction the store began over one snapshot (or a host's).
    /// </summary>
    public static async Task<IntegrityCounts> ScanAsync(DataConnection db, Linq2DbDialect dialect, IntegrityScan scan, Action<IntegrityFinding> found, CancellationToken cancellationToken)
    {
        var ids = scan.Targets is { } named ? named.Select(i => i.Value).Distinct().ToArray() : null;
        var targets = db.GetTable<TargetRecord>().AsQueryable();
        var history = db.GetTable<HistoryRecord>().AsQueryable();
        if (ids is not null)
        {
            targets = targets.Where(dialect.Sql.IdIn(ids));
            history = history.Where(Rebind<HistoryRecord>(dialect.Sql.IdIn(ids), "TargetId"));
        }

        var counts = new IntegrityCounts(
            await targets.LongCountAsync(cancellationToken).ConfigureAwait(false),
            await history.LongCountAsync(cancellationToken).ConfigureAwait(false));

        // The targets with a problem of their history or row: a repair of those appends an entry that rebuilds their
        // stays anyway, so a stays disagreement is reported only for targets whose history is otherwise sound.
        var troubled = new HashSet<Guid>();
        var malformed = false;
        void Found(IntegrityFinding finding)
        {
            malformed |= finding.Kind == IntegrityProblemKind.MalformedRow;
            if (finding.Kind != IntegrityProblemKind.LinkToMissingRow && finding.TargetId is { } id)
            {
                troubled.Add(id.Value);
            }

            found(finding);
        }

        var readable = history.Where(Not(dialect.Schema.MalformedHistory)).Where(h => KnownActions.Contains(h.Action));
        var wellFormed = targets.Where(Not(dialect.Schema.MalformedTarget));
        await ScanHistoryAsync(db, readable, Found, cancellationToken).ConfigureAwait(false);
        await ScanTargetsAsync(wellFormed, readable, scan.KnownStatuses, Found, cancellationToken).ConfigureAwait(false);
        var links = db.GetTable<LinkRecord>().AsQueryable();
        await ScanLinksAsync(db, ids is null ? links : links.Where(Rebind<LinkRecord>(dialect.Sql.IdIn(ids), "TargetId")), Found, cancellationToken).ConfigureAwait(false);
        if (ids is null)
        {
            await ScanMalformedAsync(db, dialect, Found, cancellationToken).ConfigureAwait(false);
        }

        // The definition reads every history row as its mapping does: with unreadable rows about, their fix comes first.
        if (!malformed)
        {
            await ScanStaysAsync(db, dialect, ids, troubled, found, cancellationToken).ConfigureAwait(false);
        }

        return counts;
    }

    /// <summary>
    /// The stays table against its definition (<see cref="StaysTable.Disagreeing"/>), both ways, set-based: the targets
    /// whose derived stays differ from their history, with their rows. Usually none; the definition is the oracle.
    /// </summary>
    private static async Task ScanStaysAsync(DataConnection db, Linq2DbDialect dialect, Guid[]? ids, HashSet<Guid> troubled, Action<IntegrityFinding> found, CancellationToken cancellationToken)
    {
        var sql = StaysTable.Disagreeing(dialect, ids is null ? null : column => $"{column} IN (SELECT s.id FROM {dialect.Sql.IdSet("@ids")} AS s)");
        var keys = ids is null
            ? await db.QueryToListAsync<StayKeyRecord>(sql, cancellationToken, Tenancy.Parameter(db)).ConfigureAwait(false)
            : await db.QueryToListAsync<StayKeyRecord>(sql, cancellationToken, dialect.Sql.IdsParameter("ids", ids), Tenancy.Parameter(db)).ConfigureAwait(false);
        if (keys.Count == 0)
        {
            return;
        }

        var disagreeing = keys.Select(k => k.TargetId).Where(id => !troubled.Contains(id)).Distinct().Order().ToArray();
        if (disagreeing.Length == 0)
        {
            return;
        }

        var rows = await db.GetTable<TargetRecord>().Where(dialect.Sql.IdIn(disagreeing))
            .Select(t => new { t.Id, t.Status, t.Version })
            .ToDictionaryAsync(t => t.Id, cancellationToken).ConfigureAwait(false);
        foreach (var id in disagreeing)
        {
            found(new IntegrityFinding
            {
                Kind = IntegrityProblemKind.StaysDisagreeWithHistory,
                TargetId = new TargetId(id),
                Row = rows.TryGetValue(id, out var row) ? new IntegrityRow(row.Status, row.Version) : null,
            });
        }
    }

    /// <summary>
    /// Not Set in the text window columns (LAG, LAST_VALUE) as they leave the database: never NULL, so every row reads as
    /// text. SQLite gives an expression's NULL no type, and linq2db's reader built on such a first row then refused the
    /// text of later rows (seen in CI, depending on which row came first). A stored status is never empty.
    /// </summary>
    private const string NotSet = "";

    private static string? Status(string? windowed) => string.IsNullOrEmpty(windowed) ? null : windowed;

    /// <summary>The history pass: each entry with its neighbours by version, the target's checkpoint and last entry, and its row.</summary>
    private static async Task ScanHistoryAsync(DataConnection db, IQueryable<HistoryRecord> readable, Action<IntegrityFinding> found, CancellationToken cancellationToken)
    {
        // First and last are told by position, not by LAG or LEAD being null: linq2db takes a NOT NULL column's
        // nullability for LAG's and LEAD's and would optimize "is there an entry before" away.
        var windowed =
            from h in readable
            select new WindowRow
            {
                Id = h.Id,
                TargetId = h.TargetId,
                Action = h.Action,
                OldStatus = h.OldStatus,
                NewStatus = h.NewStatus,
                Version = h.Version,
                Position = Sql.Ext.RowNumber().Over().PartitionBy(h.TargetId).OrderBy(h.Version).ThenBy(h.Id).ToValue(),
                Entries = Sql.Ext.Count().Over().PartitionBy(h.TargetId).ToValue(),
                PrevId = Sql.Ext.Lag((Guid?)h.Id).Over().PartitionBy(h.TargetId).OrderBy(h.Version).ThenBy(h.Id).ToValue(),
                PrevAction = Sql.Ext.Lag(h.Action).Over().PartitionBy(h.TargetId).OrderBy(h.Version).ThenBy(h.Id).ToValue() ?? NotSet,
                PrevOldStatus = Sql.Ext.Lag(h.OldStatus).Over().PartitionBy(h.TargetId).OrderBy(h.Version).ThenBy(h.Id).ToValue() ?? NotSet,
                PrevStatus = Sql.Ext.Lag(h.NewStatus).Over().PartitionBy(h.TargetId).OrderBy(h.Version).ThenBy(h.Id).ToValue() ?? NotSet,
                PrevVersion = Sql.Ext.Lag((long?)h.Version).Over().PartitionBy(h.TargetId).OrderBy(h.Version).ThenBy(h.Id).ToValue(),
                NextVersion = Sql.Ext.Lead((long?)h.Version).Over().PartitionBy(h.TargetId).OrderBy(h.Version).ThenBy(h.Id).ToValue(),
                Checkpoint = Sql.Ext.Max(h.Action == Repaired ? (long?)h.Version : null).Over().PartitionBy(h.TargetId).ToValue(),
                LastId = Sql.Ext.LastValue(h.Id, Sql.Nulls.None).Over().PartitionBy(h.TargetId).OrderBy(h.Version).ThenBy(h.Id)
                    .Rows.Between.UnboundedPreceding.And.UnboundedFollowing.ToValue(),
                LastAction = Sql.Ext.LastValue(h.Action, Sql.Nulls.None).Over().PartitionBy(h.TargetId).OrderBy(h.Version).ThenBy(h.Id)
                    .Rows.Between.UnboundedPreceding.And.UnboundedFollowing.ToValue(),
                LastOldStatus = Sql.Ext.LastValue(h.OldStatus, Sql.Nulls.None).Over().PartitionBy(h.TargetId).OrderBy(h.Version).ThenBy(h.Id)
                    .Rows.Between.UnboundedPreceding.And.UnboundedFollowing.ToValue() ?? NotSet,
                LastStatus = Sql.Ext.LastValue(h.NewStatus, Sql.Nulls.None).Over().PartitionBy(h.TargetId).OrderBy(h.Version).ThenBy(h.Id)
                    .Rows.Between.UnboundedPreceding.And.UnboundedFollowing.ToValue() ?? NotSet,
                LastVersion = Sql.Ext.LastValue(h.Version, Sql.Nulls.None).Over().PartitionBy(h.TargetId).OrderBy(h.Version).ThenBy(h.Id)
                    .Rows.Between.UnboundedPreceding.And.UnboundedFollowing.ToValue(),
            };

        var flagged =
            from w in windowed
            from t in db.GetTable<TargetRecord>().LeftJoin(t => t.Id == w.TargetId)
            let checkable = w.Checkpoint == null || w.Version > w.Checkpoint
            let first = w.Position == 1
            let last = w.Position == w.Entries
            select new FlaggedRow
            {
                Row = w,
                RowExists = t != null,
                RowStatus = t.Status,
                RowVersion = (long?)t.Version,
                Gap = checkable && (first ? w.Version != 1 : w.Version - w.PrevVersion > 1),
                Chain = checkable && (first
                    ? w.Action != Created || w.OldStatus != null
                    : w.Version != w.PrevVersion && (w.Action == Created || w.PrevAction == Deleted || (w.OldStatus ?? NotSet) != w.PrevStatus)),
                Duplicate = checkable && !last && w.Version == w.NextVersion && (first || w.PrevVersion != w.Version),
                Orphan = last && t == null && w.Action != Deleted,
                Disagrees = last && t != null && (w.Action == Deleted || w.NewStatus != t.Status || w.Version != t.Version),
            };

        var problems = flagged.Where(f => f.Gap || f.Chain || f.Duplicate || f.Orphan || f.Disagrees);
        await foreach (var f in problems.AsAsyncEnumerable().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var w = f.Row;
            var id = new TargetId(w.TargetId);
            var entry = new HistoryEntryFacts(w.Id, Parse(w.Action), w.OldStatus, w.NewStatus, w.Version);
            var previous = w.Position > 1 ? new HistoryEntryFacts(w.PrevId!.Value, Parse(w.PrevAction!), Status(w.PrevOldStatus), Status(w.PrevStatus), w.PrevVersion!.Value) : null;
            var row = f.RowExists ? new IntegrityRow(f.RowStatus, f.RowVersion!.Value) : null;
            var tail = new HistoryEntryFacts(w.LastId, Parse(w.LastAction), Status(w.LastOldStatus), Status(w.LastStatus), w.LastVersion);
            IntegrityFinding Finding(IntegrityProblemKind kind, HistoryEntryFacts? before) =>
                new() { Kind = kind, TargetId = id, Entry = entry, Previous = before, Row = row, Tail = tail };

            if (f.Gap)
            {
                found(Finding(IntegrityProblemKind.VersionGap, previous));
            }

            if (f.Chain)
            {
                found(Finding(IntegrityProblemKind.BrokenChain, previous));
            }

            if (f.Duplicate)
            {
                found(Finding(IntegrityProblemKind.DuplicateVersion, null));
            }

            if (f.Orphan)
            {
                found(Finding(IntegrityProblemKind.OrphanedHistory, null));
            }

            if (f.Disagrees)
            {
                found(Finding(IntegrityProblemKind.StatusDisagreesWithHistory, null));
            }
        }
    }

    /// <summary>Targets without readable history (an anti-join), and targets in a status not spelled as configured.</summary>
    private static async Task ScanTargetsAsync(
        IQueryable<TargetRecord> targets, IQueryable<HistoryRecord> readable, IReadOnlyCollection<string> knownStatuses, Action<IntegrityFinding> found, CancellationToken cancellationToken)
    {
        var missing = targets
            .Where(t => !readable.Any(h => h.TargetId == t.Id))
            .Select(t => new { t.Id, t.Status, t.Version });
        await foreach (var t in missing.AsAsyncEnumerable().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            found(new IntegrityFinding { Kind = IntegrityProblemKind.MissingHistory, TargetId = new TargetId(t.Id), Row = new IntegrityRow(t.Status, t.Version) });
        }

        var known = knownStatuses.ToArray();
        var unknown = targets
            .Where(t => t.Status != null && !known.Contains(t.Status))
            .Select(t => new { t.Id, t.Status, t.Version });
        await foreach (var t in unknown.AsAsyncEnumerable().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            found(new IntegrityFinding { Kind = IntegrityProblemKind.UnknownStatus, TargetId = new TargetId(t.Id), Row = new IntegrityRow(t.Status, t.Version) });
        }
    }

    /// <summary>
    /// Links to missing rows, in one query: the links left-joined to the targets and to the items, kept where the target
    /// is missing or no item has the link's id with its kind (anti-joins; the foreign keys make it empty unless they were
    /// off). Each carries the target's row and the highest version of its history, all a repair needs.
    /// </summary>
    private static async Task ScanLinksAsync(DataConnection db, IQueryable<LinkRecord> links, Action<IntegrityFinding> found, CancellationToken cancellationToken)
    {
        var history = db.GetTable<HistoryRecord>();
        var broken =
            from l in links
            from t in db.GetTable<TargetRecord>().LeftJoin(t => t.Id == l.TargetId)
            from i in db.GetTable<ItemRecord>().LeftJoin(i => i.Id == l.ItemId)
            where t == null || i == null || i.Kind != l.Kind
            select new
            {
                l.TargetId,
                l.ItemId,
                l.Kind,
                TargetExists = t != null,
                Status = (string?)t.Status,
                Version = (long?)t.Version,
                ItemKind = (string?)i.Kind,
                LastVersion = history.Where(h => h.TargetId == l.TargetId).Max(h => (long?)h.Version),
            };
        await foreach (var l in broken.AsAsyncEnumerable().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            found(new IntegrityFinding
            {
                Kind = IntegrityProblemKind.LinkToMissingRow,
                TargetId = new TargetId(l.TargetId),
                Row = l.TargetExists ? new IntegrityRow(l.Status, l.Version!.Value) : null,
                Link = new IntegrityLink(l.ItemId, l.Kind, l.TargetExists, l.ItemKind, l.LastVersion),
            });
        }
    }

    /// <summary>
    /// Rows the mapping cannot read: the dialect's malformed ids and markets, and unknown actions. Keys are read as text
    /// where the dialect stores them as text and says they can be malformed (SQLite), typed otherwise (a binary or uuid
    /// key is always a GUID, and its text would be the bytes).
    /// </summary>
    private static async Task ScanMalformedAsync(DataConnection db, Linq2DbDialect dialect, Action<IntegrityFinding> found, CancellationToken cancellationToken)
    {
        var textKeys = !IsNever(dialect.Schema.MalformedHistory);
        var targetRows = db.GetTable<TargetRecord>().Where(dialect.Schema.MalformedTarget);
        var targets = textKeys
            ? targetRows.Select(t => new RawRow { Id = AsText(t.Id), Markets = AsText(t.Markets) })
            : targetRows.Select(t => new RawRow { Key = t.Id, Markets = AsText(t.Markets) });
        await foreach (var t in targets.AsAsyncEnumerable().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var id = t.Id ?? t.Key!.Value.ToString("D");
            var values = new List<MalformedValue>();
            if (!IsGuid(id))
            {
                values.Add(Value("id", id));
            }

            if (!IsTextArray(t.Markets))
            {
                values.Add(Value("markets", t.Markets));
            }

            found(new IntegrityFinding
            {
                Kind = IntegrityProblemKind.MalformedRow,
                TargetId = IsGuid(id) ? new TargetId(Guid.Parse(id)) : null,
                Malformed = new MalformedRow("targets", id, values.Count > 0 ? values : [Value("markets", t.Markets)]),
            });
        }

        var historyRows = db.GetTable<HistoryRecord>().Where(Or(dialect.Schema.MalformedHistory, h => !KnownActions.Contains(h.Action)));
        var history = textKeys
            ? historyRows.Select(h => new RawRow { Id = AsText(h.Id), TargetId = AsText(h.TargetId), Action = h.Action })
            : historyRows.Select(h => new RawRow { Key = h.Id, TargetKey = h.TargetId, Action = h.Action });
        await foreach (var h in history.AsAsyncEnumerable().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var id = h.Id ?? h.Key!.Value.ToString("D");
            var targetId = h.TargetId ?? h.TargetKey!.Value.ToString("D");
            var values = new List<MalformedValue>();
            if (!IsGuid(id))
            {
                values.Add(Value("id", id));
            }

            if (!IsGuid(targetId))
            {
                values.Add(Value("target_id", targetId));
            }

            if (!KnownActions.Contains(h.Action ?? string.Empty, StringComparer.Ordinal))
            {
                values.Add(Value("action", h.Action));
            }

            found(new IntegrityFinding
            {
                Kind = IntegrityProblemKind.MalformedRow,
                TargetId = IsGuid(targetId) ? new TargetId(Guid.Parse(targetId)) : null,
                Malformed = new MalformedRow("history", id, values),
            });
        }
    }

    /// <summary>Tells whether a filter is the default "never" (<c>_ =&gt; false</c>).</summary>
    private static bool IsNever<T>(Expression<Func<T, bool>> filter) => filter.Body is ConstantExpression { Value: false };

    /// <summary>A key as the store spells it: the lower-case "D" form of a GUID.</summary>
    private static bool IsGuid(string? text) =>
        text is not null && Guid.TryParseExact(text, "D", out var guid) && string.Equals(guid.ToString("D"), text, StringComparison.Ordinal);

    private static bool IsTextArray(string? json)
    {
        if (json is null)
        {
            return false;
        }

        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<string[]>(json) is { } markets && markets.All(m => m is not null);
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static MalformedValue Value(string column, string? text) =>
        new(column, text is null || text.Length <= MalformedValue.MaxLength ? text : text[..MalformedValue.MaxLength]);

    private static HistoryAction Parse(string action) => Enum.Parse<HistoryAction>(action);

    /// <summary>A column's stored value as text, whatever the mapping makes of it.</summary>
    [Sql.Expression("CAST({0} AS TEXT)", ServerSideOnly = true)]
    [Sql.Expression(ProviderName.MySql, "CAST({0} AS CHAR)", ServerSideOnly = true)]
    private static string AsText<T>(T value) => throw new InvalidOperationException("Runs only in SQL.");

    private static Expression<Func<T, bool>> Not<T>(Expression<Func<T, bool>> filter) =>
        Expression.Lambda<Func<T, bool>>(Expression.Not(filter.Body), filter.Parameters);

    private static Expression<Func<T, bool>> Or<T>(Expression<Func<T, bool>> a, Expression<Func<T, bool>> b) =>
        Expression.Lambda<Func<T, bool>>(Expression.OrElse(a.Body, new Swap(b.Parameters[0], a.Parameters[0]).Visit(b.Body)), a.Parameters);

    /// <summary>
    /// Moves the dialect's id filter of targets (<c>t.Id</c> is one of …) onto another record's key column, so the
    /// history of the named targets is found with the same one-parameter filter, orphans included.
    /// </summary>
    private static Expression<Func<T, bool>> Rebind<T>(Expression<Func<TargetRecord, bool>> idFilter, string keyProperty)
    {
        var record = Expression.Parameter(typeof(T), "r");
        var key = Expression.Property(record, keyProperty);
        var body = new KeyRewriter(idFilter.Parameters[0], key).Visit(idFilter.Body);
        return Expression.Lambda<Func<T, bool>>(body, record);
    }

    private sealed class Swap(ParameterExpression from, Expression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }

    private sealed class KeyRewriter(ParameterExpression target, Expression key) : ExpressionVisitor
    {
        protected override Expression VisitMember(MemberExpression node) =>
            node.Expression == target && node.Member.Name == nameof(TargetRecord.Id) ? key : base.VisitMember(node);

        protected override Expression VisitParameter(ParameterExpression node) =>
            node == target ? throw new InvalidOperationException("The dialect's id filter uses the target row beyond its id.") : base.VisitParameter(node);
    }

    /// <summary>A history entry with its neighbours and its target's checkpoint and last entry.</summary>
    private sealed class WindowRow
    {
        public Guid Id { get; set; }

        public Guid TargetId { get; set; }

        public string Action { get; set; } = string.Empty;

        public string? OldStatus { get; set; }

        public string? NewStatus { get; set; }

        public long Version { get; set; }

        /// <summary>The entry's place among its target's readable entries, from 1.</summary>
        public long Position { get; set; }

        /// <summary>How many readable entries its target has.</summary>
        public long Entries { get; set; }

        public Guid? PrevId { get; set; }

        public string? PrevAction { get; set; }

        public string? PrevOldStatus { get; set; }

        public string? PrevStatus { get; set; }

        public long? PrevVersion { get; set; }

        public long? NextVersion { get; set; }

        public long? Checkpoint { get; set; }

        public Guid LastId { get; set; }

        public string LastAction { get; set; } = string.Empty;

        public string? LastOldStatus { get; set; }

        public string? LastStatus { get; set; }

        public long LastVersion { get; set; }
    }

    /// <summary>A row read as stored, for the report of a malformed row: keys as text or typed, values as text.</summary>
    private sealed class RawRow
    {
        public string? Id { get; set; }

        public Guid? Key { get; set; }

        public string? TargetId { get; set; }

        public Guid? TargetKey { get; set; }

        public string? Markets { get; set; }

        public string? Action { get; set; }
    }

    /// <summary>A history entry with what is wrong with it.</summary>
    private sealed class FlaggedRow
    {
        public WindowRow Row { get; set; } = null!;

        public bool RowExists { get; set; }

        public string? RowStatus { get; set; }

        public long? RowVersion { get; set; }

        public bool Gap { get; set; }

        public bool Chain { get; set; }

        public bool Duplicate { get; set; }

        public bool Orphan { get; set; }

        public bool Disagrees { get; set; }
    }
}
