namespace TargetTracking.Storage;

/// <summary>
/// A status change the core decided without reading the target, with the checks it would have made turned into data: the store
/// applies it (the row, its history entry, the derived stays and the commit, in one round trip) only where the stored row is at
/// <see cref="ExpectedVersion"/> and its status is one of <see cref="From"/>, compared ordinally (Not Set as <see langword="null"/>), and,
/// for a backdated change (<see cref="IsBackdated"/>), where the row's previous effective change (<c>status_changed_at</c>, or
/// <c>created_at</c>) is not after the entry's <see cref="HistoryEntry.EffectiveAt"/>.
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
        return Applied(before.Name, before.Description, before.Markets, before.CreatedAt, before.Amount, before.OwnerId);
    }

    /// <summary>
    /// Applies the change in a write session and commits it when its checks pass (<see cref="ITargetWriteSession.TryChangeStatusesAsync"/>).
    /// </summary>
    /// <param name="session">A new write session; the caller disposes it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The target after the change, or <see langword="null"/> when a check failed and nothing was written.</returns>
    public async Task<Target?> ApplyAsync(ITargetWriteSession session, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(session);
        var after = (await session.TryChangeStatusesAsync([this], cancellationToken).ConfigureAwait(false))[0];
        if (after is not null)
        {
            await session.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return after;
    }

    /// <summary>
    /// Applies guarded changes in a write session with its own means, for a store without a statement for them: locks the rows,
    /// checks each, and saves those that pass with their entries (the store derives the stays from the entries, as for any
    /// write). Does not commit.
    /// </summary>
    /// <param name="session">The write session.</param>
    /// <param name="changes">The changes, each target at most once.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>For each change in order, the target after it, or <see langword="null"/> where a check failed and nothing was written for it.</returns>
    public static async Task<IReadOnlyList<Target?>> ApplyInSessionAsync(ITargetWriteSession session, IReadOnlyList<GuardedStatusChange> changes, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(session);
        Guard.Against.Null(changes);
        var rows = await session.LockAsync([.. changes.Select(c => c.Id)], cancellationToken).ConfigureAwait(false);
        var after = new Target?[changes.Count];
        var updates = new List<TargetWrite>();
        var history = new List<HistoryEntry>();
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            if (rows.TryGetValue(change.Id, out var before) && change.Admits(before))
            {
                after[i] = change.Apply(before);
                updates.Add(new TargetWrite(after[i]!, before.Version));
                history.Add(change.Entry with { OldStatus = before.Status });
            }
        }

        if (updates.Count > 0)
        {
            await session.SaveAsync(new ChangeSet { Updates = updates, History = history }, cancellationToken).ConfigureAwait(false);
        }

        return after;
    }

    /// <summary>Gets the target as the change leaves it, from the fields of the row that the change does not touch.</summary>
    /// <param name="name">The stored name.</param>
    /// <param name="description">The stored description.</param>
    /// <param name="markets">The stored markets.</param>
    /// <param name="createdAt">The stored creation time.</param>
    /// <param name="amount">The stored amount.</param>
    /// <param name="ownerId">The stored owner.</param>
    /// <returns>The row after the change.</returns>
    public Target Applied(string name, string? description, IReadOnlyList<string> markets, DateTimeOffset createdAt, Money? amount, string? ownerId) => new()
    {
        Id = Id,
        Name = name,
        Description = description,
        Markets = markets,
        Status = Status,
        Version = ExpectedVersion + 1,
        CreatedAt = createdAt,
        UpdatedAt = Entry.OccurredAt,
        StatusChangedAt = Entry.EffectiveAt,
        Amount = amount,
        OwnerId = ownerId,
    };

    /// <summary>Gets a value indicating whether the change took effect before it was recorded: its entry's effective time bounds the row's.</summary>
    public bool IsBackdated => Entry.EffectiveAt != Entry.OccurredAt;

    /// <summary>Tells whether a row passes the change's checks.</summary>
    /// <param name="row">The stored row.</param>
    /// <returns>
    /// <see langword="true"/> when the row is at the expected version and in one of <see cref="From"/> (ordinally), and a backdated
    /// change does not go before the row's previous effective change.
    /// </returns>
    public bool Admits(Target row)
    {
        Guard.Against.Null(row);
        return row.Id == Id && row.Version == ExpectedVersion && From.Contains(row.Status, StringComparer.Ordinal)
            && (!IsBackdated || (row.StatusChangedAt ?? row.CreatedAt) <= Entry.EffectiveAt);
    }
}
