namespace TargetTracking;

/// <summary>
/// Identifies a target. Wraps a version-7 <see cref="Guid"/>: time-ordered and unique across machines,
/// so the core can create ids for bulk inserts without asking the store.
/// </summary>
/// <param name="Value">The underlying identifier.</param>
public readonly record struct TargetId(Guid Value) : IComparable<TargetId>
{
    /// <summary>Creates a new time-ordered id stamped with the current time of <paramref name="timeProvider"/>.</summary>
    /// <param name="timeProvider">The clock to stamp the id with.</param>
    /// <returns>A new id.</returns>
    public static TargetId New(TimeProvider timeProvider)
    {
        Guard.Against.Null(timeProvider);
        return new TargetId(Guid.CreateVersion7(timeProvider.GetUtcNow()));
    }

    /// <summary>Parses the canonical string form of an id.</summary>
    /// <param name="value">The text to parse.</param>
    /// <param name="id">The parsed id, when the text is a GUID.</param>
    /// <returns><see langword="true"/> when <paramref name="value"/> is a GUID.</returns>
    public static bool TryParse(string? value, out TargetId id)
    {
        var ok = Guid.TryParse(value, out var guid);
        id = new TargetId(guid);
        return ok;
    }

    /// <inheritdoc />
    public int CompareTo(TargetId other) => Value.CompareTo(other.Value);

    /// <summary>Returns the id in the lower-case "D" format that every store keeps.</summary>
    /// <returns>The id as text.</returns>
    public override string ToString() => Value.ToString("D");
}
