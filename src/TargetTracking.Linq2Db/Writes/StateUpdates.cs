namespace TargetTracking.Linq2Db;

/// <summary>Sorts a unit of work's updates for the dialects' writers.</summary>
internal static class StateUpdates
{
    /// <summary>
    /// Splits updates into those that change only the state columns (status, version, times) of a row the session
    /// read at the expected version (name, description, markets, amount and owner unchanged), which a dialect writes with a narrow statement, and the rest.
    /// </summary>
    /// <param name="updates">The updates of a change set.</param>
    /// <param name="known">The rows as the session last read or wrote them.</param>
    /// <returns>The state-only updates and the full ones.</returns>
    public static (List<TargetWrite> States, List<TargetWrite> Full) Split(IReadOnlyList<TargetWrite> updates, IReadOnlyDictionary<TargetId, Target> known)
    {
        var states = new List<TargetWrite>(updates.Count);
        var full = new List<TargetWrite>();
        foreach (var update in updates)
        {
            var after = update.Target;
            var sameFields = known.TryGetValue(after.Id, out var before)
                && before.Version == update.ExpectedVersion
                && string.Equals(before.Name, after.Name, StringComparison.Ordinal)
                && string.Equals(before.Description, after.Description, StringComparison.Ordinal)
                && before.CreatedAt == after.CreatedAt
                && before.Markets.SequenceEqual(after.Markets, StringComparer.Ordinal)
                && before.Amount == after.Amount
                && string.Equals(before.OwnerId, after.OwnerId, StringComparison.Ordinal);
            (sameFields ? states : full).Add(update);
        }

        return (states, full);
    }

    /// <summary>The targets of full updates whose markets changed: a status change leaves a markets side table alone.</summary>
    /// <param name="full">The full updates (<see cref="Split"/>).</param>
    /// <param name="known">The rows as the session last read or wrote them.</param>
    /// <returns>The targets whose side-table rows are rewritten.</returns>
    public static List<Target> Remarketed(IEnumerable<TargetWrite> full, IReadOnlyDictionary<TargetId, Target> known) =>
        [.. full.Select(u => u.Target).Where(t => !(known.TryGetValue(t.Id, out var before) && before.Markets.SequenceEqual(t.Markets, StringComparer.Ordinal)))];
}
