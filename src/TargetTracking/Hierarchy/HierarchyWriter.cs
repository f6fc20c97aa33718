namespace TargetTracking;

/// <summary>One change of a hierarchy unit of work. Single writes and bulk link units are both lists of these.</summary>
internal abstract record HierarchyCommand;

internal sealed record CreateItemCommand(Guid Id, HierarchyKind Kind, HierarchyItemFields Fields) : HierarchyCommand;

internal sealed record UpdateItemCommand(Guid Id, long ExpectedVersion, HierarchyItemFields Fields) : HierarchyCommand;

internal sealed record ChangeItemStatusCommand(Guid Id, long ExpectedVersion, string? Status) : HierarchyCommand;

internal sealed record DeleteItemCommand(Guid Id, long ExpectedVersion, LinkDeletePolicy Policy) : HierarchyCommand;

internal sealed record LinkCommand(LinkRequest Request) : HierarchyCommand;

/// <summary>The outcome of one hierarchy command.</summary>
internal sealed record HierarchyOutcome(BulkItemState State, HierarchyItem? Item, OutcomeLink? Link, TargetError? Error);

/// <summary>
/// The one write path of the hierarchy: locks the items, then the outcomes, reads the links that touch them, decides every
/// command in order against that state, and saves items, links, their history and the outcomes' new versions in one
/// transaction (re-run whole on a transient failure, through <see cref="TargetWriter.RunAsync"/>). A single link is a unit of one.
/// When the answer to a commit is lost, the next attempt first looks for an entry that commit wrote (as the target writer
/// does): found, the unit went through and its outcomes are returned; not found, it is decided again.
/// </summary>
internal sealed class HierarchyWriter(TargetWriter writer, TargetTrackingOptions options, ITargetRepository targets, IHierarchyStore items)
{
    private readonly Dictionary<HierarchyKind, StatusStateMachine> _pipelines =
        Enum.GetValues<HierarchyKind>().ToDictionary(k => k, k => new StatusStateMachine(options.Hierarchy.For(k)));

    public StatusStateMachine Pipeline(HierarchyKind kind) => _pipelines[kind];

    public async Task<HierarchyOutcome[]> ExecuteAsync(IReadOnlyList<HierarchyCommand> commands, BulkMode mode, AuditContext audit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (commands.Count > options.MaxBulkItems)
        {
            throw new InvalidOperationException(
                $"A unit of work holds {commands.Count} items, more than TargetTrackingOptions.MaxBulkItems ({options.MaxBulkItems}). Split it.");
        }

        audit = audit.Sanitized();
        audit = audit.CorrelationId is null ? audit with { CorrelationId = Guid.CreateVersion7(writer.Now()).ToString("N") } : audit;
        var unit = new UnitOfWork(audit.CorrelationId, null, []);
        var lost = new LostCommit();
        return await writer.RunAsync((session, ct) => ExecuteOnceAsync(session, commands, mode, audit, lost, ct), unit, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HierarchyOutcome[]> ExecuteOnceAsync(
        ITargetWriteSession target, IReadOnlyList<HierarchyCommand> commands, BulkMode mode, AuditContext audit, LostCommit lost, CancellationToken cancellationToken)
    {
        var session = target as IHierarchyWriteSession
            ?? throw new InvalidOperationException($"The store's write session ({target.GetType().Name}) does not keep the hierarchy (IHierarchyWriteSession).");
        if (lost.Result is { } written && await WentThroughAsync(lost, cancellationToken).ConfigureAwait(false))
        {
            return written;
        }

        lost.Result = null;
        var prepared = commands.Select(Prepare).ToArray();

        // Items first, then outcomes, each in id order: every writer of the hierarchy locks in this order.
        var itemIds = prepared.Where(p => p.Error is null).Select(p => p.Command switch
        {
            UpdateItemCommand u => u.Id,
            ChangeItemStatusCommand c => c.Id,
            DeleteItemCommand d => d.Id,
            LinkCommand l => l.Request.ItemId,
            _ => Guid.Empty,
        }).Where(id => id != Guid.Empty).ToHashSet();
        var items = await session.LockItemsAsync([.. itemIds.Order()], cancellationToken).ConfigureAwait(false);

        var deletedItems = prepared.Where(p => p.Error is null && p.Command is DeleteItemCommand).Select(p => ((DeleteItemCommand)p.Command).Id).Where(items.ContainsKey).ToHashSet();
        var targetIds = prepared.Where(p => p.Error is null && p.Command is LinkCommand).Select(p => ((LinkCommand)p.Command).Request.TargetId).ToHashSet();
        if (deletedItems.Count > 0)
        {
            // The outcomes a cascade touches: nobody can add a link to a locked item meanwhile.
            targetIds.UnionWith((await session.ReadLinksAsync([], deletedItems, cancellationToken).ConfigureAwait(false)).Select(l => l.TargetId));
        }

        var targets = await session.LockAsync([.. targetIds.Order()], cancellationToken).ConfigureAwait(false);
        var links = targetIds.Count == 0 && itemIds.Count == 0 ? [] : await session.ReadLinksAsync(targetIds, itemIds, cancellationToken).ConfigureAwait(false);

        var decision = new Decision(writer.Now(), audit, items, targets, links);
        var outcomes = new HierarchyOutcome[prepared.Length];
        for (var i = 0; i < prepared.Length; i++)
        {
            outcomes[i] = prepared[i].Error is { } error ? new HierarchyOutcome(BulkItemState.Failed, null, null, error) : Decide(decision, prepared[i].Command);
        }

        if (outcomes.Any(o => o.State == BulkItemState.Failed) && mode == BulkMode.AllOrNothing)
        {
            return [.. outcomes.Select(o => o.Error is null ? o with { State = BulkItemState.RolledBack } : o)];
        }

        var (hierarchyChanges, targetChanges) = decision.Coalesce();
        if (!hierarchyChanges.IsEmpty || !targetChanges.IsEmpty)
        {
            await session.SaveHierarchyAsync(hierarchyChanges, cancellationToken).ConfigureAwait(false);
            await session.SaveAsync(targetChanges, cancellationToken).ConfigureAwait(false);
            try
            {
                await session.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (writer.IsRetryable(e))
            {
                // The commit may have been applied: remember one entry it wrote, and what it decided.
                (lost.TargetEntry, lost.ItemEntry, lost.Result) = (targetChanges.History.FirstOrDefault(), hierarchyChanges.History.FirstOrDefault(), outcomes);
                throw;
            }
        }

        return outcomes;
    }

    /// <summary>Tells whether a commit whose answer was lost was applied: entry ids are new for every attempt, so finding one proves it.</summary>
    private async Task<bool> WentThroughAsync(LostCommit lost, CancellationToken cancellationToken)
    {
        if (lost.TargetEntry is { } t)
        {
            var found = await targets.GetHistoryAsync(t.TargetId, new HistoryPageRequest(t.Version + 1, 1), cancellationToken).ConfigureAwait(false);
            return found.Count == 1 && found[0].Id == t.Id;
        }

        if (lost.ItemEntry is { } i)
        {
            var found = await items.GetItemHistoryAsync(i.ItemId, new HistoryPageRequest(i.Version + 1, 1), cancellationToken).ConfigureAwait(false);
            return found.Count == 1 && found[0].Id == i.Id;
        }

        return false;
    }

    /// <summary>A commit of this unit whose answer was lost: an entry it wrote (of an outcome, else of an item) and its outcomes.</summary>
    private sealed class LostCommit
    {
        public HistoryEntry? TargetEntry { get; set; }

        public HierarchyHistoryEntry? ItemEntry { get; set; }

        public HierarchyOutcome[]? Result { get; set; }
    }

    /// <summary>Checks what can be checked without the store and brings input to its stored form.</summary>
    private (HierarchyCommand Command, TargetError? Error) Prepare(HierarchyCommand command)
    {
        static InvalidInputError? VersionError(long expected) =>
            expected < 1 ? new InvalidInputError([new FieldError("expectedVersion", $"The expected version must be at least 1; it is {expected}.")]) : null;

        switch (command)
        {
            case CreateItemCommand create:
                if (HierarchyRules.Validate(create.Kind, create.Fields) is { } invalid)
                {
                    return (command, invalid);
                }

                var pipeline = _pipelines[create.Kind];
                return pipeline.TryNormalize(create.Fields.Status, out var status)
                    ? (create with { Fields = create.Fields with { Status = status } }, null)
                    : (command, new UnknownStatusError(create.Fields.Status!, pipeline.Statuses));
            case UpdateItemCommand update:
                return (command, VersionError(update.ExpectedVersion));
            case ChangeItemStatusCommand change:
                return (command, VersionError(change.ExpectedVersion));
            case DeleteItemCommand delete:
                return (command, VersionError(delete.ExpectedVersion) ?? (Enum.IsDefined(delete.Policy) ? null
                    : new InvalidInputError([new FieldError("policy", $"{delete.Policy} is not a link delete policy.")])));
            case LinkCommand link:
                return (command, Enum.IsDefined(link.Request.Action) ? null : new InvalidInputError([new FieldError("action", $"{link.Request.Action} is not a link action.")]));
            default:
                throw new InvalidOperationException($"Unknown command {command.GetType().Name}.");
        }
    }

    private HierarchyOutcome Decide(Decision d, HierarchyCommand command)
    {
        static HierarchyOutcome Fail(TargetError error) => new(BulkItemState.Failed, null, null, error);
        static HierarchyOutcome Done(BulkItemState state, HierarchyItem? item, OutcomeLink? link = null) => new(state, item, link, null);

        if (command is CreateItemCommand create)
        {
            var f = create.Fields;
            var item = new HierarchyItem
            {
                Id = create.Id, Kind = create.Kind, Title = f.Title, Description = f.Description, Status = f.Status, TargetDate = f.TargetDate,
                SprintName = f.SprintName, StartDate = f.StartDate, EndDate = f.EndDate, Priority = f.Priority, DueDate = f.DueDate,
                Version = 1, CreatedAt = d.Now, UpdatedAt = d.Now,
            };
            d.SetItem(item.Id, item, HistoryAction.Created, null, item.Status, 1, item.Kind);
            return Done(BulkItemState.Applied, item);
        }

        if (command is LinkCommand { Request: var request })
        {
            if (d.Item(request.ItemId) is not { } linked)
            {
                return Fail(new ItemNotFoundError(request.ItemId));
            }

            if (d.Target(request.TargetId) is null)
            {
                return Fail(new NotFoundError(request.TargetId));
            }

            var link = new OutcomeLink(request.TargetId, linked.Id, linked.Kind);
            return d.SetLink(link, request.Action == LinkAction.Link) ? Done(BulkItemState.Applied, null, link) : Done(BulkItemState.Unchanged, null, link);
        }

        var (id, expected) = command switch
        {
            UpdateItemCommand u => (u.Id, u.ExpectedVersion),
            ChangeItemStatusCommand c => (c.Id, c.ExpectedVersion),
            DeleteItemCommand x => (x.Id, x.ExpectedVersion),
            _ => throw new InvalidOperationException($"Unknown command {command.GetType().Name}."),
        };
        if (d.Item(id) is not { } current)
        {
            return Fail(new ItemNotFoundError(id));
        }

        if (current.Version != expected)
        {
            return Fail(new ItemVersionConflictError(expected, current));
        }

        switch (command)
        {
            case UpdateItemCommand { Fields: var f }:
                {
                    if (HierarchyRules.Validate(current.Kind, f) is { } invalid)
                    {
                        return Fail(invalid);
                    }

                    var next = current with
                    {
                        Title = f.Title, Description = f.Description, TargetDate = f.TargetDate, SprintName = f.SprintName, StartDate = f.StartDate,
                        EndDate = f.EndDate, Priority = f.Priority, DueDate = f.DueDate,
                    };
                    if (next == current)
                    {
                        return Done(BulkItemState.Unchanged, current);
                    }

                    next = next with { Version = current.Version + 1, UpdatedAt = d.Now };
                    d.SetItem(id, next, HistoryAction.Updated, current.Status, current.Status, next.Version, current.Kind);
                    return Done(BulkItemState.Applied, next);
                }

            case ChangeItemStatusCommand { Status: var to }:
                {
                    var pipeline = _pipelines[current.Kind];
                    if (!pipeline.TryNormalize(to, out var status))
                    {
                        return Fail(new UnknownStatusError(to!, pipeline.Statuses));
                    }

                    if (StatusStateMachine.SameStatus(status, current.Status))
                    {
                        return Done(BulkItemState.Unchanged, current);
                    }

                    if (!pipeline.CanMove(current.Status, status))
                    {
                        var allowed = pipeline.TryNormalize(current.Status, out var from) ? pipeline.NextStatuses(from) : [];
                        return Fail(new ItemTransitionNotAllowedError(id, current.Kind, current.Status, status, allowed));
                    }

                    var next = current with { Status = status, Version = current.Version + 1, UpdatedAt = d.Now };
                    d.SetItem(id, next, HistoryAction.StatusChanged, current.Status, status, next.Version, current.Kind);
                    return Done(BulkItemState.Applied, next);
                }

            case DeleteItemCommand { Policy: var policy }:
                {
                    var held = d.LinksOf(id);
                    if (held.Count > 0 && policy == LinkDeletePolicy.Restrict)
                    {
                        return Fail(new LinksExistError([.. held.Take(LinksExistError.MaxListed)], held.Count));
                    }

                    foreach (var link in held)
                    {
                        d.SetLink(link, add: false);
                    }

                    d.SetItem(id, null, HistoryAction.Deleted, current.Status, null, current.Version + 1, current.Kind);
                    return Done(BulkItemState.Applied, current);
                }

            default:
                throw new InvalidOperationException($"Unknown command {command.GetType().Name}.");
        }
    }

    /// <summary>The state a unit of work decides against, as it changes item by item, and what it records.</summary>
    private sealed class Decision(
        DateTimeOffset now, AuditContext audit, IReadOnlyDictionary<Guid, HierarchyItem> items, IReadOnlyDictionary<TargetId, Target> targets, IReadOnlyList<OutcomeLink> links)
    {
        private readonly Dictionary<Guid, HierarchyItem?> _items = [];
        private readonly Dictionary<TargetId, Target> _targets = [];
        private readonly Dictionary<(TargetId, Guid), OutcomeLink> _links = links.ToDictionary(l => (l.TargetId, l.ItemId));
        private readonly List<HistoryEntry> _targetHistory = [];
        private readonly List<HierarchyHistoryEntry> _itemHistory = [];
        private readonly string _correlationId = audit.CorrelationId!;

        public DateTimeOffset Now => now;

        public HierarchyItem? Item(Guid id) => _items.TryGetValue(id, out var item) ? item : items.GetValueOrDefault(id);

        public Target? Target(TargetId id) => _targets.TryGetValue(id, out var t) ? t : targets.GetValueOrDefault(id);

        public List<OutcomeLink> LinksOf(Guid itemId) => [.. _links.Values.Where(l => l.ItemId == itemId).OrderBy(l => l.TargetId)];

        public void SetItem(Guid id, HierarchyItem? after, HistoryAction action, string? oldStatus, string? newStatus, long version, HierarchyKind kind)
        {
            _items[id] = after;
            _itemHistory.Add(new HierarchyHistoryEntry
            {
                Id = Guid.CreateVersion7(now), ItemId = id, Kind = kind, Action = action, OldStatus = oldStatus, NewStatus = newStatus,
                Version = version, OccurredAt = now, ActorId = audit.ActorId, ActorName = audit.ActorName, CorrelationId = _correlationId,
            });
        }

        /// <summary>Adds or removes a link; a change is a change of the outcome: its next version, one entry (see <see cref="HistoryAction.Linked"/>).</summary>
        /// <returns><see langword="false"/> when there was nothing to change.</returns>
        public bool SetLink(OutcomeLink link, bool add)
        {
            var key = (link.TargetId, link.ItemId);
            if (_links.ContainsKey(key) == add)
            {
                return false;
            }

            if (add)
            {
                _links[key] = link;
            }
            else
            {
                _links.Remove(key);
            }

            var before = Target(link.TargetId)!;
            var after = before with { Version = before.Version + 1, UpdatedAt = now };
            _targets[link.TargetId] = after;
            _targetHistory.Add(TargetWriter.Entry(
                link.TargetId, add ? HistoryAction.Linked : HistoryAction.Unlinked, before.Status, before.Status, after.Version, now, audit, _correlationId, null, link.Note));
            return true;
        }

        /// <summary>Turns the decisions into one set-based write per table.</summary>
        public (HierarchyChangeSet Hierarchy, ChangeSet Targets) Coalesce()
        {
            var inserts = new List<HierarchyItem>();
            var updates = new List<ItemWrite>();
            var deletes = new List<ItemDelete>();
            foreach (var (id, after) in _items)
            {
                var before = items.GetValueOrDefault(id);
                if (before is null && after is not null)
                {
                    inserts.Add(after);
                }
                else if (before is not null && after is not null)
                {
                    updates.Add(new ItemWrite(after, before.Version));
                }
                else if (before is not null && after is null)
                {
                    deletes.Add(new ItemDelete(id, before.Version));
                }
            }

            var original = links.Select(l => (l.TargetId, l.ItemId)).ToHashSet();
            return (
                new HierarchyChangeSet
                {
                    Inserts = inserts,
                    Updates = updates,
                    Deletes = deletes,
                    AddedLinks = [.. _links.Where(l => !original.Contains(l.Key)).Select(l => l.Value)],
                    RemovedLinks = [.. links.Where(l => !_links.ContainsKey((l.TargetId, l.ItemId)))],
                    History = _itemHistory,
                },
                new ChangeSet
                {
                    Updates = [.. _targets.Values.Select(t => new TargetWrite(t, targets[t.Id].Version))],
                    History = _targetHistory,
                });
        }
    }
}
