namespace TargetTracking.Storage;

/// <summary>
/// A status change the core decided without reading the target, with the checks it would have made turned into data: the store
/// applies it (the row, its history entry, the derived stays and the commit, in one round trip) only where the stored row is at
/// <see cref="ExpectedVersion"/> and its status is one of <see cref="From"/>, compared ordinally (Not Set as <see langword="null"/>).
/// Where a check fails the store writes nothing and answers <see langword="null"/>, and the core decides the change again under
/// a row lock, which gives the typed error (or applies a change that has become valid in between).
/// </summary>
/// <param name="Id">The target.</param>
/// <param name="ExpectedVersion">The version the row must have.</param>
/// <param name="From">The stored statuses the move may come from; never the requested status itself.</param>
/// <param name="Status">The status to set.</param>
/// <param name="Entry">
/// The <see cref="HistoryAction.StatusChanged"/> entry to append, at version <see cref="ExpectedVersion"/> + 1; its
/// <see cref="HistoryEntry.OldStatus"/> is <see langword="null"/>: the store writes the status it finds in the row.
/// </param>
public sealed record GuardedStatusChange(TargetId Id, long ExpectedVersion, IReadOnlyList<string?> From, string? Status, HistoryEntry Entry)
{
    /// <summary>Gets the target as the change leaves it, from the row as the store found it.</summary>
    /// <param name="before">The row before the change.</param>
    /// <returns>The row after the change.</returns>
    public Target Apply(Target before)
    {
        Guard.Against.Null(before);
        return before with { Status = Status, Version = ExpectedVersion + 1, UpdatedAt = Entry.OccurredAt, StatusChangedAt = Entry.OccurredAt };
    }

    /// <summary>
    /// Applies the change in a write session, for a store that has no single statement for it: locks the row, checks it, and
    /// saves and commits the row and its entry when it passes (the store derives the stays from the entry, as for any write).
    /// </summary>
    /// <param name="session">A new write session; the caller disposes it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The target after the change, or <see langword="null"/> when a check failed and nothing was written.</returns>
    public async Task<Target?> ApplyAsync(ITargetWriteSession session, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(session);
        var rows = await session.LockAsync([Id], cancellationToken).ConfigureAwait(false);
        if (!rows.TryGetValue(Id, out var before) || !Admits(before))
        {
            return null;
        }

        var after = Apply(before);
        await session.SaveAsync(new ChangeSet { Updates = [new TargetWrite(after, before.Version)], History = [Entry with { OldStatus = before.Status }] }, cancellationToken).ConfigureAwait(false);
        await session.CommitAsync(cancellationToken).ConfigureAwait(false);
        return after;
    }

    /// <summary>Tells whether a row passes the change's checks.</summary>
    /// <param name="row">The stored row.</param>
    /// <returns><see langword="true"/> when the row is at the expected version and in one of <see cref="From"/> (ordinally).</returns>
    public bool Admits(Target row)
    {
        Guard.Against.Null(row);
        return row.Id == Id && row.Version == ExpectedVersion && From.Contains(row.Status, StringComparer.Ordinal);
    }
}
