using System.Globalization;

namespace TargetTracking;

/// <summary>Which side a repair believes where a target's row and its history disagree.</summary>
public enum RepairPolicy
{
    /// <summary>The history is right: the target's status becomes the status its newest entry left.</summary>
    TrustHistory = 0,

    /// <summary>The target's row is right: its status stays; the history is brought in line with it.</summary>
    TrustTarget = 1,
}

/// <summary>What a repair appends to a target's history (the entry's id, time and audit fields are set when it is written).</summary>
/// <param name="Action"><see cref="HistoryAction.Repaired"/>, or <see cref="HistoryAction.Deleted"/> for a target whose row is gone.</param>
/// <param name="OldStatus">The status the newest entry before it left.</param>
/// <param name="NewStatus">The status after it.</param>
/// <param name="Version">Its version: the next after every stored entry and the row.</param>
/// <param name="Note">What was wrong and what the repair did (<see cref="HistoryEntry.Note"/>).</param>
public sealed record RepairEntry(HistoryAction Action, string? OldStatus, string? NewStatus, long Version, string Note);

/// <summary>How one target is repaired.</summary>
public sealed record TargetRepair
{
    /// <summary>Gets the target.</summary>
    public required TargetId TargetId { get; init; }

    /// <summary>Gets the repairable problems found for it.</summary>
    public required IReadOnlyList<IntegrityProblem> Problems { get; init; }

    /// <summary>Gets its row before the repair, or <see langword="null"/> when the row is gone (a repair never brings it back).</summary>
    public IntegrityRow? Before { get; init; }

    /// <summary>Gets its row after the repair, or <see langword="null"/> when the row is gone.</summary>
    public IntegrityRow? After { get; init; }

    /// <summary>Gets the entries appended to its history, in order.</summary>
    public required IReadOnlyList<RepairEntry> Entries { get; init; }

    /// <summary>Gets the links of the target removed because they point at a missing row (<see cref="IntegrityProblemKind.LinkToMissingRow"/>).</summary>
    public IReadOnlyList<IntegrityLink> RemovedLinks { get; init; } = [];

    /// <summary>Gets a value indicating whether the target's stays are rebuilt from its history (<see cref="IntegrityProblemKind.StaysDisagreeWithHistory"/>).</summary>
    public bool RebuildsStays { get; init; }
}

/// <summary>What a repair would do (a dry run of <see cref="TargetHealth.ApplyRepairAsync"/>).</summary>
public sealed record RepairPlan
{
    /// <summary>Gets the policy the plan was made under.</summary>
    public required RepairPolicy Policy { get; init; }

    /// <summary>Gets the repairs, one per target, in target order.</summary>
    public required IReadOnlyList<TargetRepair> Repairs { get; init; }

    /// <summary>
    /// Gets the problems a repair does not touch: targets in an unknown status (move them with a tracked operation
    /// once the status is configured again, or reconfigure), malformed rows (fix them by hand: the report names them),
    /// and the other problems of a target with a malformed row.
    /// </summary>
    public required IReadOnlyList<IntegrityProblem> NotRepairable { get; init; }

    /// <summary>Gets a value indicating whether there is nothing to repair.</summary>
    public bool IsEmpty => Repairs.Count == 0;
}

/// <summary>What <see cref="TargetHealth.ApplyRepairAsync"/> did.</summary>
public sealed record RepairResult
{
    /// <summary>Gets the repairs written, as decided against each target's state under its lock.</summary>
    public required IReadOnlyList<TargetRepair> Applied { get; init; }

    /// <summary>Gets the planned targets that needed nothing any more when their turn came (repaired already, or set right by another writer).</summary>
    public required IReadOnlyList<TargetId> AlreadySound { get; init; }

    /// <summary>Gets how many entries were appended.</summary>
    public long EntriesAppended => Applied.Sum(r => (long)r.Entries.Count);
}

/// <summary>
/// How a target is repaired, decided from its findings alone (the same rule for the dry run and for the write under
/// lock). A repair never edits or deletes history, never deletes a row and never brings one back:
/// <list type="bullet">
/// <item>a row with history: one <see cref="HistoryAction.Repaired"/> entry from the status the newest entry left to
/// the policy's status (under <see cref="RepairPolicy.TrustHistory"/> the status the newest entry left, unless that
/// entry is a deletion: then the row's), at the next version after the row and every entry; the row moves to that
/// status and version;</item>
/// <item>a row without history: one <see cref="HistoryAction.Repaired"/> entry from Not Set to the row's status, at
/// the row's version + 1; the row moves to that version;</item>
/// <item>no row: a <see cref="HistoryAction.Repaired"/> checkpoint when the history has gaps, broken chains or
/// duplicates, then a <see cref="HistoryAction.Deleted"/> entry, so the history ends as a deleted target's does;</item>
/// <item>a link to a missing row (<see cref="IntegrityProblemKind.LinkToMissingRow"/>): the link row is removed; where
/// the outcome's row exists, one <see cref="HistoryAction.Unlinked"/> entry per link follows the entries above (from and
/// to the row's status, at the next versions, its note naming the item as <see cref="OutcomeLink.Note"/> does), so the
/// removal is a versioned change of the outcome like any unlink and replay still holds. A gone outcome's history gets
/// nothing for it (nothing may follow a deletion).</item>
/// </list>
/// </summary>
internal static class RepairRules
{
    /// <summary>The longest note a repair writes.</summary>
    internal const int MaxNoteLength = 2000;

    public static TargetRepair? Decide(TargetId id, IReadOnlyList<IntegrityFinding> findings, RepairPolicy policy)
    {
        var repairable = findings.Where(f => f.Kind is not (IntegrityProblemKind.UnknownStatus or IntegrityProblemKind.MalformedRow)).ToList();
        if (repairable.Count == 0 || findings.Any(f => f.Kind == IntegrityProblemKind.MalformedRow))
        {
            return null;
        }

        var problems = repairable.Select(IntegrityProblem.From).Order(Comparer<IntegrityProblem>.Create(IntegrityProblem.Compare)).ToList().AsReadOnly();
        var links = repairable.Where(f => f.Kind == IntegrityProblemKind.LinkToMissingRow).ToList();
        var stays = repairable.Any(f => f.Kind == IntegrityProblemKind.StaysDisagreeWithHistory);
        var history = repairable.Where(f => f.Kind is not (IntegrityProblemKind.LinkToMissingRow or IntegrityProblemKind.StaysDisagreeWithHistory)).ToList();
        var repair = history.Count > 0
            ? DecideHistory(id, history, problems, Note(policy, problems), policy)
            : new TargetRepair { TargetId = id, Problems = problems, Before = repairable[0].Row, After = repairable[0].Row, Entries = [] };
        repair = repair with { RebuildsStays = stays };
        return links.Count == 0 ? repair : RemoveLinks(repair, [.. links.Select(f => f.Link!).OrderBy(l => l.ItemId)]);
    }

    /// <summary>Removes a target's links to missing rows after its history repair: one Unlinked entry each where the row exists.</summary>
    private static TargetRepair RemoveLinks(TargetRepair repair, IReadOnlyList<IntegrityLink> links)
    {
        if (repair.After is not { } row)
        {
            return repair with { RemovedLinks = links };
        }

        // After a history repair the row's version is past every entry; otherwise the links know the newest entry.
        var next = Math.Max(row.Version, repair.Entries.Count > 0 ? 0 : links.Max(l => l.LastVersion ?? 0)) + 1;
        var entries = new List<RepairEntry>(repair.Entries);
        foreach (var link in links)
        {
            // The note as every Unlinked entry has it (OutcomeLink.Note), so readers of link history see the link end; the
            // actor and correlation id say it was the repair.
            var note = string.Create(CultureInfo.InvariantCulture, $"{link.Kind} {link.ItemId:D}");
            entries.Add(new RepairEntry(HistoryAction.Unlinked, row.Status, row.Status, next++, Cut(note)));
        }

        return repair with { After = row with { Version = next - 1 }, Entries = entries.AsReadOnly(), RemovedLinks = links };
    }

    private static TargetRepair DecideHistory(TargetId id, List<IntegrityFinding> repairable, IReadOnlyList<IntegrityProblem> problems, string note, RepairPolicy policy)
    {
        var row = repairable[0].Row;
        var tail = repairable[0].Tail;
        if (row is not null && tail is null)
        {
            var version = row.Version + 1;
            return new TargetRepair
            {
                TargetId = id,
                Problems = problems,
                Before = row,
                After = row with { Version = version },
                Entries = [new RepairEntry(HistoryAction.Repaired, null, row.Status, version, note)],
            };
        }

        if (row is not null)
        {
            var version = Math.Max(row.Version, tail!.Version) + 1;
            var status = policy == RepairPolicy.TrustHistory && tail.Action != HistoryAction.Deleted ? tail.NewStatus : row.Status;
            return new TargetRepair
            {
                TargetId = id,
                Problems = problems,
                Before = row,
                After = new IntegrityRow(status, version),
                Entries = [new RepairEntry(HistoryAction.Repaired, tail.NewStatus, status, version, note)],
            };
        }

        var entries = new List<RepairEntry>();
        var next = tail!.Version + 1;
        var left = tail.NewStatus;
        if (repairable.Any(f => f.Kind is IntegrityProblemKind.VersionGap or IntegrityProblemKind.BrokenChain or IntegrityProblemKind.DuplicateVersion))
        {
            entries.Add(new RepairEntry(HistoryAction.Repaired, left, left, next++, note));
        }

        entries.Add(new RepairEntry(HistoryAction.Deleted, left, null, next, Cut("Recorded by the integrity repair: the target's row is gone. " + (entries.Count == 0 ? note : "See the Repaired entry before."))));
        return new TargetRepair { TargetId = id, Problems = problems, Before = null, After = null, Entries = entries.AsReadOnly() };
    }

    private static string Note(RepairPolicy policy, IEnumerable<IntegrityProblem> problems) =>
        Cut($"Integrity repair ({policy}): " + string.Join(" ", problems.Select(p => $"[{p.Kind}] {p.Detail}")));

    /// <summary>Cuts text to <see cref="MaxNoteLength"/> characters without splitting a surrogate pair.</summary>
    private static string Cut(string text)
    {
        if (text.Length <= MaxNoteLength)
        {
            return text;
        }

        var end = MaxNoteLength - 1;
        if (char.IsHighSurrogate(text[end - 1]))
        {
            end--;
        }

        return string.Concat(text.AsSpan(0, end), "…");
    }
}
