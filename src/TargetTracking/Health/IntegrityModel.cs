using System.Globalization;

namespace TargetTracking;

/// <summary>
/// The integrity check by brute force: the model the stores' set-based scans are tested against (the in-memory store
/// answers with it). Per target, the readable entries ordered by version then id:
/// <list type="bullet">
/// <item>the checkpoint is the highest version of a <see cref="HistoryAction.Repaired"/> entry; gaps, broken chains and
/// duplicates are looked for only after it (the entries up to it were found wrong once and set right);</item>
/// <item>a gap: the first entry is not version 1, or an entry is more than one version after the one before;</item>
/// <item>a broken chain: the first entry is not a creation from nothing; or, after a different version, an entry is a
/// second creation, follows a deletion, or starts from another status than the one before left;</item>
/// <item>a duplicate: the first of two or more entries with one version;</item>
/// <item>the last entry against the row: no row and the last entry is not a deletion (orphaned history); a row and the
/// last entry is a deletion, or another status or version (disagreement).</item>
/// </list>
/// Rows without readable entries are missing history; statuses not spelled as configured are unknown-status candidates;
/// entries with an action the library does not define are malformed. A link whose target row is gone, or whose item id
/// names no item of the kind the link claims, is a link to a missing row.
/// </summary>
internal static class IntegrityModel
{
    public static IntegrityCounts Scan<TEntries>(
        IReadOnlyDictionary<TargetId, Target> targets,
        IReadOnlyDictionary<TargetId, TEntries> history,
        IReadOnlyDictionary<Guid, HierarchyItem> items,
        IEnumerable<OutcomeLink> links,
        IntegrityScan scan,
        Action<IntegrityFinding> found)
        where TEntries : IReadOnlyList<HistoryEntry>
    {
        Guard.Against.Null(scan);
        Guard.Against.Null(found);
        var only = scan.Targets is { } named ? new HashSet<TargetId>(named) : null;
        var known = new HashSet<string>(scan.KnownStatuses, StringComparer.Ordinal);
        long targetCount = 0, entryCount = 0;

        foreach (var (id, row) in targets)
        {
            if (only is not null && !only.Contains(id))
            {
                continue;
            }

            targetCount++;
            var stored = new IntegrityRow(row.Status, row.Version);
            if (!history.TryGetValue(id, out var entries) || !entries.Any(Readable))
            {
                found(new IntegrityFinding { Kind = IntegrityProblemKind.MissingHistory, TargetId = id, Row = stored });
            }

            if (row.Status is { } status && !known.Contains(status))
            {
                found(new IntegrityFinding { Kind = IntegrityProblemKind.UnknownStatus, TargetId = id, Row = stored });
            }
        }

        foreach (var (id, all) in history)
        {
            if (only is not null && !only.Contains(id))
            {
                continue;
            }

            entryCount += all.Count;
            if (only is null)
            {
                foreach (var bad in all.Where(e => !Readable(e)))
                {
                    found(new IntegrityFinding
                    {
                        Kind = IntegrityProblemKind.MalformedRow,
                        TargetId = id,
                        Malformed = new MalformedRow("history", bad.Id.ToString("D"), [new MalformedValue("action", ((int)bad.Action).ToString(CultureInfo.InvariantCulture))]),
                    });
                }
            }

            var entries = all.Where(Readable).OrderBy(e => e.Version).ThenBy(e => e.Id).Select(Facts).ToList();
            if (entries.Count > 0)
            {
                ScanTarget(id, targets.TryGetValue(id, out var row) ? new IntegrityRow(row.Status, row.Version) : null, entries, found);
            }
        }

        foreach (var link in links.OrderBy(l => l.TargetId).ThenBy(l => l.ItemId))
        {
            if (only is not null && !only.Contains(link.TargetId))
            {
                continue;
            }

            var row = targets.GetValueOrDefault(link.TargetId);
            var item = items.GetValueOrDefault(link.ItemId);
            if (row is null || item is null || item.Kind != link.Kind)
            {
                var last = history.TryGetValue(link.TargetId, out var entries) && entries.Count > 0 ? entries.Max(e => e.Version) : (long?)null;
                found(new IntegrityFinding
                {
                    Kind = IntegrityProblemKind.LinkToMissingRow,
                    TargetId = link.TargetId,
                    Row = row is null ? null : new IntegrityRow(row.Status, row.Version),
                    Link = new IntegrityLink(link.ItemId, link.Kind.ToString(), row is not null, item?.Kind.ToString(), last),
                });
            }
        }

        return new IntegrityCounts(targetCount, entryCount);
    }

    private static void ScanTarget(TargetId id, IntegrityRow? row, List<HistoryEntryFacts> entries, Action<IntegrityFinding> found)
    {
        var checkpoint = entries.Where(e => e.Action == HistoryAction.Repaired).Select(e => (long?)e.Version).Max();
        var tail = entries[^1];
        IntegrityFinding Finding(IntegrityProblemKind kind, HistoryEntryFacts entry, HistoryEntryFacts? previous) =>
            new() { Kind = kind, TargetId = id, Entry = entry, Previous = previous, Row = row, Tail = tail };

        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            var p = i > 0 ? entries[i - 1] : null;
            var next = i < entries.Count - 1 ? entries[i + 1] : null;
            if (checkpoint is null || e.Version > checkpoint)
            {
                if (p is null ? e.Version != 1 : e.Version - p.Version > 1)
                {
                    found(Finding(IntegrityProblemKind.VersionGap, e, p));
                }

                var broken = p is null
                    ? e.Action != HistoryAction.Created || e.OldStatus is not null
                    : e.Version != p.Version
                      && (e.Action == HistoryAction.Created || p.Action == HistoryAction.Deleted || !string.Equals(e.OldStatus, p.NewStatus, StringComparison.Ordinal));
                if (broken)
                {
                    found(Finding(IntegrityProblemKind.BrokenChain, e, p));
                }

                if (next is not null && next.Version == e.Version && (p is null || p.Version != e.Version))
                {
                    found(Finding(IntegrityProblemKind.DuplicateVersion, e, null));
                }
            }

            if (next is null)
            {
                if (row is null && e.Action != HistoryAction.Deleted)
                {
                    found(Finding(IntegrityProblemKind.OrphanedHistory, e, null));
                }
                else if (row is not null && (e.Action == HistoryAction.Deleted || !string.Equals(e.NewStatus, row.Status, StringComparison.Ordinal) || e.Version != row.Version))
                {
                    found(Finding(IntegrityProblemKind.StatusDisagreesWithHistory, e, null));
                }
            }
        }
    }

    private static bool Readable(HistoryEntry entry) => Enum.IsDefined(entry.Action);

    private static HistoryEntryFacts Facts(HistoryEntry e) => new(e.Id, e.Action, e.OldStatus, e.NewStatus, e.Version);
}
