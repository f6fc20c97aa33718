using System.Collections.Immutable;

namespace TargetTracking;

/// <summary>
/// A target as stored: an entity moving through the pipeline (a deal, an acquisition candidate, an outcome).
/// Instances are immutable snapshots; every applied change produces a new snapshot with a higher <see cref="Version"/>.
/// </summary>
public sealed record Target
{
    private readonly IReadOnlyList<string> _markets = ImmutableArray<string>.Empty;

    /// <summary>Gets the identifier.</summary>
    public required TargetId Id { get; init; }

    /// <summary>Gets the name: not blank, at most <see cref="TargetRules.MaxNameLength"/> characters, stored verbatim.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the optional description, at most <see cref="TargetRules.MaxDescriptionLength"/> characters.</summary>
    public string? Description { get; init; }

    /// <summary>Gets the markets: trimmed, not blank, unique ignoring case, in the order given; an immutable snapshot (the list given is copied).</summary>
    public required IReadOnlyList<string> Markets
    {
        get => _markets;
        init => _markets = Guard.Against.Null(value) is ImmutableArray<string> ? value : ImmutableArray.CreateRange(value);
    }

    /// <summary>Gets the pipeline status, or <see langword="null"/> when it is Not Set.</summary>
    public string? Status { get; init; }

    /// <summary>Gets the version: 1 when created, one more for every applied change.</summary>
    public required long Version { get; init; }

    /// <summary>Gets when the target was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the target last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>
    /// Gets when the current status took effect: the effective time of the latest status change (<see cref="HistoryEntry.EffectiveAt"/>,
    /// earlier than when it was recorded for a backdated change), or <see langword="null"/> when the status never changed. A
    /// backdated change may not go before it (or before <see cref="CreatedAt"/>).
    /// </summary>
    public DateTimeOffset? StatusChangedAt { get; init; }

    /// <summary>Gets the amount (a deal's value) with its currency, or <see langword="null"/> when it has none.</summary>
    public Money? Amount { get; init; }

    /// <summary>Gets the owner (an actor id, as the host names its users), or <see langword="null"/> when it has none.</summary>
    public string? OwnerId { get; init; }

    /// <summary>Compares every field, markets element by element (record equality compares lists by reference).</summary>
    /// <param name="other">The target to compare with.</param>
    /// <returns><see langword="true"/> when both snapshots hold the same data.</returns>
    public bool SameAs(Target? other) =>
        other is not null
        && Id == other.Id
        && string.Equals(Name, other.Name, StringComparison.Ordinal)
        && string.Equals(Description, other.Description, StringComparison.Ordinal)
        && Markets.SequenceEqual(other.Markets, StringComparer.Ordinal)
        && string.Equals(Status, other.Status, StringComparison.Ordinal)
        && Version == other.Version
        && CreatedAt == other.CreatedAt
        && UpdatedAt == other.UpdatedAt
        && StatusChangedAt == other.StatusChangedAt
        && Amount == other.Amount
        && string.Equals(OwnerId, other.OwnerId, StringComparison.Ordinal);
}

/// <summary>The fields of a target to create.</summary>
/// <param name="Name">The name (required).</param>
/// <param name="Description">An optional description.</param>
/// <param name="Markets">The markets; <see langword="null"/> means none.</param>
/// <param name="Status">The initial status: a configured status (matched ignoring case) or Not Set (<see langword="null"/>, <see cref="PipelineOptions.NotSet"/> or "Not Set").</param>
/// <param name="Amount">The amount with its currency; <see langword="null"/> means none.</param>
/// <param name="OwnerId">The owner (an actor id); <see langword="null"/> means none.</param>
public sealed record NewTarget(string Name, string? Description = null, IReadOnlyList<string>? Markets = null, string? Status = null, Money? Amount = null, string? OwnerId = null);

/// <summary>
/// The editable fields of a target, replaced as a whole (read the target, change what you need with
/// <c>with</c>, write it back with the version you read). Status changes go through the state machine instead.
/// </summary>
/// <param name="Name">The new name.</param>
/// <param name="Description">The new description, or <see langword="null"/> to clear it.</param>
/// <param name="Markets">The new markets; <see langword="null"/> means none.</param>
/// <param name="Amount">The new amount; <see langword="null"/> clears it.</param>
/// <param name="OwnerId">The new owner; <see langword="null"/> clears it.</param>
public sealed record TargetUpdate(string Name, string? Description = null, IReadOnlyList<string>? Markets = null, Money? Amount = null, string? OwnerId = null)
{
    /// <summary>Starts an update from the current fields of <paramref name="target"/>.</summary>
    /// <param name="target">The target as read.</param>
    /// <returns>An update that changes nothing until edited.</returns>
    public static TargetUpdate From(Target target)
    {
        Guard.Against.Null(target);
        return new TargetUpdate(target.Name, target.Description, target.Markets, target.Amount, target.OwnerId);
    }
}
