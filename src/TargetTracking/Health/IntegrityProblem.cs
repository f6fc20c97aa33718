using System.Collections.ObjectModel;
using System.Globalization;

namespace TargetTracking;

/// <summary>What is wrong with a target's stored state.</summary>
public enum IntegrityProblemKind
{
    /// <summary>History whose target is gone without a <see cref="HistoryAction.Deleted"/> entry.</summary>
    OrphanedHistory = 0,

    /// <summary>The target's status or version differs from what its last history entry says (or that entry is a deletion).</summary>
    StatusDisagreesWithHistory = 1,

    /// <summary>A target with no history at all.</summary>
    MissingHistory = 2,

    /// <summary>Versions that skip: the history starts above version 1, or an entry is more than one version after the one before.</summary>
    VersionGap = 3,

    /// <summary>
    /// An entry that does not follow from the one before: its old status is not the previous entry's new status, it
    /// follows a deletion, a second <see cref="HistoryAction.Created"/>, or a first entry that is not a creation.
    /// </summary>
    BrokenChain = 4,

    /// <summary>Two or more entries of a target with the same version.</summary>
    DuplicateVersion = 5,

    /// <summary>A target in a status the pipeline no longer has (not even in another case).</summary>
    UnknownStatus = 6,

    /// <summary>A stored row the library cannot read: an id that is not a GUID, markets that are not a JSON array of text, an unknown action.</summary>
    MalformedRow = 7,

    /// <summary>
    /// A row of the links table (see <see cref="OutcomeLink"/>) that should not exist: its outcome's row is gone, or no
    /// goal, sprint or commitment has its item id with the kind it claims. The foreign keys keep these out; they come from
    /// other tools, restored backups or keys switched off. <see cref="IntegrityProblem.Link"/> says which side is missing.
    /// </summary>
    LinkToMissingRow = 8,

    /// <summary>
    /// The stays table, which the reports read (docs/reports.md), differs from what the target's history says: a stay
    /// missing, extra or different. The write path keeps the table from the entries it writes; this finds a table changed
    /// behind the store's back (raw SQL, a restored backup). A repair rebuilds the target's stays from its history and
    /// writes no history entry (the history is right; the table is derived from it). Stores without a stays table (the
    /// in-memory store computes stays from the history) never report it.
    /// </summary>
    StaysDisagreeWithHistory = 9,
}

/// <summary>One problem the integrity check found.</summary>
public sealed record IntegrityProblem
{
    /// <summary>Gets what is wrong.</summary>
    public required IntegrityProblemKind Kind { get; init; }

    /// <summary>Gets the target, or <see langword="null"/> for a malformed row whose target id cannot be read.</summary>
    public TargetId? TargetId { get; init; }

    /// <summary>Gets the history entry concerned (the entry after a gap, the entry that breaks the chain, a duplicate, the last entry), if any.</summary>
    public Guid? EntryId { get; init; }

    /// <summary>Gets the version of <see cref="EntryId"/>, if any.</summary>
    public long? Version { get; init; }

    /// <summary>Gets the row as stored, for <see cref="IntegrityProblemKind.MalformedRow"/>.</summary>
    public MalformedRow? Malformed { get; init; }

    /// <summary>Gets the link concerned, for <see cref="IntegrityProblemKind.LinkToMissingRow"/>.</summary>
    public IntegrityLink? Link { get; init; }

    /// <summary>Gets a sentence a person can read.</summary>
    public required string Detail { get; init; }

    /// <summary>Gets a value indicating whether <see cref="TargetHealth.ApplyRepairAsync"/> can set it right (unknown statuses and malformed rows it cannot).</summary>
    public bool IsRepairable => Kind is not (IntegrityProblemKind.UnknownStatus or IntegrityProblemKind.MalformedRow);

    /// <inheritdoc />
    public override string ToString() => $"{Kind} {TargetId?.ToString() ?? Malformed?.StoredId}: {Detail}";

    /// <summary>Describes a store's finding in words; the one place the check's findings are put into sentences.</summary>
    internal static IntegrityProblem From(IntegrityFinding finding)
    {
        var e = finding.Entry;
        var p = finding.Previous;
        var detail = finding.Kind switch
        {
            IntegrityProblemKind.OrphanedHistory =>
                $"The target is gone, but its last history entry is {e!.Action} at version {e.Version}, not Deleted.",
            IntegrityProblemKind.StatusDisagreesWithHistory =>
                $"The target is {StatusStateMachine.Display(finding.Row!.Status)} at version {finding.Row.Version}; its last history entry ({e!.Action}) says {StatusStateMachine.Display(e.NewStatus)} at version {e.Version}.",
            IntegrityProblemKind.MissingHistory => "The target has no history entry.",
            IntegrityProblemKind.VersionGap => p is null
                ? $"The history starts at version {e!.Version}, not 1."
                : $"Version {p.Version} is followed by version {e!.Version}: {e.Version - p.Version - 1} version(s) missing.",
            IntegrityProblemKind.BrokenChain => Chain(e!, p),
            IntegrityProblemKind.DuplicateVersion => $"Version {e!.Version} is recorded more than once.",
            IntegrityProblemKind.UnknownStatus => $"The target is in status '{finding.Row!.Status}', which the pipeline does not have.",
            IntegrityProblemKind.MalformedRow => DescribeMalformed(finding.Malformed!),
            IntegrityProblemKind.LinkToMissingRow => DescribeLink(finding.Link!),
            IntegrityProblemKind.StaysDisagreeWithHistory => "The target's stays in the reports' stays table differ from what its history says.",
            _ => throw new InvalidOperationException($"Unknown problem kind {finding.Kind}."),
        };

        return new IntegrityProblem
        {
            Kind = finding.Kind,
            TargetId = finding.TargetId,
            EntryId = e?.Id,
            Version = e?.Version,
            Malformed = finding.Malformed is { } m ? m with { Values = new ReadOnlyCollection<MalformedValue>([.. m.Values]) } : null,
            Link = finding.Link,
            Detail = detail,
        };
    }

    private static string DescribeLink(IntegrityLink link)
    {
        var item = link.ItemKind is null
            ? $"no item has the id {link.ItemId:D}"
            : string.Equals(link.ItemKind, link.Kind, StringComparison.Ordinal) ? null : $"item {link.ItemId:D} is a {link.ItemKind}";
        var target = link.TargetExists ? null : "the outcome's row is gone";
        return $"The link to {link.Kind} {link.ItemId:D} points at a missing row: " + string.Join(" and ", new[] { target, item }.Where(s => s is not null)) + ".";
    }

    private static string Chain(HistoryEntryFacts e, HistoryEntryFacts? p)
    {
        if (p is null)
        {
            return e.Action != HistoryAction.Created
                ? $"The first entry (version {e.Version}) is {e.Action}, not Created."
                : $"The first entry (version {e.Version}) starts from {StatusStateMachine.Display(e.OldStatus)}, not from nothing.";
        }

        if (e.Action == HistoryAction.Created)
        {
            return $"A second Created entry at version {e.Version} follows version {p.Version}.";
        }

        return p.Action == HistoryAction.Deleted
            ? $"Entry {e.Version} ({e.Action}) follows the Deleted entry at version {p.Version}."
            : $"Entry {e.Version} ({e.Action}) starts from {StatusStateMachine.Display(e.OldStatus)}, but the entry before (version {p.Version}) left {StatusStateMachine.Display(p.NewStatus)}.";
    }

    private static string DescribeMalformed(MalformedRow row) =>
        $"The {row.Table} row '{row.StoredId}' cannot be read: "
        + string.Join("; ", row.Values.Select(v => v.StoredText is null ? $"{v.Column} is null" : $"{v.Column} is '{v.StoredText}'"))
        + ".";

    /// <summary>Orders problems for reports: by kind, then target, version and row.</summary>
    internal static int Compare(IntegrityProblem a, IntegrityProblem b)
    {
        var order = a.Kind.CompareTo(b.Kind);
        if (order == 0)
        {
            order = (a.TargetId, b.TargetId) switch
            {
                (null, null) => 0,
                (null, _) => 1,
                (_, null) => -1,
                ({ } x, { } y) => x.CompareTo(y),
            };
        }

        if (order == 0)
        {
            order = Nullable.Compare(a.Version, b.Version);
        }

        if (order == 0)
        {
            order = Nullable.Compare(a.EntryId, b.EntryId);
        }

        if (order == 0)
        {
            order = Nullable.Compare(a.Link?.ItemId, b.Link?.ItemId);
        }

        return order != 0 ? order : string.CompareOrdinal(a.Malformed?.StoredId, b.Malformed?.StoredId);
    }
}

/// <summary>The result of an integrity check.</summary>
public sealed record IntegrityReport
{
    /// <summary>Gets how many target rows the snapshot held.</summary>
    public required long TargetsChecked { get; init; }

    /// <summary>Gets how many history entries the snapshot held.</summary>
    public required long EntriesChecked { get; init; }

    /// <summary>Gets what was found, ordered by kind then target; at most the limit the check was given (see <see cref="ProblemCount"/>).</summary>
    public required IReadOnlyList<IntegrityProblem> Problems { get; init; }

    /// <summary>Gets how many problems were found in all, listed or not.</summary>
    public required long ProblemCount { get; init; }

    /// <summary>Gets how many problems of each kind were found, listed or not.</summary>
    public required IReadOnlyDictionary<IntegrityProblemKind, long> CountByKind { get; init; }

    /// <summary>
    /// Gets the verification of the tenant's ledger (docs/ledger.md), when the check ran with one
    /// (<see cref="TargetHealth(TargetTracker, Ledger?)"/>); <see langword="null"/> otherwise. A broken chain makes the report unhealthy.
    /// </summary>
    public LedgerVerification? Ledger { get; init; }

    /// <summary>Gets a value indicating whether no problem was found.</summary>
    public bool IsHealthy => ProblemCount == 0 && Ledger?.IsIntact != false;

    /// <summary>Gets a value indicating whether <see cref="Problems"/> lists every problem found.</summary>
    public bool IsComplete => Problems.Count == ProblemCount;

    /// <inheritdoc />
    public override string ToString() =>
        $"{TargetsChecked.ToString(CultureInfo.InvariantCulture)} targets, {EntriesChecked.ToString(CultureInfo.InvariantCulture)} entries, {ProblemCount.ToString(CultureInfo.InvariantCulture)} problem(s)"
        + (ProblemCount == 0 ? "" : ": " + string.Join("; ", Problems.Take(20)));
}

/// <summary>A stored link (a row of the links table) that points at a row that is not there.</summary>
/// <param name="ItemId">The item id the link names.</param>
/// <param name="Kind">The kind the link claims, as stored.</param>
/// <param name="TargetExists">Whether the outcome's (target's) row exists.</param>
/// <param name="ItemKind">The kind of the item stored under <paramref name="ItemId"/>, or <see langword="null"/> where there is none.</param>
/// <param name="LastVersion">The highest version in the outcome's history, or <see langword="null"/> where it has none.</param>
public sealed record IntegrityLink(Guid ItemId, string Kind, bool TargetExists, string? ItemKind, long? LastVersion);

/// <summary>What the integrity check reads of a history entry.</summary>
/// <param name="Id">The entry id.</param>
/// <param name="Action">What it records.</param>
/// <param name="OldStatus">The status before.</param>
/// <param name="NewStatus">The status after.</param>
/// <param name="Version">The version.</param>
public sealed record HistoryEntryFacts(Guid Id, HistoryAction Action, string? OldStatus, string? NewStatus, long Version);

/// <summary>What the integrity check reads of a target's row.</summary>
/// <param name="Status">The stored status (<see langword="null"/>: Not Set).</param>
/// <param name="Version">The stored version.</param>
public sealed record IntegrityRow(string? Status, long Version);

/// <summary>A stored row the library cannot read, as stored.</summary>
/// <param name="Table">The table: <c>targets</c> or <c>history</c>.</param>
/// <param name="StoredId">The row's id as stored (text; it may itself be what is malformed).</param>
/// <param name="Values">The values that cannot be read.</param>
public sealed record MalformedRow(string Table, string StoredId, IReadOnlyList<MalformedValue> Values);

/// <summary>A stored value the library cannot read.</summary>
/// <param name="Column">The column, for example <c>id</c>, <c>target_id</c>, <c>markets</c>, <c>action</c>.</param>
/// <param name="StoredText">The value as stored, as text, cut to <see cref="MaxLength"/> characters.</param>
public sealed record MalformedValue(string Column, string? StoredText)
{
    /// <summary>The longest stored text a report carries.</summary>
    public const int MaxLength = 200;
}
