namespace TargetTracking.Linq2Db;

/// <summary>
/// What a unit of work does to the stays table, computed from its own history entries: O(1) per entry, whatever the
/// length of a target's history. A Created entry opens a stay; a StatusChanged entry to another status closes the open
/// stay and opens the next; a Deleted entry closes the open stay as ended by the deletion. Stays opened and closed
/// within the unit are written closed; only a stay open before the unit is closed in place (<see cref="Closes"/>, one
/// row per target, found by its open end through the index of migration 0010/0011). Repaired entries, and targets a
/// repair asks for, are rebuilt from their history with the one definition (<see cref="StaysTable.Definition"/>): a
/// repair follows a history that may not chain, which only the definition reads right. A purge removes the stays of
/// the targets whose history goes.
/// </summary>
internal sealed class StayChanges
{
    private readonly List<StayRow> _opens = [];
    private readonly List<StayClose> _closes = [];
    private readonly SortedSet<Guid> _rebuild = [];
    private readonly SortedSet<Guid> _purged = [];

    private StayChanges()
    {
    }

    /// <summary>Gets the open stays (from before the unit) to close in place, one per target.</summary>
    public IReadOnlyList<StayClose> Closes => _closes;

    /// <summary>Gets the stays to insert: opened by the unit, closed already where the unit also ended them.</summary>
    public IReadOnlyList<StayRow> Opens => _opens;

    /// <summary>Gets the targets whose stays are recomputed from their history after the history insert, sorted.</summary>
    public IReadOnlyCollection<Guid> Rebuild => _rebuild;

    /// <summary>Gets the targets whose stays are deleted with their history, sorted.</summary>
    public IReadOnlyCollection<Guid> Purged => _purged;

    /// <summary>Gets a value indicating whether the unit leaves the stays table as it is (an edit of fields, a link).</summary>
    public bool IsEmpty => _opens.Count == 0 && _closes.Count == 0 && _rebuild.Count == 0 && _purged.Count == 0;

    /// <summary>Computes the changes of a unit of work (its history in the order written: each target's in version order).</summary>
    /// <param name="changes">The unit of work's changes.</param>
    /// <returns>The changes.</returns>
    public static StayChanges Of(ChangeSet changes)
    {
        var result = new StayChanges();
        foreach (var id in changes.PurgeHistory)
        {
            result._purged.Add(id.Value);
        }

        foreach (var id in changes.RebuildStays)
        {
            result._rebuild.Add(id.Value);
        }

        foreach (var entry in changes.History)
        {
            if (entry.Action == HistoryAction.Repaired)
            {
                result._rebuild.Add(entry.TargetId.Value);
            }
        }

        // The stay each target opened in this unit, by index into _opens: closing it changes the row to insert.
        var opened = new Dictionary<Guid, int>();
        foreach (var entry in changes.History)
        {
            var id = entry.TargetId.Value;
            if (result._purged.Contains(id) || result._rebuild.Contains(id))
            {
                continue;
            }

            var at = Micros(entry.OccurredAt);
            switch (entry.Action)
            {
                case HistoryAction.Created:
                    opened[id] = result.Open(id, entry.Version, entry.NewStatus, at);
                    break;
                case HistoryAction.StatusChanged when !string.Equals(entry.OldStatus, entry.NewStatus, StringComparison.Ordinal):
                    result.Close(opened, id, at, entry.NewStatus, byDelete: false);
                    opened[id] = result.Open(id, entry.Version, entry.NewStatus, at);
                    break;
                case HistoryAction.Deleted:
                    result.Close(opened, id, at, null, byDelete: true);
                    opened.Remove(id);
                    break;
            }
        }

        return result;
    }

    /// <summary>A time as the stays table keeps it: whole microseconds since 1970-01-01 UTC (stored times are whole microseconds).</summary>
    public static long Micros(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    private int Open(Guid id, long version, string? status, long at)
    {
        _opens.Add(new StayRow(id, version, status, at, null, null, false));
        return _opens.Count - 1;
    }

    private void Close(Dictionary<Guid, int> opened, Guid id, long at, string? next, bool byDelete)
    {
        if (opened.TryGetValue(id, out var index))
        {
            _opens[index] = _opens[index] with { ExitedUs = at, NextStatus = next, EndedByDelete = byDelete };
        }
        else
        {
            _closes.Add(new StayClose(id, at, next, byDelete));
        }
    }
}

/// <summary>A row of the stays table (migration 0009).</summary>
internal readonly record struct StayRow(Guid TargetId, long Version, string? Status, long EnteredUs, long? ExitedUs, string? NextStatus, bool EndedByDelete);

/// <summary>The end of a target's open stay: when, to which status (<see langword="null"/> when deleted), and whether a deletion ended it.</summary>
internal readonly record struct StayClose(Guid TargetId, long ExitedUs, string? NextStatus, bool EndedByDelete);
