using System.Collections.Immutable;

namespace TargetTracking.InMemory;

/// <summary>
/// The in-memory store: the reference model every other adapter is tested against. State is an immutable
/// snapshot replaced whole on commit, so readers never see half a unit of work; one writer at a time holds
/// the write lock from <see cref="BeginWriteAsync"/> until the session ends, as row locks would serialize
/// writers to the same rows in a database. Thread-safe; data lives as long as the instance.
/// </summary>
public sealed class InMemoryTargetRepository : ITargetRepository
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private State _state = State.Empty;

    /// <inheritdoc />
    public Task<Target?> GetAsync(TargetId id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Volatile.Read(ref _state).Targets.GetValueOrDefault(id));
    }

    /// <inheritdoc />
    public Task<TargetPage> QueryAsync(TargetQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        cancellationToken.ThrowIfCancellationRequested();
        IEnumerable<Target> matches = Volatile.Read(ref _state).Targets.Values;
        if (query.Statuses is { } statuses)
        {
            matches = matches.Where(t => statuses.Contains(t.Status));
        }

        if (query.Market is { } market)
        {
            matches = matches.Where(t => t.Markets.Any(m => TextSearch.Normalize(m) == market));
        }

        if (query.NameContains is { } text)
        {
            matches = matches.Where(t => TextSearch.Normalize(t.Name).Contains(text, StringComparison.Ordinal));
        }

        var list = matches.ToList();
        list.Sort((a, b) =>
        {
            var order = query.SortBy switch
            {
                TargetSort.CreatedAt => a.CreatedAt.CompareTo(b.CreatedAt),
                TargetSort.UpdatedAt => a.UpdatedAt.CompareTo(b.UpdatedAt),
                _ => CodePointComparer.Instance.Compare(a.Name, b.Name),
            };
            order = order != 0 ? order : a.Id.CompareTo(b.Id);
            return query.Descending ? -order : order;
        });
        return Task.FromResult(new TargetPage([.. list.Skip(query.Skip).Take(query.Take)], list.Count));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(TargetId id, HistoryPageRequest page, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(page);
        cancellationToken.ThrowIfCancellationRequested();
        var entries = Volatile.Read(ref _state).History.GetValueOrDefault(id, []);
        IReadOnlyList<HistoryEntry> result = [.. entries.Reverse().Where(e => page.BeforeVersion is not { } before || e.Version < before).Take(page.Limit)];
        return Task.FromResult(result);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<HistoryEntry>> GetHistoryFeedAsync(HistoryFeedRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<HistoryEntry> result =
        [
            .. Volatile.Read(ref _state).History.Values.SelectMany(e => e)
                .Where(e => e.OccurredAt > request.Since || (e.OccurredAt == request.Since && (request.AfterId is not { } after || e.Id.CompareTo(after) > 0)))
                .OrderBy(e => e.OccurredAt).ThenBy(e => e.Id)
                .Take(request.Limit),
        ];
        return Task.FromResult(result);
    }

    /// <inheritdoc />
    public async Task<ITargetWriteSession> BeginWriteAsync(CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Session(this);
    }

    /// <summary>The in-memory store has no transient failures.</summary>
    /// <param name="exception">The failure.</param>
    /// <returns>Always <see langword="false"/>.</returns>
    public bool IsTransient(Exception exception) => false;

    private sealed record State(ImmutableDictionary<TargetId, Target> Targets, ImmutableDictionary<TargetId, ImmutableList<HistoryEntry>> History)
    {
        public static State Empty { get; } = new(ImmutableDictionary<TargetId, Target>.Empty, ImmutableDictionary<TargetId, ImmutableList<HistoryEntry>>.Empty);
    }

    private sealed class Session(InMemoryTargetRepository owner) : ITargetWriteSession
    {
        private State? _pending;
        private bool _ended;

        public Task<IReadOnlyDictionary<TargetId, Target>> LockAsync(IReadOnlyCollection<TargetId> ids, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(ids);
            cancellationToken.ThrowIfCancellationRequested();
            var state = _pending ?? owner._state;
            IReadOnlyDictionary<TargetId, Target> found = ids.Where(state.Targets.ContainsKey).Distinct().ToDictionary(id => id, id => state.Targets[id]);
            return Task.FromResult(found);
        }

        public Task SaveAsync(ChangeSet changes, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(changes);
            cancellationToken.ThrowIfCancellationRequested();
            var state = _pending ?? owner._state;
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

                targets.Remove(delete.Id);
            }

            foreach (var id in changes.PurgeHistory)
            {
                history.Remove(id);
            }

            foreach (var entry in changes.History)
            {
                history[entry.TargetId] = history.GetValueOrDefault(entry.TargetId, []).Add(entry);
            }

            _pending = new State(targets.ToImmutable(), history.ToImmutable());
            return Task.CompletedTask;
        }

        public Task CommitAsync(CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(_ended, this);
            if (_pending is not null)
            {
                Volatile.Write(ref owner._state, _pending);
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
