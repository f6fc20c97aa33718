using System.Collections.Immutable;

namespace TargetTracking.InMemory;

/// <summary>Erasing personal data (<see cref="IErasureStore"/>): the model replaces the values in its history, feed and targets under the write lock.</summary>
public sealed partial class InMemoryTargetStore
{
    /// <inheritdoc />
    public async Task<Erasure> EraseAsync(Erasure erasure, string? actorId, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(erasure);
        var tenant = _tenant();
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var here = Here;
            var state = Volatile.Read(ref here.State);
            var recorded = erasure with { Tenant = tenant };
            if (erasure.Subject == ErasureSubject.Target)
            {
                if (erasure.TargetId is { } id && state.Targets.TryGetValue(id, out var target))
                {
                    state = state with { Targets = state.Targets.SetItem(id, target with { Name = Erasure.ErasedName, Description = null }) };
                    recorded = recorded with { Targets = 1 };
                }
            }
            else
            {
                Guard.Against.NullOrWhiteSpace(actorId);
                HistoryEntry Erase(HistoryEntry e) => !Names(e, actorId) ? e : e with
                {
                    ActorId = e.ActorId == actorId ? null : e.ActorId,
                    ActorName = e.ActorId == actorId ? null : e.ActorName,
                    ClientAddress = e.ActorId == actorId ? null : e.ClientAddress,
                    UserAgent = e.ActorId == actorId ? null : e.UserAgent,
                    Note = e.ActorId == actorId ? null : e.Note,
                    OldOwnerId = e.OldOwnerId == actorId ? null : e.OldOwnerId,
                    NewOwnerId = e.NewOwnerId == actorId ? null : e.NewOwnerId,
                };
                var erased = state.Feed.Where(r => Names(r.Entry, actorId)).Select(r => r.Entry.Id).ToList();
                var owned = state.Targets.Values.Where(t => t.OwnerId == actorId).ToList();
                state = state with
                {
                    History = state.History.ToImmutableDictionary(h => h.Key, h => h.Value.ConvertAll(Erase)),
                    Feed = state.Feed.ConvertAll(r => r with { Entry = Erase(r.Entry) }),
                    Targets = state.Targets.SetItems(owned.Select(t => KeyValuePair.Create(t.Id, t with { OwnerId = null }))),
                    ErasedEntries = state.ErasedEntries.Union(erased),
                };
                recorded = recorded with { Entries = erased.Count, Targets = owned.Count };
            }

            Volatile.Write(ref here.State, state with { Erasures = state.Erasures.Add(recorded) });
            return recorded;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Erasure>> GetErasuresAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<Erasure> erasures = [.. Volatile.Read(ref Here.State).Erasures.OrderBy(e => e.ErasedAt).ThenBy(e => e.Id)];
        return Task.FromResult(erasures);
    }

    /// <summary>Whether the entry was written by the actor or names the actor as an owner.</summary>
    private static bool Names(HistoryEntry e, string actorId) => e.ActorId == actorId || e.OldOwnerId == actorId || e.NewOwnerId == actorId;
}
