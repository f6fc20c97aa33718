using System.Collections.Frozen;

namespace TargetTracking;

/// <summary>
/// The façade of goals, sprints and commitments and their links to targets (outcomes). Items relate to each other only
/// through outcomes: a commitment's goals are the goals of its outcomes, a goal's sprints the sprints of its outcomes.
/// Every write validates, checks the version it names, and writes the change, its history and the links in one
/// transaction; a link or unlink is a change of the outcome (its next version, one <see cref="HistoryAction.Linked"/> or
/// <see cref="HistoryAction.Unlinked"/> entry). Resolve it from DI (<c>AddTargetTracking</c>) or build it over a
/// <see cref="TargetTracker"/> whose store implements <see cref="IHierarchyStore"/>. Thread-safe.
/// </summary>
public sealed class HierarchyTracker
{
    private readonly TargetTracker _tracker;
    private readonly IHierarchyStore _store;
    private readonly HierarchyWriter _writer;
    private readonly TimeProvider _time;
    private readonly FrozenDictionary<string, int> _outcomeWeights;
    private readonly FrozenDictionary<string, int> _commitmentWeights;

    /// <summary>Initializes a new instance over a tracker's store, options, clock and audit accessor.</summary>
    /// <param name="tracker">The target tracker.</param>
    /// <exception cref="NotSupportedException">The tracker's store does not keep the hierarchy (it does not implement <see cref="IHierarchyStore"/>).</exception>
    public HierarchyTracker(TargetTracker tracker)
    {
        Guard.Against.Null(tracker);
        _tracker = tracker;
        _store = tracker.Port<IHierarchyStore>();
        _time = tracker.Time;
        _writer = new HierarchyWriter(tracker.Writer, tracker.Options, tracker.Repository, _store);
        _outcomeWeights = Weights(tracker.Options.Hierarchy.OutcomeWeights);
        _commitmentWeights = Weights(tracker.Options.Hierarchy.CommitmentWeights);
    }

    /// <summary>Gets the status state machine of a kind of item.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>Its pipeline.</returns>
    public StatusStateMachine Pipeline(HierarchyKind kind) => _writer.Pipeline(kind);

    /// <summary>Creates a goal, sprint or commitment at version 1 with a <see cref="HistoryAction.Created"/> entry in its own history.</summary>
    /// <param name="kind">What to create.</param>
    /// <param name="fields">Its fields (only those of its kind).</param>
    /// <param name="audit">Who creates it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The item, or <see cref="InvalidInputError"/>, <see cref="UnknownStatusError"/>.</returns>
    public async Task<Result<HierarchyItem>> CreateAsync(HierarchyKind kind, HierarchyItemFields fields, AuditContext? audit = null, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(fields);
        return await SingleAsync(new CreateItemCommand(Guid.CreateVersion7(_time.GetUtcNow()), kind, fields), audit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one item.</summary>
    /// <param name="id">The item.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The item, or <see cref="ItemNotFoundError"/>.</returns>
    public async Task<Result<HierarchyItem>> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        var item = await ReadAsync(ct => _store.GetItemAsync(id, ct), cancellationToken).ConfigureAwait(false);
        return item is null ? new ItemNotFoundError(id) : item;
    }

    /// <summary>Queries items of one kind by status, title text and date range (<see cref="HierarchyItem.When"/>), in id order, paged.</summary>
    /// <param name="query">The query.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The page and the total count.</returns>
    /// <exception cref="ArgumentException">A status is not configured for the kind, the text is not storable, or paging is out of range.</exception>
    public Task<HierarchyItemPage> QueryAsync(HierarchyQuery query, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(query);
        Guard.Against.EnumOutOfRange(query.Kind, nameof(query.Kind));
        Paging(query.Skip, query.Take);
        if (query.TitleContains is { } text && !TargetRules.IsStorable(text))
        {
            throw new ArgumentException("The title filter holds a NUL or an unpaired surrogate.", nameof(query));
        }

        var pipeline = Pipeline(query.Kind);
        var normalized = query with
        {
            Statuses = query.Statuses?.Select(s => pipeline.NormalizeArgument(s, nameof(query), $"'{s}' is not a {query.Kind} status. Known: {string.Join(", ", pipeline.Statuses)}.")).Distinct().ToArray(),
            TitleContains = string.IsNullOrEmpty(query.TitleContains) ? null : TextSearch.Normalize(query.TitleContains),
        };
        return ReadAsync(ct => _store.QueryItemsAsync(normalized, ct), cancellationToken);
    }

    /// <summary>Replaces an item's fields (not its status) with an <see cref="HistoryAction.Updated"/> entry; an update that changes nothing is a no-op.</summary>
    /// <param name="id">The item.</param>
    /// <param name="expectedVersion">The version read.</param>
    /// <param name="fields">The new fields (<see cref="HierarchyItemFields.Status"/> is ignored).</param>
    /// <param name="audit">Who updates it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The item, or <see cref="ItemNotFoundError"/>, <see cref="ItemVersionConflictError"/>, <see cref="InvalidInputError"/>.</returns>
    public Task<Result<HierarchyItem>> UpdateAsync(Guid id, long expectedVersion, HierarchyItemFields fields, AuditContext? audit = null, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(fields);
        return SingleAsync(new UpdateItemCommand(id, expectedVersion, fields), audit, cancellationToken);
    }

    /// <summary>Moves an item through its kind's pipeline with a <see cref="HistoryAction.StatusChanged"/> entry; a move to the current status is a no-op.</summary>
    /// <param name="id">The item.</param>
    /// <param name="expectedVersion">The version read.</param>
    /// <param name="status">The new status (any spelling of Not Set).</param>
    /// <param name="audit">Who moves it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The item, or <see cref="ItemNotFoundError"/>, <see cref="ItemVersionConflictError"/>, <see cref="UnknownStatusError"/>, <see cref="ItemTransitionNotAllowedError"/>.</returns>
    public Task<Result<HierarchyItem>> ChangeStatusAsync(Guid id, long expectedVersion, string? status, AuditContext? audit = null, CancellationToken cancellationToken = default) =>
        SingleAsync(new ChangeItemStatusCommand(id, expectedVersion, status), audit, cancellationToken);

    /// <summary>
    /// Deletes an item with a <see cref="HistoryAction.Deleted"/> entry. Under <see cref="LinkDeletePolicy.Cascade"/> its links go
    /// with it, each with an <see cref="HistoryAction.Unlinked"/> entry on its outcome; under <see cref="LinkDeletePolicy.Restrict"/>
    /// the delete is refused while links exist.
    /// </summary>
    /// <param name="id">The item.</param>
    /// <param name="expectedVersion">The version read.</param>
    /// <param name="policy">What to do with its links.</param>
    /// <param name="audit">Who deletes it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The item as it was, or <see cref="ItemNotFoundError"/>, <see cref="ItemVersionConflictError"/>, <see cref="LinksExistError"/>.</returns>
    public Task<Result<HierarchyItem>> DeleteAsync(Guid id, long expectedVersion, LinkDeletePolicy policy = LinkDeletePolicy.Cascade, AuditContext? audit = null, CancellationToken cancellationToken = default) =>
        SingleAsync(new DeleteItemCommand(id, expectedVersion, policy), audit, cancellationToken);

    /// <summary>Reads an item's own history, newest first.</summary>
    /// <param name="id">The item; its history outlives it.</param>
    /// <param name="page">The page; <see langword="null"/> for the newest 50.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries.</returns>
    public Task<IReadOnlyList<HierarchyHistoryEntry>> GetHistoryAsync(Guid id, HistoryPageRequest? page = null, CancellationToken cancellationToken = default)
    {
        page ??= new HistoryPageRequest();
        Guard.Against.OutOfRange(page.Limit, nameof(page.Limit), 1, 1000);
        return ReadAsync(ct => _store.GetItemHistoryAsync(id, page, ct), cancellationToken);
    }

    /// <summary>Links an outcome to a goal, sprint or commitment: a unit of one (<see cref="ApplyLinksAsync"/>). Linking twice is a no-op.</summary>
    /// <param name="targetId">The outcome.</param>
    /// <param name="itemId">The item.</param>
    /// <param name="audit">Who links them.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The outcome of the request.</returns>
    public async Task<LinkOutcome> LinkAsync(TargetId targetId, Guid itemId, AuditContext? audit = null, CancellationToken cancellationToken = default) =>
        (await ApplyLinksAsync([new LinkRequest(LinkAction.Link, targetId, itemId)], BulkMode.AllOrNothing, audit, cancellationToken).ConfigureAwait(false)).Items[0];

    /// <summary>Removes a link: a unit of one (<see cref="ApplyLinksAsync"/>). Unlinking what is not linked is a no-op.</summary>
    /// <param name="targetId">The outcome.</param>
    /// <param name="itemId">The item.</param>
    /// <param name="audit">Who unlinks them.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The outcome of the request.</returns>
    public async Task<LinkOutcome> UnlinkAsync(TargetId targetId, Guid itemId, AuditContext? audit = null, CancellationToken cancellationToken = default) =>
        (await ApplyLinksAsync([new LinkRequest(LinkAction.Unlink, targetId, itemId)], BulkMode.AllOrNothing, audit, cancellationToken).ConfigureAwait(false)).Items[0];

    /// <summary>
    /// Links and unlinks many pairs in one unit of work (one transaction), applied in order: all-or-nothing, or partial with
    /// one typed outcome per request. Each change appends one entry to its outcome's history.
    /// </summary>
    /// <param name="requests">The requests (at most <see cref="TargetTrackingOptions.MaxBulkItems"/>).</param>
    /// <param name="mode">How the unit commits.</param>
    /// <param name="audit">Who makes the changes.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>One outcome per request, in order.</returns>
    public async Task<LinkBulkResult> ApplyLinksAsync(IEnumerable<LinkRequest> requests, BulkMode mode = BulkMode.AllOrNothing, AuditContext? audit = null, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(requests);
        Guard.Against.EnumOutOfRange(mode, nameof(mode));
        var list = requests.ToList();
        var outcomes = await _writer.ExecuteAsync([.. list.Select(r => new LinkCommand(Guard.Against.Null(r)))], mode, _tracker.ResolveAudit(audit), cancellationToken).ConfigureAwait(false);
        return new LinkBulkResult(mode, [.. outcomes.Select((o, i) => new LinkOutcome(i, list[i], o.State, o.Link, o.Error))]);
    }

    /// <summary>Reads a page of an item's outcomes, in target id order.</summary>
    /// <param name="itemId">The goal, sprint or commitment.</param>
    /// <param name="skip">How many to skip.</param>
    /// <param name="take">How many to return, 1 to <see cref="TargetQuery.MaxTake"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The outcomes and their total count.</returns>
    public Task<TargetPage> GetOutcomesAsync(Guid itemId, int skip = 0, int take = 50, CancellationToken cancellationToken = default)
    {
        Paging(skip, take);
        return ReadAsync(ct => _store.GetOutcomesAsync(itemId, skip, take, ct), cancellationToken);
    }

    /// <summary>
    /// Reads a page of the items of a kind related to an item through its outcomes, each once: a goal's commitments or sprints,
    /// a commitment's or sprint's goals, a sprint's commitments. There is no other path between items.
    /// </summary>
    /// <param name="itemId">The item.</param>
    /// <param name="kind">The kind of the related items.</param>
    /// <param name="skip">How many to skip.</param>
    /// <param name="take">How many to return, 1 to <see cref="TargetQuery.MaxTake"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The related items, in id order, and their total count.</returns>
    public Task<HierarchyItemPage> GetRelatedAsync(Guid itemId, HierarchyKind kind, int skip = 0, int take = 50, CancellationToken cancellationToken = default)
    {
        Guard.Against.EnumOutOfRange(kind, nameof(kind));
        Paging(skip, take);
        return ReadAsync(ct => _store.GetRelatedItemsAsync(itemId, kind, skip, take, ct), cancellationToken);
    }

    /// <summary>Reads the goals, sprints and commitments an outcome is linked to, in id order.</summary>
    /// <param name="targetId">The outcome.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The items.</returns>
    public async Task<IReadOnlyList<HierarchyItem>> GetItemsOfOutcomeAsync(TargetId targetId, CancellationToken cancellationToken = default) =>
        [.. (await ReadAsync(ct => _store.GetItemsOfOutcomesAsync([targetId], ct), cancellationToken).ConfigureAwait(false)).Select(l => l.Item)];

    /// <summary>Reads a goal's tree in one call: the goal, a page of its outcomes, and the sprints and commitments of each.</summary>
    /// <param name="goalId">The goal.</param>
    /// <param name="skip">How many outcomes to skip.</param>
    /// <param name="take">How many outcomes to return, 1 to <see cref="TargetQuery.MaxTake"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The tree, or <see cref="ItemNotFoundError"/> when there is no such goal.</returns>
    public async Task<Result<GoalTree>> GetTreeAsync(Guid goalId, int skip = 0, int take = 50, CancellationToken cancellationToken = default)
    {
        Paging(skip, take);
        return await ReadAsync<Result<GoalTree>>(
            async ct =>
            {
                var goal = await _store.GetItemAsync(goalId, ct).ConfigureAwait(false);
                if (goal is not { Kind: HierarchyKind.Goal })
                {
                    return new ItemNotFoundError(goalId, HierarchyKind.Goal);
                }

                var (outcomes, linked) = await _store.GetOutcomeTreeAsync(goalId, skip, take, ct).ConfigureAwait(false);
                var byOutcome = linked.ToLookup(l => l.TargetId, l => l.Item);
                return new GoalTree(
                    goal,
                    [.. outcomes.Items.Select(t => new OutcomeNode(
                        t,
                        [.. byOutcome[t.Id].Where(i => i.Kind == HierarchyKind.Sprint).OrderBy(i => i.Id)],
                        [.. byOutcome[t.Id].Where(i => i.Kind == HierarchyKind.Commitment).OrderBy(i => i.Id)]))],
                    outcomes.TotalCount);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a page of the sprints or commitments (or goals) that no outcome links: what a coach should look at.</summary>
    /// <param name="kind">The kind.</param>
    /// <param name="skip">How many to skip.</param>
    /// <param name="take">How many to return, 1 to <see cref="TargetQuery.MaxTake"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The orphans, in id order, and their total count.</returns>
    public Task<HierarchyItemPage> GetOrphansAsync(HierarchyKind kind, int skip = 0, int take = 50, CancellationToken cancellationToken = default)
    {
        Guard.Against.EnumOutOfRange(kind, nameof(kind));
        Paging(skip, take);
        return ReadAsync(ct => _store.GetOrphansAsync(kind, skip, take, ct), cancellationToken);
    }

    /// <summary>
    /// Rolls up progress, counted in the store: a goal's from its outcomes' statuses (<see cref="HierarchyOptions.OutcomeWeights"/>;
    /// an outcome shared by two goals counts fully in each), a sprint's from its commitments' statuses
    /// (<see cref="HierarchyOptions.CommitmentWeights"/>). An item with nothing counted reports <see cref="ItemProgress.Percent"/> <see langword="null"/>.
    /// </summary>
    /// <param name="kind"><see cref="HierarchyKind.Goal"/> or <see cref="HierarchyKind.Sprint"/>.</param>
    /// <param name="itemIds">The goals or sprints, at most <see cref="TargetQuery.MaxTake"/>; ids of other kinds or of missing items report nothing counted.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>One progress per distinct id, in the order given.</returns>
    public async Task<IReadOnlyList<ItemProgress>> GetProgressAsync(HierarchyKind kind, IEnumerable<Guid> itemIds, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(itemIds);
        Guard.Against.InvalidInput(kind, nameof(kind), k => k is HierarchyKind.Goal or HierarchyKind.Sprint, "Progress rolls up for goals and sprints.");
        var ids = itemIds.Distinct().ToArray();
        Guard.Against.OutOfRange(ids.Length, nameof(itemIds), 0, TargetQuery.MaxTake);
        var tallies = ids.Length == 0 ? [] : await ReadAsync(ct => _store.TallyAsync(kind, ids, ct), cancellationToken).ConfigureAwait(false);
        var weights = kind == HierarchyKind.Goal ? _outcomeWeights : _commitmentWeights;
        var byItem = tallies.ToLookup(t => t.ItemId);
        return [.. ids.Select(id => RollUp(id, byItem[id], weights))];
    }

    /// <summary>Weighs one item's tallies: the one place the roll-up rule lives.</summary>
    internal static ItemProgress RollUp(Guid id, IEnumerable<StatusTally> tallies, IReadOnlyDictionary<string, int> weights)
    {
        long counted = 0, excluded = 0, sum = 0;
        foreach (var tally in tallies)
        {
            if (weights.TryGetValue(tally.Status ?? PipelineOptions.NotSet, out var weight))
            {
                counted += tally.Count;
                sum += weight * tally.Count;
            }
            else
            {
                excluded += tally.Count;
            }
        }

        return new ItemProgress(id, counted == 0 ? null : (double)sum / counted, counted, excluded);
    }

    private static FrozenDictionary<string, int> Weights(IDictionary<string, int> weights) =>
        weights.ToFrozenDictionary(w => PipelineOptions.IsNotSet(w.Key) ? PipelineOptions.NotSet : w.Key, w => w.Value, StringComparer.OrdinalIgnoreCase);

    private static void Paging(int skip, int take)
    {
        Guard.Against.OutOfRange(skip, nameof(skip), 0, int.MaxValue);
        Guard.Against.OutOfRange(take, nameof(take), 1, TargetQuery.MaxTake);
    }

    private Task<T> ReadAsync<T>(Func<CancellationToken, Task<T>> read, CancellationToken cancellationToken) => _tracker.Writer.ReadAsync(read, cancellationToken);

    private async Task<Result<HierarchyItem>> SingleAsync(HierarchyCommand command, AuditContext? audit, CancellationToken cancellationToken)
    {
        var outcome = (await _writer.ExecuteAsync([command], BulkMode.AllOrNothing, _tracker.ResolveAudit(audit), cancellationToken).ConfigureAwait(false))[0];
        return outcome.Error is { } error ? error : outcome.Item!;
    }
}
