namespace TargetTracking.Storage;

/// <summary>
/// The storage port of the hierarchy of goals, sprints and commitments, linked to targets (outcomes) only. A store that
/// implements it answers every question set-based (joins, <c>DISTINCT</c>, <c>GROUP BY</c>, anti-joins), and its
/// <see cref="ITargetRepository.BeginWriteAsync"/> returns sessions that implement <see cref="IHierarchyWriteSession"/>.
/// The in-memory store answers by brute force, as the model. <see cref="HierarchyTracker"/> is the façade over it.
/// </summary>
public interface IHierarchyStore
{
    /// <summary>Reads one item.</summary>
    /// <param name="id">The item.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The item, or <see langword="null"/>.</returns>
    Task<HierarchyItem?> GetItemAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>Queries items of one kind; statuses arrive in configured spelling and match ignoring case, text normalized.</summary>
    /// <param name="query">The validated, normalized query.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The page, in id order, and the total count.</returns>
    Task<HierarchyItemPage> QueryItemsAsync(HierarchyQuery query, CancellationToken cancellationToken = default);

    /// <summary>Reads an item's own history, newest first.</summary>
    /// <param name="id">The item; history outlives it.</param>
    /// <param name="page">The keyset page.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries.</returns>
    Task<IReadOnlyList<HierarchyHistoryEntry>> GetItemHistoryAsync(Guid id, HistoryPageRequest page, CancellationToken cancellationToken = default);

    /// <summary>Reads a page of the outcomes linked to an item, in target id order.</summary>
    /// <param name="itemId">The goal, sprint or commitment.</param>
    /// <param name="skip">How many to skip.</param>
    /// <param name="take">How many to return.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The outcomes and how many there are.</returns>
    Task<TargetPage> GetOutcomesAsync(Guid itemId, int skip, int take, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads a page of the items of a kind related to an item through its outcomes (each once, however many outcomes they
    /// share), in id order: a goal's commitments or sprints, a commitment's goals, a sprint's goals.
    /// </summary>
    /// <param name="itemId">The item.</param>
    /// <param name="kind">The kind of the related items.</param>
    /// <param name="skip">How many to skip.</param>
    /// <param name="take">How many to return.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The related items and how many there are.</returns>
    Task<HierarchyItemPage> GetRelatedItemsAsync(Guid itemId, HierarchyKind kind, int skip, int take, CancellationToken cancellationToken = default);

    /// <summary>Reads the items linked to some outcomes, ordered by target id, then item id.</summary>
    /// <param name="targetIds">The outcomes (at most <see cref="TargetQuery.MaxTake"/>).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Each link with its item.</returns>
    Task<IReadOnlyList<LinkedItem>> GetItemsOfOutcomesAsync(IReadOnlyCollection<TargetId> targetIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads a goal's tree in one snapshot: a page of the outcomes linked to an item (as <see cref="GetOutcomesAsync"/>)
    /// and the sprints and commitments linked to those outcomes, read through the page itself (not a list of its ids), so
    /// a relational store sends one statement text for every item and page.
    /// </summary>
    /// <param name="itemId">The goal (or any item).</param>
    /// <param name="skip">How many outcomes to skip.</param>
    /// <param name="take">How many outcomes to return.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The page and the sprints and commitments of its outcomes, ordered by target id, then item id.</returns>
    Task<OutcomeTreePage> GetOutcomeTreeAsync(Guid itemId, int skip, int take, CancellationToken cancellationToken = default);

    /// <summary>Reads a page of the items of a kind with no outcome, in id order.</summary>
    /// <param name="kind">The kind.</param>
    /// <param name="skip">How many to skip.</param>
    /// <param name="take">How many to return.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The orphans and how many there are.</returns>
    Task<HierarchyItemPage> GetOrphansAsync(HierarchyKind kind, int skip, int take, CancellationToken cancellationToken = default);

    /// <summary>
    /// Counts, per goal, its outcomes by stored status; per sprint, its commitments (through its outcomes, each once) by stored
    /// status: what a roll-up weighs. Items of another kind, and missing ones, count nothing.
    /// </summary>
    /// <param name="kind"><see cref="HierarchyKind.Goal"/> or <see cref="HierarchyKind.Sprint"/>.</param>
    /// <param name="itemIds">The goals or sprints (at most <see cref="TargetQuery.MaxTake"/>).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>One tally per item and stored status, in no particular order.</returns>
    Task<IReadOnlyList<StatusTally>> TallyAsync(HierarchyKind kind, IReadOnlyCollection<Guid> itemIds, CancellationToken cancellationToken = default);
}

/// <summary>A page of an item's outcomes with the sprints and commitments linked to them (see <see cref="IHierarchyStore.GetOutcomeTreeAsync"/>).</summary>
/// <param name="Outcomes">The page of outcomes, in target id order, and how many there are.</param>
/// <param name="Items">The sprints and commitments linked to the page's outcomes, ordered by target id, then item id.</param>
public sealed record OutcomeTreePage(TargetPage Outcomes, IReadOnlyList<LinkedItem> Items);

/// <summary>A write session of a store that keeps the hierarchy: targets, items and links change in one transaction.</summary>
public interface IHierarchyWriteSession : ITargetWriteSession
{
    /// <summary>Reads and locks items until the session ends.</summary>
    /// <param name="ids">The items, without duplicates.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The items that exist, by id.</returns>
    Task<IReadOnlyDictionary<Guid, HierarchyItem>> LockItemsAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken = default);

    /// <summary>Reads the links that touch any of the given targets or items (call after locking them, so they cannot change).</summary>
    /// <param name="targetIds">The targets.</param>
    /// <param name="itemIds">The items.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The links.</returns>
    Task<IReadOnlyList<OutcomeLink>> ReadLinksAsync(IReadOnlyCollection<TargetId> targetIds, IReadOnlyCollection<Guid> itemIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the decided hierarchy changes, set-based, before the unit's target changes (<see cref="ITargetWriteSession.SaveAsync"/>):
    /// item inserts and updates, link deletes, link inserts, item deletes, item history. Throws <see cref="ConcurrentWriteException"/>
    /// when an item is not at its expected version.
    /// </summary>
    /// <param name="changes">What the core decided.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when written (not yet committed).</returns>
    Task SaveHierarchyAsync(HierarchyChangeSet changes, CancellationToken cancellationToken = default);
}

/// <summary>An item to update, with the version its row must have now.</summary>
/// <param name="Item">The item after the change.</param>
/// <param name="ExpectedVersion">The version before.</param>
public sealed record ItemWrite(HierarchyItem Item, long ExpectedVersion);

/// <summary>An item to delete, with the version its row must have now.</summary>
/// <param name="Id">The item.</param>
/// <param name="ExpectedVersion">The version it has.</param>
public sealed record ItemDelete(Guid Id, long ExpectedVersion);

/// <summary>What one unit of work changes in the hierarchy, decided by the core.</summary>
public sealed record HierarchyChangeSet
{
    /// <summary>Gets the items to insert.</summary>
    public IReadOnlyList<HierarchyItem> Inserts { get; init; } = [];

    /// <summary>Gets the items to update.</summary>
    public IReadOnlyList<ItemWrite> Updates { get; init; } = [];

    /// <summary>Gets the items to delete (their links are in <see cref="RemovedLinks"/>).</summary>
    public IReadOnlyList<ItemDelete> Deletes { get; init; } = [];

    /// <summary>Gets the links to add (none exists yet).</summary>
    public IReadOnlyList<OutcomeLink> AddedLinks { get; init; } = [];

    /// <summary>Gets the links to remove (each exists).</summary>
    public IReadOnlyList<OutcomeLink> RemovedLinks { get; init; } = [];

    /// <summary>Gets the items' own history entries to append.</summary>
    public IReadOnlyList<HierarchyHistoryEntry> History { get; init; } = [];

    /// <summary>Gets a value indicating whether there is nothing to write.</summary>
    public bool IsEmpty => Inserts.Count == 0 && Updates.Count == 0 && Deletes.Count == 0 && AddedLinks.Count == 0 && RemovedLinks.Count == 0 && History.Count == 0;
}
