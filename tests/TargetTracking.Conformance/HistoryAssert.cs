using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>Invariants of stored state, shared by the conformance suite and the core's property tests.</summary>
public static class HistoryAssert
{
    /// <summary>
    /// History replays to the current state: versions run 1..n without a gap, each entry starts from the
    /// status the previous one left, and the last entry holds the target's current status and version
    /// (or records its deletion). A <see cref="HistoryAction.Repaired"/> entry is a checkpoint: the entries before
    /// it are kept as they were (versions only grow), and replay restarts at its status and version.
    /// </summary>
    public static void Replays(Target? current, IReadOnlyList<HistoryEntry> newestFirst)
    {
        if (newestFirst.Count == 0)
        {
            Assert.Null(current);
            return;
        }

        var entries = newestFirst.Reverse().ToList();
        var checkpoint = entries.FindLastIndex(e => e.Action == HistoryAction.Repaired);
        if (checkpoint < 0)
        {
            Assert.Equal(Enumerable.Range(1, entries.Count).Select(v => (long)v), entries.Select(e => e.Version));
            Assert.Equal(HistoryAction.Created, entries[0].Action);
        }
        else
        {
            // Before the checkpoint anything may have been wrong; its version is above them all, and from it versions run on.
            Assert.All(entries.Take(checkpoint), e => Assert.True(e.Version < entries[checkpoint].Version, $"entry {e.Version} is not below the checkpoint"));
            var from = entries[checkpoint].Version;
            Assert.Equal(Enumerable.Range(0, entries.Count - checkpoint).Select(v => from + v), entries.Skip(checkpoint).Select(e => e.Version));
            Assert.DoesNotContain(entries.Skip(checkpoint + 1), e => e.Action == HistoryAction.Created);
        }

        var status = checkpoint < 0 ? null : entries[checkpoint].NewStatus;
        foreach (var entry in entries.Skip(Math.Max(checkpoint, 0) + (checkpoint < 0 ? 0 : 1)))
        {
            Assert.Equal(status, entry.OldStatus);
            status = entry.NewStatus;
        }

        if (current is null)
        {
            Assert.Equal(HistoryAction.Deleted, entries[^1].Action);
        }
        else
        {
            Assert.NotEqual(HistoryAction.Deleted, entries[^1].Action);
            Assert.Equal((current.Status, current.Version), (entries[^1].NewStatus, entries[^1].Version));
        }
    }

    /// <summary>Renders every target and history entry a tracker holds, so two moments can be compared exactly.</summary>
    public static async Task<string> SnapshotAsync(TargetTracker tracker, IEnumerable<TargetId> alsoHistoryOf)
    {
        var text = new System.Text.StringBuilder();
        var ids = new SortedSet<TargetId>(alsoHistoryOf);
        foreach (var t in await StoreContents.TargetsAsync(tracker))
        {
            ids.Add(t.Id);
            text.AppendLine($"T {t.Id} {t.Name}|{t.Description}|{string.Join(",", t.Markets)}|{t.Status}|v{t.Version}|{t.CreatedAt:O}|{t.UpdatedAt:O}|{t.StatusChangedAt:O}");
        }

        foreach (var id in ids)
        {
            foreach (var e in await tracker.GetHistoryAsync(id, new HistoryPageRequest(Limit: 1000)))
            {
                text.AppendLine($"H {e}");
            }
        }

        return text.ToString();
    }
}
