using System.Globalization;

namespace TargetTracking;

/// <summary>What a hierarchy item is. Items relate to each other only through the targets (outcomes) they are linked to.</summary>
public enum HierarchyKind
{
    /// <summary>A long-term goal (3–12 months), served by outcomes.</summary>
    Goal = 0,

    /// <summary>A time box (6–8 weeks) in which outcomes are worked on.</summary>
    Sprint = 1,

    /// <summary>An actionable task that moves an outcome forward.</summary>
    Commitment = 2,
}

/// <summary>
/// A goal, sprint or commitment as stored: an immutable snapshot. Fields that do not apply to the <see cref="Kind"/> are
/// <see langword="null"/> (a goal has a <see cref="TargetDate"/>; a sprint a <see cref="SprintName"/>, <see cref="StartDate"/>
/// and <see cref="EndDate"/>; a commitment a <see cref="Priority"/> and a <see cref="DueDate"/>).
/// </summary>
public sealed record HierarchyItem
{
    /// <summary>Gets the identifier: a version-7 GUID created by the core.</summary>
    public required Guid Id { get; init; }

    /// <summary>Gets what the item is.</summary>
    public required HierarchyKind Kind { get; init; }

    /// <summary>Gets the title: not blank, at most <see cref="HierarchyRules.MaxTitleLength"/> characters.</summary>
    public required string Title { get; init; }

    /// <summary>Gets the optional description.</summary>
    public string? Description { get; init; }

    /// <summary>Gets the status, one of the kind's configured statuses (<see cref="HierarchyOptions"/>), or <see langword="null"/>: Not Set.</summary>
    public string? Status { get; init; }

    /// <summary>Gets a goal's target date.</summary>
    public DateOnly? TargetDate { get; init; }

    /// <summary>Gets a sprint's number or name, for example <c>2026-S3</c>.</summary>
    public string? SprintName { get; init; }

    /// <summary>Gets a sprint's first day.</summary>
    public DateOnly? StartDate { get; init; }

    /// <summary>Gets a sprint's last day (on or after <see cref="StartDate"/>).</summary>
    public DateOnly? EndDate { get; init; }

    /// <summary>Gets a commitment's priority: 1 (highest) to <see cref="HierarchyRules.LowestPriority"/>.</summary>
    public int? Priority { get; init; }

    /// <summary>Gets a commitment's due date.</summary>
    public DateOnly? DueDate { get; init; }

    /// <summary>Gets the version: 1 when created, one more for every applied change of the item itself (links change the outcome's version).</summary>
    public required long Version { get; init; }

    /// <summary>Gets when the item was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the item last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Gets the date a date-range query compares: a goal's target date, a sprint's start date, a commitment's due date.</summary>
    public DateOnly? When => Kind switch
    {
        HierarchyKind.Goal => TargetDate,
        HierarchyKind.Sprint => StartDate,
        _ => DueDate,
    };
}

/// <summary>
/// The fields of a goal, sprint or commitment to create or to replace. Set only the fields of the item's kind: the others must
/// stay <see langword="null"/> (<see cref="HierarchyRules.Validate"/> says which).
/// </summary>
public sealed record HierarchyItemFields
{
    /// <summary>Gets the title.</summary>
    public required string Title { get; init; }

    /// <summary>Gets the description.</summary>
    public string? Description { get; init; }

    /// <summary>Gets the status when creating (ignored by updates: use <c>ChangeStatusAsync</c>); <see langword="null"/>: Not Set.</summary>
    public string? Status { get; init; }

    /// <summary>Gets a goal's target date.</summary>
    public DateOnly? TargetDate { get; init; }

    /// <summary>Gets a sprint's number or name (required for a sprint).</summary>
    public string? SprintName { get; init; }

    /// <summary>Gets a sprint's first day (required for a sprint).</summary>
    public DateOnly? StartDate { get; init; }

    /// <summary>Gets a sprint's last day (required for a sprint, on or after the start).</summary>
    public DateOnly? EndDate { get; init; }

    /// <summary>Gets a commitment's priority, 1 to <see cref="HierarchyRules.LowestPriority"/>.</summary>
    public int? Priority { get; init; }

    /// <summary>Gets a commitment's due date.</summary>
    public DateOnly? DueDate { get; init; }
}

/// <summary>A link between an outcome (a target) and a goal, sprint or commitment.</summary>
/// <param name="TargetId">The outcome.</param>
/// <param name="ItemId">The goal, sprint or commitment.</param>
/// <param name="Kind">What the item is.</param>
public sealed record OutcomeLink(TargetId TargetId, Guid ItemId, HierarchyKind Kind)
{
    /// <summary>
    /// Gets the text a <see cref="HistoryAction.Linked"/> or <see cref="HistoryAction.Unlinked"/> entry keeps in its
    /// <see cref="HistoryEntry.Note"/>: the item's kind and id, for example <c>Goal 0193…</c>.
    /// </summary>
    public string Note => string.Create(CultureInfo.InvariantCulture, $"{Kind} {ItemId:D}");

    /// <summary>Reads the item back from a link entry's note.</summary>
    /// <param name="entry">A <see cref="HistoryAction.Linked"/> or <see cref="HistoryAction.Unlinked"/> entry.</param>
    /// <param name="link">The link the entry records.</param>
    /// <returns><see langword="true"/> when the entry records a link change.</returns>
    public static bool TryRead(HistoryEntry entry, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out OutcomeLink? link)
    {
        Guard.Against.Null(entry);
        link = null;
        if (entry.Action is not (HistoryAction.Linked or HistoryAction.Unlinked) || entry.Note is not { } note)
        {
            return false;
        }

        var space = note.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0 || !Enum.TryParse<HierarchyKind>(note[..space], out var kind) || !Guid.TryParse(note[(space + 1)..], out var id))
        {
            return false;
        }

        link = new OutcomeLink(entry.TargetId, id, kind);
        return true;
    }
}

/// <summary>An item linked to an outcome, as a query of links returns it.</summary>
/// <param name="TargetId">The outcome.</param>
/// <param name="Item">The item linked to it.</param>
public sealed record LinkedItem(TargetId TargetId, HierarchyItem Item);

/// <summary>One entry of a goal's, sprint's or commitment's own history (its creates, updates, status changes and delete).</summary>
public sealed record HierarchyHistoryEntry
{
    /// <summary>Gets the entry id.</summary>
    public required Guid Id { get; init; }

    /// <summary>Gets the item.</summary>
    public required Guid ItemId { get; init; }

    /// <summary>Gets what the item is.</summary>
    public required HierarchyKind Kind { get; init; }

    /// <summary>Gets what happened: <see cref="HistoryAction.Created"/>, <see cref="HistoryAction.Updated"/>, <see cref="HistoryAction.StatusChanged"/> or <see cref="HistoryAction.Deleted"/>.</summary>
    public required HistoryAction Action { get; init; }

    /// <summary>Gets the status before the change.</summary>
    public string? OldStatus { get; init; }

    /// <summary>Gets the status after the change.</summary>
    public string? NewStatus { get; init; }

    /// <summary>Gets the item's version after the change; for a delete, one past the last version.</summary>
    public required long Version { get; init; }

    /// <summary>Gets when the change was made.</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>Gets the id of the actor.</summary>
    public string? ActorId { get; init; }

    /// <summary>Gets the name of the actor.</summary>
    public string? ActorName { get; init; }

    /// <summary>Gets the correlation id shared by every entry of one unit of work.</summary>
    public required string CorrelationId { get; init; }
}

/// <summary>A query of goals, sprints or commitments: one kind, filtered, ordered by id (creation order), paged.</summary>
public sealed record HierarchyQuery
{
    /// <summary>Gets the kind of the items.</summary>
    public required HierarchyKind Kind { get; init; }

    /// <summary>Gets the statuses to match (ignoring case; <see langword="null"/> in the list: Not Set), or <see langword="null"/> for all.</summary>
    public IReadOnlyCollection<string?>? Statuses { get; init; }

    /// <summary>Gets text the title must contain (<see cref="TextSearch.Normalize"/>d, case-insensitive), or <see langword="null"/>.</summary>
    public string? TitleContains { get; init; }

    /// <summary>Gets the first day of the range <see cref="HierarchyItem.When"/> must fall in, or <see langword="null"/>.</summary>
    public DateOnly? From { get; init; }

    /// <summary>Gets the last day of the range <see cref="HierarchyItem.When"/> must fall in, or <see langword="null"/>.</summary>
    public DateOnly? To { get; init; }

    /// <summary>Gets how many to skip.</summary>
    public int Skip { get; init; }

    /// <summary>Gets how many to return, 1 to <see cref="TargetQuery.MaxTake"/>.</summary>
    public int Take { get; init; } = 50;
}

/// <summary>A page of items and the total count of matches.</summary>
/// <param name="Items">The items, in id order.</param>
/// <param name="TotalCount">How many match.</param>
public sealed record HierarchyItemPage(IReadOnlyList<HierarchyItem> Items, long TotalCount);

/// <summary>A goal's tree: the goal, a page of its outcomes (target id order), and for each the sprints and commitments linked to it.</summary>
/// <param name="Goal">The goal.</param>
/// <param name="Outcomes">The page of outcomes.</param>
/// <param name="TotalOutcomes">How many outcomes the goal has.</param>
public sealed record GoalTree(HierarchyItem Goal, IReadOnlyList<OutcomeNode> Outcomes, long TotalOutcomes);

/// <summary>An outcome in a goal's tree.</summary>
/// <param name="Outcome">The target.</param>
/// <param name="Sprints">The sprints it is linked to, in id order.</param>
/// <param name="Commitments">The commitments it is linked to, in id order.</param>
public sealed record OutcomeNode(Target Outcome, IReadOnlyList<HierarchyItem> Sprints, IReadOnlyList<HierarchyItem> Commitments);

/// <summary>
/// A goal's progress from its outcomes' statuses, or a sprint's from its commitments' statuses, weighted by
/// <see cref="HierarchyOptions.OutcomeWeights"/> or <see cref="HierarchyOptions.CommitmentWeights"/>.
/// </summary>
/// <param name="ItemId">The goal or sprint.</param>
/// <param name="Percent">The weighted mean, 0 to 100; <see langword="null"/> when nothing is counted yet ("no progress yet", not 0).</param>
/// <param name="Counted">How many outcomes (commitments) count.</param>
/// <param name="Excluded">How many are left out because their status has no weight (Passed, by default).</param>
public sealed record ItemProgress(Guid ItemId, double? Percent, long Counted, long Excluded);

/// <summary>How many outcomes (for a goal) or commitments (for a sprint) are in one stored status: what the store counts for a roll-up.</summary>
/// <param name="ItemId">The goal or sprint.</param>
/// <param name="Status">The status as stored (<see langword="null"/>: Not Set).</param>
/// <param name="Count">How many.</param>
public sealed record StatusTally(Guid ItemId, string? Status, long Count);
