using System.Collections.Immutable;

namespace TargetTracking.InMemory;

/// <summary>
/// The in-memory store: the reference model every other adapter is tested against. State is an immutable
/// snapshot replaced whole on commit, so readers never see half a unit of work; one writer at a time holds
/// the write lock from <see cref="BeginWriteAsync"/> until the session ends, as row locks would serialize
/// writers to the same rows in a database. Thread-safe; data lives as long as the instance.
/// </summary>
public sealed partial class InMemoryTargetStore : ITargetRepository, IOperationStore, IIntegrityStore, IHierarchyStore, IChangeFeedStore, IReportStore, IStagnationClaims, ITenantStore, IWebhookStore, ILedgerStore, IErasureStore
{
    // What every tenant's view shares: the tenants' data, one writer at a time, one commit sequence.
    private readonly Tenants _tenants;
    private readonly Func<string> _tenant;

    /// <summary>Initializes a new, empty store; its members work in <see cref="TenantIds.Default"/> (<see cref="ForTenant"/> for another).</summary>
    public InMemoryTargetStore()
        : this(new Tenants(), static () => TenantIds.Default)
    {
    }

    private InMemoryTargetStore(Tenants tenants, Func<string> tenant)
    {
        _tenants = tenants;
        _tenant = tenant;
    }

    private SemaphoreSlim _writeLock => _tenants.WriteLock;

    /// <summary>Gets the data of the current call's tenant: the tenant leads every key, as a partition of its own.</summary>
    private Partition Here => _tenants.Partitions.GetOrAdd(_tenant(), static _ => new Partition());

    /// <inheritdoc />
    public ITargetRepository ForTenant(Func<string> tenant)
    {
        Guard.Against.Null(tenant);
        return new InMemoryTargetStore(_tenants, tenant);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<TenantFeedEntry>> ReadAllTenantsFeedAsync(FeedToken after, int limit, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(after);
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<TenantFeedEntry> page =
        [
            .. _tenants.Partitions.SelectMany(p => Volatile.Read(ref p.Value.State).Feed.Select(row => new TenantFeedEntry(p.Key, new FeedEntry(row.Entry, FeedToken.Of(row.Sequence, row.Entry.Version, row.Entry.Id)))))
                .Where(e => e.Entry.Token.CompareTo(after) > 0)
                .OrderBy(e => e.Entry.Token)
                .Take(limit),
        ];
        return Task.FromResult(page);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> FindTenantsWithTargetsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<string> tenants =
        [
            .. _tenants.Partitions.Where(p => Volatile.Read(ref p.Value.State).Targets.Count > 0).Select(p => p.Key).Order(StringComparer.Ordinal),
        ];
        return Task.FromResult(tenants);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> FindTenantsWithOpenOperationsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<string> tenants =
        [
            .. _tenants.Partitions.Where(p => Volatile.Read(ref p.Value.State).Operations.Values.Any(o => !o.Operation.IsFinished)).Select(p => p.Key).Order(StringComparer.Ordinal),
        ];
        return Task.FromResult(tenants);
    }

    /// <inheritdoc />
    public Task<Target?> GetAsync(TargetId id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Volatile.Read(ref Here.State).Targets.GetValueOrDefault(id));
    }

    /// <inheritdoc />
    public Task<TargetPage> QueryAsync(TargetQuery query, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(query);
        cancellationToken.ThrowIfCancellationRequested();
        var matches = Volatile.Read(ref Here.State).Targets.Values.Where(t => Matches(t, query));
        var list = matches.ToList();
        list.Sort((a, b) =>
        {
            var order = query.SortBy switch
            {
                TargetSort.CreatedAt => a.CreatedAt.CompareTo(b.CreatedAt),
                TargetSort.UpdatedAt => a.UpdatedAt.CompareTo(b.UpdatedAt),

                // Without an amount sorts lowest, as the stores' explicit NULL ordering does.
                TargetSort.Amount => Nullable.Compare(a.Amount?.Value, b.Amount?.Value),
                _ => CodePointComparer.Instance.Compare(a.Name, b.Name),
            };
            order = order != 0 ? order : a.Id.CompareTo(b.Id);
            return query.Descending ? -order : order;
        });
        return Task.FromResult(new TargetPage([.. list.Skip(query.Skip).Take(query.Take)], list.Count));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StatusCount>> CountByStatusAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<StatusCount> counts = [.. Volatile.Read(ref Here.State).Targets.Values.GroupBy(t => t.Status, StringComparer.Ordinal).Select(g => new StatusCount(g.Key, g.LongCount()))];
        return Task.FromResult(counts);
    }

    // Stored statuses match ignoring case: targets stored before the pipeline renamed a status only in case are found too.
    private static bool Matches(Target target, TargetQuery filter) =>
        (filter.Statuses is not { } statuses || statuses.Any(s => StatusStateMachine.SameStatus(s, target.Status)))
        && (filter.Market is not { } market || target.Markets.Any(m => TextSearch.Normalize(m) == market))
        && (filter.NameContains is not { } text || TextSearch.Normalize(target.Name).Contains(text, StringComparison.Ordinal))
        && (filter.OwnerId is not { } owner || string.Equals(target.OwnerId, owner, StringComparison.Ordinal))
        && (filter.Currency is not { } currency || string.Equals(target.Amount?.Currency, currency, StringComparison.Ordinal))
        && (filter.AmountAtLeast is not { } least || target.Amount?.Value >= least)
        && (filter.AmountAtMost is not { } most || target.Amount?.Value <= most);

    /// <inheritdoc />
    public Task<BulkOperation?> GetOperationAsync(string operationId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Volatile.Read(ref Here.State).Operations.GetValueOrDefault(operationId)?.Operation);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<BulkOperation>> FindOperationsAsync(IReadOnlyCollection<OperationStatus> statuses, DateTimeOffset? updatedBefore, int limit, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(statuses);
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<BulkOperation> found =
        [
            .. Volatile.Read(ref Here.State).Operations.Values.Select(o => o.Operation)
                .Where(o => statuses.Contains(o.Status) && (updatedBefore is not { } before || o.LastUpdatedAt < before))
                .OrderBy(o => o.LastUpdatedAt).ThenBy(o => o.Id, StringComparer.Ordinal)
                .Take(limit),
        ];
        return Task.FromResult(found);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<OperationItemFailure>> GetOperationFailuresAsync(string operationId, TargetId? after, int limit, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var failures = Volatile.Read(ref Here.State).Operations.GetValueOrDefault(operationId)?.Failures ?? [];
        IReadOnlyList<OperationItemFailure> page = [.. failures.Where(f => after is not { } a || f.TargetId.CompareTo(a) > 0).OrderBy(f => f.TargetId).Take(limit)];
        return Task.FromResult(page);
    }

    /// <inheritdoc />
    public async Task<int> DeleteFinishedOperationsAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var here = Here;
            var state = here.State;
            var expired = state.Operations.Values.Where(o => o.Operation.IsFinished && o.Operation.CompletedAt < completedBefore).Select(o => o.Operation.Id).ToList();
            Volatile.Write(ref here.State, state with { Operations = state.Operations.RemoveRange(expired) });
            return expired.Count;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(TargetId id, HistoryPageRequest page, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(page);
        cancellationToken.ThrowIfCancellationRequested();
        var entries = Volatile.Read(ref Here.State).History.GetValueOrDefault(id, []);
        IReadOnlyList<HistoryEntry> result = [.. entries.Reverse().Where(e => page.BeforeVersion is not { } before || e.Version < before).Take(page.Limit)];
        return Task.FromResult(result);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<HistoryEntry>> GetHistoryFeedAsync(HistoryFeedRequest request, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(request);
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<HistoryEntry> result =
        [
            .. Volatile.Read(ref Here.State).History.Values.SelectMany(e => e)
                .Where(e => e.OccurredAt > request.Since || (e.OccurredAt == request.Since && (request.AfterId is not { } after || e.Id.CompareTo(after) > 0)))
                .OrderBy(e => e.OccurredAt).ThenBy(e => e.Id)
                .Take(request.Limit),
        ];
        return Task.FromResult(result);
    }

    /// <summary>
    /// Reads the feed by brute force, as the model: every unit of work that committed entries took the next commit
    /// sequence at its commit, one writer at a time.
    /// </summary>
    /// <param name="after">The position to read after.</param>
    /// <param name="limit">How many entries at most.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries with their positions.</returns>
    public Task<IReadOnlyList<FeedEntry>> ReadFeedAsync(FeedToken after, int limit, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(after);
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<FeedEntry> page =
        [
            .. Volatile.Read(ref Here.State).Feed
                .Select(row => new FeedEntry(row.Entry, FeedToken.Of(row.Sequence, row.Entry.Version, row.Entry.Id)))
                .Where(e => e.Token.CompareTo(after) > 0)
                .OrderBy(e => e.Token)
                .Take(limit),
        ];
        return Task.FromResult(page);
    }

    /// <inheritdoc />
    public async Task<ITargetWriteSession> BeginWriteAsync(CancellationToken cancellationToken = default)
    {
        var here = Here;
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Session(this, here);
    }

    /// <inheritdoc />
    public async Task<Target?> TryChangeStatusAsync(GuardedStatusChange change, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(change);
        var session = await BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            return await change.ApplyAsync(session, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Checks one snapshot by brute force: the model of the set-based checks of the other stores.</summary>
    /// <param name="scan">What to scan.</param>
    /// <param name="found">Receives each finding.</param>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <returns>How many targets and entries the snapshot held.</returns>
    public Task<IntegrityCounts> ScanIntegrityAsync(IntegrityScan scan, Action<IntegrityFinding> found, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(scan);
        Guard.Against.Null(found);
        cancellationToken.ThrowIfCancellationRequested();
        var state = Volatile.Read(ref Here.State);
        return Task.FromResult(IntegrityModel.Scan(state.Targets, state.History, state.Items, state.Links.Values, scan, found));
    }

    /// <summary>Computes a target's stays by brute force: the model of the other stores' set-based queries.</summary>
    /// <param name="id">The target.</param>
    /// <param name="cut">Entries at or after it are not read.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The stays, oldest first.</returns>
    public Task<IReadOnlyList<StayFacts>> GetStaysAsync(TargetId id, DateTimeOffset cut, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<StayFacts> stays = ReportModel.Stays(Volatile.Read(ref Here.State).History.GetValueOrDefault(id, []), cut);
        return Task.FromResult(stays);
    }

    /// <summary>Counts targets per status as of a cut by brute force (the model).</summary>
    /// <param name="cut">Entries at or after it are not read.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The counts.</returns>
    public Task<IReadOnlyList<StatusCount>> CountAsOfAsync(DateTimeOffset cut, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(ReportModel.CountAsOf(Volatile.Read(ref Here.State).History.Values, cut));
    }

    /// <summary>Computes pipeline facts by brute force over one snapshot (the model).</summary>
    /// <param name="query">What to compute.</param>
    /// <param name="cancellationToken">Cancels the computation.</param>
    /// <returns>The facts.</returns>
    public Task<PipelineFacts> ComputePipelineAsync(PipelineFactsQuery query, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(query);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(ReportModel.Pipeline(Volatile.Read(ref Here.State).History.Values, query));
    }

    /// <summary>Streams the operations of a period and computes how they touched targets, over one snapshot (the model).</summary>
    /// <param name="query">The period.</param>
    /// <param name="operation">Receives each operation.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The touches.</returns>
    public Task<OperationTouchFacts> ScanOperationsAsync(OperationsFactsQuery query, Action<BulkOperation> operation, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(query);
        Guard.Against.Null(operation);
        cancellationToken.ThrowIfCancellationRequested();
        var state = Volatile.Read(ref Here.State);
        foreach (var o in state.Operations.Values.Select(o => o.Operation).Where(o => o.CreatedAt >= query.From && o.CreatedAt < query.To).OrderBy(o => o.CreatedAt).ThenBy(o => o.Id, StringComparer.Ordinal))
        {
            operation(o);
        }

        return Task.FromResult(ReportModel.Touches(state.History.Values.SelectMany(h => h), query));
    }

    /// <inheritdoc />
    public Task<bool> TryClaimAsync(StagnationClaim claim, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(claim);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Here.Claims.TryAdd((claim.TargetId, claim.StayStartedAt), claim));
    }

    /// <inheritdoc />
    public Task ReleaseAsync(StagnationClaim claim, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(claim);
        cancellationToken.ThrowIfCancellationRequested();
        Here.Claims.TryRemove((claim.TargetId, claim.StayStartedAt), out _);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Test hook: rewrites stored targets and history directly, bypassing the core and its rules, as a hand-written
    /// script would in a database. Waits for the write lock; nothing else can corrupt this store.
    /// </summary>
    /// <param name="targets">Rewrites the targets.</param>
    /// <param name="history">Rewrites the history, by target.</param>
    internal void Tamper(
        Func<ImmutableDictionary<TargetId, Target>, ImmutableDictionary<TargetId, Target>>? targets = null,
        Func<ImmutableDictionary<TargetId, ImmutableList<HistoryEntry>>, ImmutableDictionary<TargetId, ImmutableList<HistoryEntry>>>? history = null)
        => Rewrite(state => state with { Targets = targets?.Invoke(state.Targets) ?? state.Targets, History = history?.Invoke(state.History) ?? state.History });

    /// <summary>
    /// Test hook: rewrites stored items and links directly, as a script with the foreign keys off would in a database.
    /// Waits for the write lock.
    /// </summary>
    /// <param name="items">Rewrites the items.</param>
    /// <param name="links">Rewrites the links.</param>
    internal void TamperHierarchy(
        Func<ImmutableDictionary<Guid, HierarchyItem>, ImmutableDictionary<Guid, HierarchyItem>>? items = null,
        Func<ImmutableDictionary<(TargetId TargetId, Guid ItemId), OutcomeLink>, ImmutableDictionary<(TargetId TargetId, Guid ItemId), OutcomeLink>>? links = null)
        => Rewrite(state => state with { Items = items?.Invoke(state.Items) ?? state.Items, Links = links?.Invoke(state.Links) ?? state.Links });

    /// <summary>Replaces the state under the write lock, for the test hooks.</summary>
    private void Rewrite(Func<State, State> change)
    {
        var here = Here;
        _writeLock.Wait();
        try
        {
            Volatile.Write(ref here.State, change(here.State));
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The in-memory store has no transient failures.</summary>
    /// <param name="exception">The failure.</param>
    /// <returns>Always <see langword="false"/>.</returns>
    public bool IsTransient(Exception exception) => false;

    private sealed record State(
        ImmutableDictionary<TargetId, Target> Targets,
        ImmutableDictionary<TargetId, ImmutableList<HistoryEntry>> History,
        ImmutableDictionary<string, StoredOperation> Operations)
    {
        public static State Empty { get; } = new(
            ImmutableDictionary<TargetId, Target>.Empty,
            ImmutableDictionary<TargetId, ImmutableList<HistoryEntry>>.Empty,
            ImmutableDictionary<string, StoredOperation>.Empty.WithComparers(StringComparer.Ordinal));

        /// <summary>Gets the goals, sprints and commitments.</summary>
        public ImmutableDictionary<Guid, HierarchyItem> Items { get; init; } = ImmutableDictionary<Guid, HierarchyItem>.Empty;

        /// <summary>Gets the items' own history, by item.</summary>
        public ImmutableDictionary<Guid, ImmutableList<HierarchyHistoryEntry>> ItemHistory { get; init; } = ImmutableDictionary<Guid, ImmutableList<HierarchyHistoryEntry>>.Empty;

        /// <summary>Gets the links, by outcome and item.</summary>
        public ImmutableDictionary<(TargetId TargetId, Guid ItemId), OutcomeLink> Links { get; init; } = ImmutableDictionary<(TargetId, Guid), OutcomeLink>.Empty;

        /// <summary>Gets every stored entry with the commit sequence of its unit of work, in commit order.</summary>
        public ImmutableList<FeedRow> Feed { get; init; } = [];

        /// <summary>Gets the erasures of personal data, oldest first, and the entries they changed.</summary>
        public ImmutableList<Erasure> Erasures { get; init; } = [];

        /// <summary>Gets the ids of the entries an erasure changed.</summary>
        public ImmutableHashSet<Guid> ErasedEntries { get; init; } = [];
    }

    private sealed record FeedRow(long Sequence, HistoryEntry Entry);

    /// <summary>One tenant's data.</summary>
    private sealed class Partition
    {
        public readonly System.Collections.Concurrent.ConcurrentDictionary<(TargetId, DateTimeOffset), StagnationClaim> Claims = new();
        public readonly Webhooks Webhooks = new();
        public readonly LedgerChain Ledger = new();
#pragma warning disable SA1401 // A field, so readers and the committing writer use Volatile on it.
        public State State = State.Empty;
#pragma warning restore SA1401
    }

    /// <summary>Every tenant's data, the one write lock and the commit sequence all tenants share (as a database's are).</summary>
    private sealed class Tenants
    {
        public readonly System.Collections.Concurrent.ConcurrentDictionary<string, Partition> Partitions = new(StringComparer.Ordinal);
        public readonly SemaphoreSlim WriteLock = new(1, 1);
#pragma warning disable SA1401 // Taken under the write lock.
        public long FeedClock;

        // The deleted tenants' records (TenantPurge): outside every partition, so no deletion removes them.
        public ImmutableList<TenantDeletion> Deletions = [];
#pragma warning restore SA1401
    }

    /// <summary>An operation with its fixed selection (sorted ids) and its failures.</summary>
    private sealed record StoredOperation(BulkOperation Operation, ImmutableArray<TargetId> Items, ImmutableList<OperationItemFailure> Failures);

    private sealed partial class Session(InMemoryTargetStore owner, InMemoryTargetStore.Partition partition) : IHierarchyWriteSession, IOperationWriteSession
    {
        private readonly List<HistoryEntry> _added = [];
        private State? _pending;
        private bool _ended;

        public Task<IReadOnlyDictionary<TargetId, Target>> LockAsync(IReadOnlyCollection<TargetId> ids, CancellationToken cancellationToken = default)
        {
            Guard.Against.Null(ids);
            cancellationToken.ThrowIfCancellationRequested();
            var state = _pending ?? partition.State;
            IReadOnlyDictionary<TargetId, Target> found = ids.Where(state.Targets.ContainsKey).Distinct().ToDictionary(id => id, id => state.Targets[id]);
            return Task.FromResult(found);
        }

        public Task SaveAsync(ChangeSet changes, CancellationToken cancellationToken = default)
        {
            Guard.Against.Null(changes);
            cancellationToken.ThrowIfCancellationRequested();
            var state = _pending ?? partition.State;
            var targets = state.Targets.ToBuilder();
            var history = state.History.ToBuilder();

            // The same checks a database makes with its keys and version predicates.
            foreach (var target in changes.Inserts)
            {
                if (targets.ContainsKey(target.Id))
                {
                    throw new ConcurrentWriteException($"Target {target.Id} exists already.");
                }

                targets[target.Id] = target;
            }

            foreach (var write in changes.Updates)
            {
                if (!targets.TryGetValue(write.Target.Id, out var current) || current.Version != write.ExpectedVersion)
                {
                    throw new ConcurrentWriteException($"Target {write.Target.Id} is not at version {write.ExpectedVersion}.");
                }

                targets[write.Target.Id] = write.Target;
            }

            foreach (var delete in changes.Deletes)
            {
                if (!targets.TryGetValue(delete.Id, out var current) || current.Version != delete.ExpectedVersion)
                {
                    throw new ConcurrentWriteException($"Target {delete.Id} is not at version {delete.ExpectedVersion}.");
                }

                // As the databases' foreign keys do: a target with links cannot go (the core removes them first).
                if (state.Links.Keys.Any(k => k.TargetId == delete.Id))
                {
                    throw new InvalidOperationException($"Target {delete.Id} still has links.");
                }

                targets.Remove(delete.Id);
            }

            var feed = state.Feed;
            foreach (var id in changes.PurgeHistory)
            {
                // As the databases guard it: history is erased only together with its target's delete.
                if (!changes.Deletes.Any(d => d.Id == id))
                {
                    throw new InvalidOperationException($"The history of target {id} can be purged only together with its delete.");
                }

                history.Remove(id);
                feed = feed.RemoveAll(row => row.Entry.TargetId == id);
                _added.RemoveAll(e => e.TargetId == id);
            }

            _added.AddRange(changes.History);

            foreach (var entry in changes.History)
            {
                history[entry.TargetId] = history.GetValueOrDefault(entry.TargetId, []).Add(entry);
            }

            _pending = state with { Targets = targets.ToImmutable(), History = history.ToImmutable(), Feed = feed };
            return Task.CompletedTask;
        }

        public Task<long?> CreateOperationAsync(BulkOperation operation, OperationSelection selection, CancellationToken cancellationToken = default)
        {
            Guard.Against.Null(operation);
            Guard.Against.Null(selection);
            cancellationToken.ThrowIfCancellationRequested();
            var state = _pending ?? partition.State;
            if (state.Operations.ContainsKey(operation.Id))
            {
                return Task.FromResult<long?>(null);
            }

            var items = selection.Ids is { } ids
                ? ids.Distinct().Order().ToImmutableArray()
                : state.Targets.Values.Where(t => Matches(t, selection.Filter!)).Select(t => t.Id).Order().ToImmutableArray();
            _pending = state with { Operations = state.Operations.Add(operation.Id, new StoredOperation(operation, items, [])) };
            return Task.FromResult<long?>(items.Length);
        }

        public Task<BulkOperation?> LockOperationAsync(string operationId, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult((_pending ?? partition.State).Operations.GetValueOrDefault(operationId)?.Operation);
        }

        public Task<IReadOnlyList<TargetId>> ReadOperationItemsAsync(string operationId, TargetId? after, int limit, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var items = (_pending ?? partition.State).Operations.GetValueOrDefault(operationId)?.Items ?? [];
            var start = after is { } a ? items.BinarySearch(a) is var i && i >= 0 ? i + 1 : ~i : 0;
            IReadOnlyList<TargetId> page = [.. items.Skip(start).Take(limit)];
            return Task.FromResult(page);
        }

        public Task SaveOperationAsync(BulkOperation operation, IReadOnlyList<OperationItemFailure> failures, CancellationToken cancellationToken = default)
        {
            Guard.Against.Null(operation);
            Guard.Against.Null(failures);
            cancellationToken.ThrowIfCancellationRequested();
            var state = _pending ?? partition.State;
            var stored = state.Operations.GetValueOrDefault(operation.Id) ?? throw new InvalidOperationException($"Operation '{operation.Id}' does not exist.");
            _pending = state with { Operations = state.Operations.SetItem(operation.Id, stored with { Operation = operation, Failures = stored.Failures.AddRange(failures) }) };
            return Task.CompletedTask;
        }

        public Task CommitAsync(CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(_ended, this);
            if (_pending is { } pending)
            {
                // The commit sequence is taken at the commit, one writer at a time: commit order is feed order.
                if (_added.Count > 0)
                {
                    var sequence = ++owner._tenants.FeedClock;
                    pending = pending with { Feed = pending.Feed.AddRange(_added.Select(e => new FeedRow(sequence, e))) };
                    _added.Clear();
                }

                Volatile.Write(ref partition.State, pending);
                _pending = null;
            }

            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            if (!_ended)
            {
                _ended = true;
                _pending = null;
                owner._writeLock.Release();
            }

            return ValueTask.CompletedTask;
        }
    }
}
