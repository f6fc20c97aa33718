using FsCheck.Xunit;
using TargetTracking;
using TargetTracking.InMemory;

namespace TargetTracking.Conformance;

public abstract partial class HierarchyConformance<TFixture>
{
    /// <summary>
    /// 30 random sequences of creates, moves, links, unlinks, bulk link units and deletes (items under both policies, outcomes
    /// under the scenario's policy), run through the store and the in-memory model side by side and compared after every step:
    /// outcomes of each command, items, each item's outcomes, each goal's commitments (and that they are the union of its
    /// outcomes' commitments), roll-ups, no link to a missing row, and that replaying each outcome's Linked/Unlinked entries
    /// gives exactly its links (one entry per link change). The integrity check ends clean.
    /// </summary>
    [Property(MaxTest = 30, Arbitrary = [typeof(HierarchyArbitraries)])]
    public async Task Store_BehavesLikeTheInMemoryModel_ForRandomHierarchySequences(HierarchyScenario scenario)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        var options = new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero };
        options.Hierarchy.TargetDeletePolicy = scenario.TargetDeletes;
        var modelTargets = new TargetTracker(new InMemoryTargetStore(), options, clock);
        var storeTargets = new TargetTracker(await fixture.CreateRepositoryBesideANeighbourAsync(), options, clock);
        var twins = new HierarchyTwins(modelTargets, new HierarchyTracker(modelTargets), storeTargets, new HierarchyTracker(storeTargets));

        foreach (var step in scenario.Steps)
        {
            // One clock for both: timestamps agree, and ids of later creates sort after earlier ones.
            clock.Advance(TimeSpan.FromMilliseconds(3));
            await twins.RunAsync(step);
            await twins.AssertSameAsync();
        }

        Assert.Empty((await new TargetHealth(storeTargets).CheckIntegrityAsync()).Problems);
    }

    /// <summary>The model and the store side by side; outcomes and items are paired by creation index.</summary>
    private sealed class HierarchyTwins(TargetTracker modelTargets, HierarchyTracker model, TargetTracker storeTargets, HierarchyTracker store)
    {
        private static readonly AuditContext Audit = new() { ActorId = "model", ActorName = "Model" };
        private readonly List<(TargetId Model, TargetId Store)> _outcomes = [];
        private readonly List<(Guid Model, Guid Store, HierarchyKind Kind)> _items = [];

        public async Task RunAsync(HierarchyStep step)
        {
            switch (step)
            {
                case NewOutcomeStep o:
                    {
                        var m = await modelTargets.CreateAsync(new NewTarget("o", null, [], o.Status), Audit);
                        var s = await storeTargets.CreateAsync(new NewTarget("o", null, [], o.Status), Audit);
                        _outcomes.Add((m.Value!.Id, s.Value!.Id));
                        break;
                    }

                case NewItemStep i:
                    {
                        var fields = i.Kind switch
                        {
                            HierarchyKind.Goal => new HierarchyItemFields { Title = "g", Status = i.Status, TargetDate = new DateOnly(2026, 6, 30) },
                            HierarchyKind.Sprint => new HierarchyItemFields { Title = "s", Status = i.Status, SprintName = "S", StartDate = new DateOnly(2026, 1, 1), EndDate = new DateOnly(2026, 2, 15) },
                            _ => new HierarchyItemFields { Title = "c", Status = i.Status, Priority = 3 },
                        };
                        var m = await model.CreateAsync(i.Kind, fields, Audit);
                        var s = await store.CreateAsync(i.Kind, fields, Audit);
                        AssertSameResult(m, s);
                        if (m.IsSuccess)
                        {
                            _items.Add((m.Value.Id, s.Value!.Id, i.Kind));
                        }

                        break;
                    }

                case LinkStep link when _outcomes.Count > 0 && _items.Count > 0:
                    {
                        var (mo, so) = Outcome(link.Outcome);
                        var (mi, si) = Item(link.Item);
                        var m = link.Action == LinkAction.Link ? await model.LinkAsync(mo, mi, Audit) : await model.UnlinkAsync(mo, mi, Audit);
                        var s = link.Action == LinkAction.Link ? await store.LinkAsync(so, si, Audit) : await store.UnlinkAsync(so, si, Audit);
                        Assert.Equal((m.State, m.Error?.Code), (s.State, s.Error?.Code));
                        break;
                    }

                case BulkLinkStep bulk when _outcomes.Count > 0 && _items.Count > 0:
                    {
                        var m = await model.ApplyLinksAsync(bulk.Links.Select(l => new LinkRequest(l.Action, Outcome(l.Outcome).Model, Item(l.Item).Model)), bulk.Mode, Audit);
                        var s = await store.ApplyLinksAsync(bulk.Links.Select(l => new LinkRequest(l.Action, Outcome(l.Outcome).Store, Item(l.Item).Store)), bulk.Mode, Audit);
                        Assert.Equal(m.Items.Select(i => (i.State, i.Error?.Code)), s.Items.Select(i => (i.State, i.Error?.Code)));
                        break;
                    }

                case DeleteItemStep delete when _items.Count > 0:
                    {
                        var (mi, si) = Item(delete.Item);
                        var version = (OrNull(await model.GetAsync(mi))?.Version ?? 1) + delete.VersionSkew;
                        AssertSameResult(await model.DeleteAsync(mi, version, delete.Policy, Audit), await store.DeleteAsync(si, version, delete.Policy, Audit));
                        break;
                    }

                case DeleteOutcomeStep delete when _outcomes.Count > 0:
                    {
                        var (mo, so) = Outcome(delete.Outcome);
                        var version = OrNull(await modelTargets.GetAsync(mo))?.Version ?? 1;
                        var m = await modelTargets.DeleteAsync(mo, version, Audit);
                        var s = await storeTargets.DeleteAsync(so, version, Audit);
                        Assert.Equal((m.IsSuccess, m.Error?.Code), (s.IsSuccess, s.Error?.Code));
                        break;
                    }

                case MoveOutcomeStep move when _outcomes.Count > 0:
                    {
                        var (mo, so) = Outcome(move.Outcome);
                        var version = OrNull(await modelTargets.GetAsync(mo))?.Version ?? 1;
                        var m = await modelTargets.ChangeStatusAsync(mo, version, move.Status, Audit);
                        var s = await storeTargets.ChangeStatusAsync(so, version, move.Status, Audit);
                        Assert.Equal((m.IsSuccess, m.Error?.Code, OrNull(m)?.Version), (s.IsSuccess, s.Error?.Code, OrNull(s)?.Version));
                        break;
                    }

                case MoveItemStep move when _items.Count > 0:
                    {
                        var (mi, si) = Item(move.Item);
                        var version = OrNull(await model.GetAsync(mi))?.Version ?? 1;
                        AssertSameResult(await model.ChangeStatusAsync(mi, version, move.Status, Audit), await store.ChangeStatusAsync(si, version, move.Status, Audit));
                        break;
                    }
            }
        }

        public async Task AssertSameAsync()
        {
            var toModelItem = _items.ToDictionary(i => i.Store, i => i.Model);
            var toModelOutcome = _outcomes.ToDictionary(o => o.Store, o => o.Model);
            var modelLinks = new HashSet<(TargetId, Guid)>();

            foreach (var (m, s) in _outcomes)
            {
                var mt = await modelTargets.GetAsync(m);
                var st = await storeTargets.GetAsync(s);
                Assert.Equal((mt.IsSuccess, OrNull(mt)?.Status, OrNull(mt)?.Version), (st.IsSuccess, OrNull(st)?.Status, OrNull(st)?.Version));

                // Each link change has exactly one entry: replaying the outcome's Linked/Unlinked entries gives its links.
                var mItems = (await model.GetItemsOfOutcomeAsync(m)).Select(i => i.Id).ToHashSet();
                var sItems = (await store.GetItemsOfOutcomeAsync(s)).Select(i => toModelItem[i.Id]).ToHashSet();
                Assert.Equal(mItems.Order(), sItems.Order());
                Assert.Equal(mItems.Order(), Replay(await modelTargets.GetHistoryAsync(m, new HistoryPageRequest(Limit: 1000)), id => id).Order());
                Assert.Equal(mItems.Order(), Replay(await storeTargets.GetHistoryAsync(s, new HistoryPageRequest(Limit: 1000)), id => toModelItem[id]).Order());
                if (!mt.IsSuccess)
                {
                    Assert.Empty(mItems);
                }

                modelLinks.UnionWith(mItems.Select(i => (m, i)));
            }

            foreach (var (m, s, kind) in _items)
            {
                var mi = await model.GetAsync(m);
                var si = await store.GetAsync(s);
                AssertSameResult(mi, si);
                var mOutcomes = (await model.GetOutcomesAsync(m, take: 1000)).Items.Select(t => t.Id).ToList();
                var sOutcomes = (await store.GetOutcomesAsync(s, take: 1000)).Items.Select(t => toModelOutcome[t.Id]).ToList();
                Assert.Equal(mOutcomes.Order(), sOutcomes.Order());
                Assert.Equal(mOutcomes.Order(), modelLinks.Where(l => l.Item2 == m).Select(l => l.Item1).Order());
                if (!mi.IsSuccess)
                {
                    Assert.Empty(mOutcomes);
                }

                if (kind == HierarchyKind.Goal)
                {
                    // A goal's commitments are the union of its outcomes' commitments, each once.
                    var union = modelLinks.Where(l => mOutcomes.Contains(l.Item1)).Select(l => l.Item2)
                        .Where(i => _items.Single(x => x.Model == i).Kind == HierarchyKind.Commitment).Distinct().Order().ToList();
                    var mRelated = (await model.GetRelatedAsync(m, HierarchyKind.Commitment, take: 1000)).Items.Select(i => i.Id).ToList();
                    var sRelated = (await store.GetRelatedAsync(s, HierarchyKind.Commitment, take: 1000)).Items.Select(i => toModelItem[i.Id]).ToList();
                    Assert.Equal(union, mRelated.Order());
                    Assert.Equal(union, sRelated.Order());
                }
            }

            foreach (var kind in new[] { HierarchyKind.Goal, HierarchyKind.Sprint })
            {
                var pairs = _items.Where(i => i.Kind == kind).ToList();
                var mp = await model.GetProgressAsync(kind, pairs.Select(p => p.Model));
                var sp = await store.GetProgressAsync(kind, pairs.Select(p => p.Store));
                Assert.Equal(mp.Select(p => (p.Percent, p.Counted, p.Excluded)), sp.Select(p => (p.Percent, p.Counted, p.Excluded)));
            }

            foreach (var kind in Enum.GetValues<HierarchyKind>())
            {
                var mo = (await model.GetOrphansAsync(kind, take: 1000)).Items.Select(i => i.Id).ToList();
                var so = (await store.GetOrphansAsync(kind, take: 1000)).Items.Select(i => toModelItem[i.Id]).ToList();
                Assert.Equal(mo, so);
            }
        }

        private static HashSet<Guid> Replay(IReadOnlyList<HistoryEntry> newestFirst, Func<Guid, Guid> map)
        {
            var links = new HashSet<Guid>();
            foreach (var entry in newestFirst.Reverse())
            {
                if (OutcomeLink.TryRead(entry, out var link))
                {
                    var id = map(link.ItemId);
                    Assert.True(entry.Action == HistoryAction.Linked ? links.Add(id) : links.Remove(id), $"{entry.Action} of {link.Kind} {id} does not follow from the entries before it.");
                    Assert.Equal(entry.OldStatus, entry.NewStatus);
                }
            }

            return links;
        }

        private static T? OrNull<T>(Result<T> result)
            where T : class => result.IsSuccess ? result.Value : null;

        private (TargetId Model, TargetId Store) Outcome(int index) => _outcomes[index % _outcomes.Count];

        private (Guid Model, Guid Store) Item(int index)
        {
            var (m, s, _) = _items[index % _items.Count];
            return (m, s);
        }

        private void AssertSameResult(Result<HierarchyItem> m, Result<HierarchyItem> s)
        {
            Assert.True(m.IsSuccess == s.IsSuccess, $"model: {m}, store: {s}");
            if (m.IsSuccess)
            {
                Assert.Equal(m.Value with { Id = Guid.Empty }, s.Value! with { Id = Guid.Empty });
            }
            else
            {
                Assert.Equal(m.Error.Code, s.Error!.Code);
                Assert.Equal(m.Error.GetType(), s.Error.GetType());
            }
        }
    }
}
