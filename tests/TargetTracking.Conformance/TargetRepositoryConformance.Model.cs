using FsCheck.Xunit;
using TargetTracking;
using TargetTracking.InMemory;

namespace TargetTracking.Conformance;

public abstract partial class TargetRepositoryConformance<TFixture>
{
    /// <summary>
    /// 60 random command sequences (<see cref="ModelArbitraries.Scenario"/>; status changes now or backdated), run through the store and the
    /// in-memory model side by side, compared after every step. Declared here, it runs in every subclass.
    /// </summary>
    [Property(MaxTest = 60, Arbitrary = [typeof(ModelArbitraries)])]
    public async Task Store_BehavesLikeTheInMemoryModel_ForRandomCommandSequences(Scenario scenario)
    {
        var modelClock = new FakeTimeProvider();
        var storeClock = new FakeTimeProvider();
        var options = new TargetTrackingOptions { DeletePolicy = scenario.DeletePolicy, RetryBaseDelay = TimeSpan.Zero };
        var model = new TargetTracker(new InMemoryTargetStore(), options, modelClock);
        var store = new TargetTracker(await Fixture.CreateRepositoryBesideANeighbourAsync(), options, storeClock);
        var twins = new Twins();

        for (var i = 0; i < scenario.Steps.Length; i++)
        {
            var audit = new AuditContext { ActorId = "model", ActorName = $"Step {i}", CorrelationId = $"step-{i}" };
            switch (scenario.Steps[i])
            {
                case TickStep tick:
                    modelClock.Advance(TimeSpan.FromSeconds(tick.Seconds));
                    storeClock.Advance(TimeSpan.FromSeconds(tick.Seconds));
                    break;

                case CreateStep create:
                    {
                        var target = new NewTarget(create.Name, create.Description, create.Markets, create.Status);
                        var m = await model.CreateAsync(target, audit);
                        var s = await store.CreateAsync(target, audit);
                        if (m.IsSuccess && s.IsSuccess)
                        {
                            twins.Add(m.Value.Id, s.Value.Id);
                        }

                        twins.AssertSame(m, s);
                        break;
                    }

                case StatusStep change when twins.Count > 0:
                    {
                        var (mid, sid, version) = await twins.PickAsync(model, change.Target, change.VersionSkew);
                        var effective = change.EffectiveAt(modelClock.GetUtcNow());
                        twins.AssertSame(
                            await ChangeAsync(model, mid, version, change.Status, effective, audit), await ChangeAsync(store, sid, version, change.Status, effective, audit));
                        break;
                    }

                case UpdateStep update when twins.Count > 0:
                    {
                        var (mid, sid, version) = await twins.PickAsync(model, update.Target, update.VersionSkew);
                        var fields = new TargetUpdate(update.Name, update.Description, update.Markets);
                        twins.AssertSame(await model.UpdateAsync(mid, version, fields, audit), await store.UpdateAsync(sid, version, fields, audit));
                        break;
                    }

                case DeleteStep delete when twins.Count > 0:
                    {
                        var (mid, sid, version) = await twins.PickAsync(model, delete.Target, delete.VersionSkew);
                        twins.AssertSame(await model.DeleteAsync(mid, version, audit), await store.DeleteAsync(sid, version, audit));
                        break;
                    }

                case BulkStep bulk:
                    {
                        var modelBulk = model.BeginBulk();
                        var storeBulk = store.BeginBulk();
                        foreach (var change in twins.Count == 0 ? [] : bulk.Changes)
                        {
                            var (mid, sid, version) = await twins.PickAsync(model, change.Target, change.VersionSkew);
                            Change(modelBulk, mid, version, change.Status, change.EffectiveAt(modelClock.GetUtcNow()));
                            Change(storeBulk, sid, version, change.Status, change.EffectiveAt(storeClock.GetUtcNow()));
                        }

                        var created = new List<(TargetId, TargetId)>();
                        foreach (var create in bulk.Creates)
                        {
                            var target = new NewTarget(create.Name, create.Description, create.Markets, create.Status);
                            created.Add((modelBulk.Create(target), storeBulk.Create(target)));
                        }

                        var m = await modelBulk.CommitAsync(bulk.Mode, audit);
                        var s = await storeBulk.CommitAsync(bulk.Mode, audit);
                        foreach (var (mid, sid) in created)
                        {
                            if ((await model.GetAsync(mid)).IsSuccess)
                            {
                                twins.Add(mid, sid);
                            }
                        }

                        twins.AssertSame(m, s);
                        break;
                    }
            }

            await twins.AssertSameStateAsync(model, store);
        }

        // Whatever the commands did, the integrity check finds nothing wrong, on the model and on the store alike.
        var modelReport = await new TargetHealth(model).CheckIntegrityAsync();
        Assert.True(modelReport.IsHealthy, modelReport.ToString());
        var storeHealth = new TargetHealth(store);
        if (store.Supports<IIntegrityStore>())
        {
            var storeReport = await storeHealth.CheckIntegrityAsync();
            Assert.True(storeReport.IsHealthy, storeReport.ToString());
            Assert.Equal((modelReport.TargetsChecked, modelReport.EntriesChecked), (storeReport.TargetsChecked, storeReport.EntriesChecked));
        }
    }

    /// <summary>Pairs of ids (model, store) and the comparisons between the two trackers.</summary>
    private sealed class Twins
    {
        private readonly List<(TargetId Model, TargetId Store)> _pairs = [];
        private readonly Dictionary<TargetId, TargetId> _toStore = [];
        private readonly Dictionary<TargetId, long> _lastVersion = [];

        public int Count => _pairs.Count;

        public void Add(TargetId model, TargetId store)
        {
            _pairs.Add((model, store));
            _toStore[model] = store;
        }

        public async Task<(TargetId Model, TargetId Store, long Version)> PickAsync(TargetTracker model, int index, int skew)
        {
            var (m, s) = _pairs[index % _pairs.Count];
            var current = await model.GetAsync(m);
            return (m, s, (current.IsSuccess ? current.Value.Version : 1) + skew);
        }

        public void AssertSame(Result<Target> model, Result<Target> store)
        {
            Assert.True(model.IsSuccess == store.IsSuccess, $"model: {model}, store: {store}");
            if (model.IsSuccess)
            {
                AssertSameTarget(model.Value, store.Value);
            }
            else
            {
                AssertSameError(model.Error, store.Error!);
            }
        }

        public void AssertSame(BulkResult model, BulkResult store)
        {
            Assert.Equal(model.Items.Select(i => i.State), store.Items.Select(i => i.State));
            foreach (var (m, s) in model.Items.Zip(store.Items))
            {
                if (m.Error is not null)
                {
                    AssertSameError(m.Error, s.Error!);
                }
                else if (m.Target is not null && _toStore.ContainsKey(m.Target.Id))
                {
                    AssertSameTarget(m.Target, s.Target);
                }
            }
        }

        public async Task AssertSameStateAsync(TargetTracker model, TargetTracker store)
        {
            foreach (var (mid, sid) in _pairs)
            {
                var m = await model.GetAsync(mid);
                var s = await store.GetAsync(sid);
                AssertSame(m, s);
                var modelHistory = await model.GetHistoryAsync(mid, new HistoryPageRequest(Limit: 1000));
                var storeHistory = await store.GetHistoryAsync(sid, new HistoryPageRequest(Limit: 1000));
                Assert.Equal(modelHistory.Select(Comparable), storeHistory.Select(Comparable));
                HistoryAssert.Replays(s.IsSuccess ? s.Value : null, storeHistory);
                if (s.IsSuccess)
                {
                    // Versions only grow.
                    Assert.True(s.Value.Version >= _lastVersion.GetValueOrDefault(sid), $"version of {sid} went back");
                    _lastVersion[sid] = s.Value.Version;
                }
            }

            foreach (var query in Queries)
            {
                var m = await model.QueryAsync(query);
                var s = await store.QueryAsync(query);
                Assert.Equal(m.TotalCount, s.TotalCount);
                Assert.Equal(m.Items.Select(t => _toStore[t.Id]).Order(), s.Items.Select(t => t.Id).Order());
            }
        }

        private static readonly TargetQuery[] Queries =
        [
            new() { Take = 1000 },
            new() { Statuses = ["Active", "Hot"], Take = 1000 },
            new() { Statuses = [null], Take = 1000 },
            new() { Market = "eu", Take = 1000 },
            new() { NameContains = "ACME", Take = 1000 },
        ];

        private void AssertSameTarget(Target model, Target? store)
        {
            Assert.NotNull(store);
            Assert.Equal(_toStore[model.Id], store.Id);
            Assert.True((model with { Id = store.Id }).SameAs(store), $"model: {model}, store: {store}");
        }

        private void AssertSameError(TargetError model, TargetError store)
        {
            Assert.Equal(model.GetType(), store.GetType());
            Assert.Equal(model.Code, store.Code);
            switch (model, store)
            {
                case (VersionConflictError m, VersionConflictError s):
                    Assert.Equal(m.ExpectedVersion, s.ExpectedVersion);
                    AssertSameTarget(m.Current, s.Current);
                    break;
                case (TransitionNotAllowedError m, TransitionNotAllowedError s):
                    Assert.Equal((m.From, m.To), (s.From, s.To));
                    Assert.Equal(m.AllowedNext, s.AllowedNext);
                    break;
                case (InvalidInputError m, InvalidInputError s):
                    Assert.Equal(m.Errors, s.Errors);
                    break;
                case (EffectiveTimeOutOfRangeError m, EffectiveTimeOutOfRangeError s):
                    Assert.Equal((m.EffectiveAt, m.NotBefore, m.NotAfter), (s.EffectiveAt, s.NotBefore, s.NotAfter));
                    break;
            }
        }

        private static HistoryEntry Comparable(HistoryEntry entry) => entry with { Id = Guid.Empty, TargetId = default };
    }

    private static Task<Result<Target>> ChangeAsync(TargetTracker tracker, TargetId id, long version, string? status, DateTimeOffset? effectiveAt, AuditContext audit) =>
        effectiveAt is { } at ? tracker.ChangeStatusAsync(id, version, status, at, audit) : tracker.ChangeStatusAsync(id, version, status, audit);

    private static void Change(BulkUpdate bulk, TargetId id, long version, string? status, DateTimeOffset? effectiveAt)
    {
        if (effectiveAt is { } at)
        {
            bulk.ChangeStatus(id, version, status, at);
        }
        else
        {
            bulk.ChangeStatus(id, version, status);
        }
    }
}
