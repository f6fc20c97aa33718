using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>
/// The integrity check and its repair, on every store: each kind of problem planted behind the core's back (raw SQL,
/// or the in-memory store's test hook) is found exactly, malformed rows are reported and never thrown, writers running
/// during a check cause no false finding, and repair appends corrective entries under both policies, idempotently.
/// An adapter signs up with an empty subclass.
/// </summary>
/// <typeparam name="TFixture">The store's fixture.</typeparam>
public abstract partial class IntegrityConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, IIntegrityFixture
{
    private static readonly AuditContext Alice = new() { ActorId = "u-1", ActorName = "Alice", CorrelationId = "corr-1" };
    private static readonly AuditContext Repairer = new() { ActorId = "ops-7", ActorName = "Nightly repair", CorrelationId = "repair-1", ClientAddress = "10.0.0.9" };

    private FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2025, 3, 1, 9, 0, 0, TimeSpan.Zero));

    private sealed record Store(ITargetRepository Repository, TargetTracker Tracker, TargetHealth Health, IStoreSaboteur Saboteur);

    /// <summary>What one plant put where: the problems the check must report, as (kind, target, version).</summary>
    private sealed record Planted(List<(IntegrityProblemKind Kind, TargetId Target, long? Version)> Expected, Dictionary<string, TargetId> Targets);

    private async Task<Store> NewStoreAsync()
    {
        var (repository, saboteur) = await fixture.CreateCorruptibleAsync();
        var tracker = new TargetTracker(repository, new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero }, Clock);
        return new Store(repository, tracker, new TargetHealth(tracker), saboteur);
    }

    private static async Task<Target> CreateAsync(TargetTracker tracker, string name, string? status = "Cold")
    {
        var created = await tracker.CreateAsync(new NewTarget(name, null, ["EU"], status), Alice);
        Assert.True(created.IsSuccess, created.ToString());
        return created.Value;
    }

    private static async Task<Target> MoveAsync(TargetTracker tracker, Target target, string status)
    {
        var moved = await tracker.ChangeStatusAsync(target.Id, target.Version, status, Alice);
        Assert.True(moved.IsSuccess, moved.ToString());
        return moved.Value;
    }

    private HistoryEntry Entry(TargetId target, HistoryAction action, string? oldStatus, string? newStatus, long version) => new()
    {
        Id = Guid.CreateVersion7(Clock.GetUtcNow()),
        TargetId = target,
        Action = action,
        OldStatus = oldStatus,
        NewStatus = newStatus,
        Version = version,
        OccurredAt = Clock.GetUtcNow(),
        ActorName = "a script",
        CorrelationId = "sabotage",
    };

    private Target Row(string name, string? status, long version)
    {
        var at = Clock.GetUtcNow();
        return new Target { Id = TargetId.New(Clock), Name = name, Markets = ["EU"], Status = status, Version = version, CreatedAt = at, UpdatedAt = at, StatusChangedAt = at };
    }

    private static List<(IntegrityProblemKind, TargetId?, long?)> Found(IntegrityReport report) =>
        [.. report.Problems.Select(p => (p.Kind, p.TargetId, p.Version))];

    private static List<(IntegrityProblemKind, TargetId?, long?)> Sorted(IEnumerable<(IntegrityProblemKind Kind, TargetId Target, long? Version)> expected) =>
        [.. expected.OrderBy(e => e.Kind).ThenBy(e => e.Target).ThenBy(e => e.Version).Select(e => (e.Kind, (TargetId?)e.Target, e.Version))];

    /// <summary>Healthy targets, and one target for every repairable kind of problem and for an unknown status.</summary>
    private async Task<Planted> PlantEveryKindAsync(Store store)
    {
        var (tracker, saboteur) = (store.Tracker, store.Saboteur);
        var expected = new List<(IntegrityProblemKind, TargetId, long?)>();
        var targets = new Dictionary<string, TargetId>();

        // Healthy neighbours: created, moved, updated, deleted through the tracker.
        var healthy = await CreateAsync(tracker, "Healthy");
        healthy = await MoveAsync(tracker, healthy, "Hot");
        var renamed = (await tracker.UpdateAsync(healthy.Id, healthy.Version, new TargetUpdate("Healthy renamed", null, ["EU"]), Alice)).Value!;
        var deleted = await CreateAsync(tracker, "Deleted properly", null);
        Assert.True((await tracker.DeleteAsync(deleted.Id, deleted.Version, Alice)).IsSuccess);
        targets["healthy"] = renamed.Id;
        targets["deleted"] = deleted.Id;

        // The row is deleted without a Deleted entry.
        var orphan = await CreateAsync(tracker, "Orphan");
        await saboteur.DeleteTargetRowAsync(orphan.Id);
        expected.Add((IntegrityProblemKind.OrphanedHistory, orphan.Id, 1));
        targets["orphan"] = orphan.Id;

        // The row's status changed behind the history's back.
        var drifted = await MoveAsync(tracker, await CreateAsync(tracker, "Drifted"), "Hot");
        await saboteur.SetTargetStateAsync(drifted.Id, "Closed", 2);
        expected.Add((IntegrityProblemKind.StatusDisagreesWithHistory, drifted.Id, 2));
        targets["drifted"] = drifted.Id;

        // The row's version jumped.
        var jumped = await CreateAsync(tracker, "Jumped");
        await saboteur.SetTargetStateAsync(jumped.Id, "Cold", 5);
        expected.Add((IntegrityProblemKind.StatusDisagreesWithHistory, jumped.Id, 1));
        targets["jumped"] = jumped.Id;

        // A row inserted without any history.
        var unaudited = Row("Unaudited", "Active", 1);
        await saboteur.InsertTargetRowAsync(unaudited);
        expected.Add((IntegrityProblemKind.MissingHistory, unaudited.Id, null));
        targets["unaudited"] = unaudited.Id;

        // Version 2 missing: Created at 1, then a move recorded at 3 (the row agrees with it).
        var gapped = await CreateAsync(tracker, "Gapped");
        await saboteur.InsertHistoryAsync(Entry(gapped.Id, HistoryAction.StatusChanged, "Cold", "Hot", 3));
        await saboteur.SetTargetStateAsync(gapped.Id, "Hot", 3);
        expected.Add((IntegrityProblemKind.VersionGap, gapped.Id, 3));
        targets["gapped"] = gapped.Id;

        // History that starts at version 2.
        var late = Row("Late start", "Hot", 2);
        await saboteur.InsertTargetRowAsync(late);
        await saboteur.InsertHistoryAsync(Entry(late.Id, HistoryAction.Created, null, "Hot", 2));
        expected.Add((IntegrityProblemKind.VersionGap, late.Id, 2));
        targets["late"] = late.Id;

        // An entry that starts from another status than the one before left (Hot, not Active).
        var broken = await MoveAsync(tracker, await CreateAsync(tracker, "Broken chain"), "Hot");
        await saboteur.InsertHistoryAsync(Entry(broken.Id, HistoryAction.StatusChanged, "Active", "Closed", 3));
        await saboteur.SetTargetStateAsync(broken.Id, "Closed", 3);
        expected.Add((IntegrityProblemKind.BrokenChain, broken.Id, 3));
        targets["broken"] = broken.Id;

        // Version 2 recorded twice (the same move, so nothing else breaks).
        await saboteur.AllowDuplicateVersionsAsync();
        var doubled = await MoveAsync(tracker, await CreateAsync(tracker, "Doubled"), "Hot");
        await saboteur.InsertHistoryAsync(Entry(doubled.Id, HistoryAction.StatusChanged, "Cold", "Hot", 2));
        expected.Add((IntegrityProblemKind.DuplicateVersion, doubled.Id, 2));
        targets["doubled"] = doubled.Id;

        // A status the pipeline does not have, row and history agreeing; and one it has under another case (not a problem).
        var warm = Row("Warm", "Warm", 1);
        await saboteur.InsertTargetRowAsync(warm);
        await saboteur.InsertHistoryAsync(Entry(warm.Id, HistoryAction.Created, null, "Warm", 1));
        expected.Add((IntegrityProblemKind.UnknownStatus, warm.Id, null));
        targets["warm"] = warm.Id;
        var lower = Row("Lower-case hot", "hot", 1);
        await saboteur.InsertTargetRowAsync(lower);
        await saboteur.InsertHistoryAsync(Entry(lower.Id, HistoryAction.Created, null, "hot", 1));
        targets["lower"] = lower.Id;

        return new Planted(expected, targets);
    }

    [Fact]
    public async Task Check_OfDataWrittenThroughTheTracker_IsHealthy_DeletedTargetsIncluded()
    {
        var store = await NewStoreAsync();
        var a = await CreateAsync(store.Tracker, "A");
        var b = await CreateAsync(store.Tracker, "B", null);
        await MoveAsync(store.Tracker, a, "Hot");
        Assert.True((await store.Tracker.DeleteAsync(b.Id, 1)).IsSuccess);

        var report = await store.Health.CheckIntegrityAsync();

        Assert.True(report.IsHealthy, report.ToString());
        Assert.Equal((1L, 4L), (report.TargetsChecked, report.EntriesChecked));
        Assert.True(report.IsComplete);
    }

    [Fact]
    public async Task Check_FindsExactlyThePlantedProblems_OneOfEveryKind()
    {
        var store = await NewStoreAsync();
        var planted = await PlantEveryKindAsync(store);

        var report = await store.Health.CheckIntegrityAsync();

        Assert.Equal(Sorted(planted.Expected), Found(report));
        Assert.Equal(planted.Expected.Count, report.ProblemCount);
        Assert.Equal(1, report.CountByKind[IntegrityProblemKind.BrokenChain]);
        Assert.Equal(2, report.CountByKind[IntegrityProblemKind.VersionGap]);
    }

    [Fact]
    public async Task Check_DescribesEachProblem()
    {
        var store = await NewStoreAsync();
        var planted = await PlantEveryKindAsync(store);

        var report = await store.Health.CheckIntegrityAsync();
        string Detail(string target, IntegrityProblemKind kind) => report.Problems.Single(p => p.TargetId == planted.Targets[target] && p.Kind == kind).Detail;

        Assert.Equal("The target is gone, but its last history entry is Created at version 1, not Deleted.", Detail("orphan", IntegrityProblemKind.OrphanedHistory));
        Assert.Equal("The target is Closed at version 2; its last history entry (StatusChanged) says Hot at version 2.", Detail("drifted", IntegrityProblemKind.StatusDisagreesWithHistory));
        Assert.Equal("Version 1 is followed by version 3: 1 version(s) missing.", Detail("gapped", IntegrityProblemKind.VersionGap));
        Assert.Equal("The history starts at version 2, not 1.", Detail("late", IntegrityProblemKind.VersionGap));
        Assert.Equal("Entry 3 (StatusChanged) starts from Active, but the entry before (version 2) left Hot.", Detail("broken", IntegrityProblemKind.BrokenChain));
        Assert.Equal("Version 2 is recorded more than once.", Detail("doubled", IntegrityProblemKind.DuplicateVersion));
        Assert.Equal("The target is in status 'Warm', which the pipeline does not have.", Detail("warm", IntegrityProblemKind.UnknownStatus));
        Assert.Equal("The target has no history entry.", Detail("unaudited", IntegrityProblemKind.MissingHistory));
    }

    [Fact]
    public async Task Check_ListsAtMostTheLimit_AndCountsEveryProblem()
    {
        var store = await NewStoreAsync();
        var planted = await PlantEveryKindAsync(store);

        var report = await store.Health.CheckIntegrityAsync(maxProblems: 3);

        Assert.Equal(3, report.Problems.Count);
        Assert.Equal(planted.Expected.Count, report.ProblemCount);
        Assert.False(report.IsComplete);
        Assert.False(report.IsHealthy);
    }

    [Theory]
    [InlineData(Malformation.HistoryTargetIdNotGuid)]
    [InlineData(Malformation.MarketsNotJson)]
    [InlineData(Malformation.UnknownAction)]
    public async Task Check_ReportsAMalformedRowWithItsId_AndDoesNotThrow(Malformation malformation)
    {
        var store = await NewStoreAsync();
        if (!store.Saboteur.Plantable.Contains(malformation))
        {
            // The store's column types refuse this value (PostgreSQL's uuid and text[]; the in-memory store's types).
            return;
        }

        var target = await MoveAsync(store.Tracker, await CreateAsync(store.Tracker, "Host of a bad row"), "Hot");
        var storedId = await store.Saboteur.PlantAsync(malformation, target.Id);

        var report = await store.Health.CheckIntegrityAsync();
        var plan = await store.Health.PlanRepairAsync(RepairPolicy.TrustHistory);
        var repair = await store.Health.ApplyRepairAsync(plan, Repairer);

        var problem = Assert.Single(report.Problems);
        Assert.Equal(IntegrityProblemKind.MalformedRow, problem.Kind);
        Assert.Equal(storedId, problem.Malformed!.StoredId);
        var (table, column) = malformation switch
        {
            Malformation.HistoryTargetIdNotGuid => ("history", "target_id"),
            Malformation.MarketsNotJson => ("targets", "markets"),
            _ => ("history", "action"),
        };
        Assert.Equal(table, problem.Malformed.Table);
        Assert.Equal([column], problem.Malformed.Values.Select(v => v.Column));
        Assert.Equal(malformation == Malformation.HistoryTargetIdNotGuid ? null : target.Id, problem.TargetId);
        Assert.Contains(storedId, problem.Detail, StringComparison.Ordinal);
        Assert.False(problem.IsRepairable);
        Assert.True(plan.IsEmpty);
        Assert.Equal([problem.ToString()], plan.NotRepairable.Select(p => p.ToString()));
        Assert.Empty(repair.Applied);
    }

    [Fact]
    public async Task Check_WhileWritersCommit_FindsNothingOnHealthyData()
    {
        var store = await NewStoreAsync();
        using var stop = new CancellationTokenSource();
        var tracker = new TargetTracker(store.Repository, new TargetTrackingOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(1), MaxRetryAttempts = 20 });
        var writers = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
        {
            var written = 0;
            for (var i = 0; written < 40 || !stop.IsCancellationRequested; i++)
            {
                var target = (await tracker.CreateAsync(new NewTarget($"W{w}-{i}", Status: "Cold"), Alice)).Value!;
                target = (await tracker.ChangeStatusAsync(target.Id, target.Version, "Active", Alice)).Value!;
                target = (await tracker.UpdateAsync(target.Id, target.Version, new TargetUpdate($"W{w}-{i} renamed"), Alice)).Value!;
                target = (await tracker.ChangeStatusAsync(target.Id, target.Version, "Hot", Alice)).Value!;
                if (i % 3 == 0)
                {
                    Assert.True((await tracker.DeleteAsync(target.Id, target.Version, Alice)).IsSuccess);
                }

                var bulk = tracker.BeginBulk();
                bulk.Create(new NewTarget($"W{w}-{i} bulk a", Status: "Hot"));
                bulk.Create(new NewTarget($"W{w}-{i} bulk b"));
                bulk.ChangeStatus(target.Id, target.Version, "Closed");
                await bulk.CommitAsync(BulkMode.Partial, Alice);
                written++;
            }
        })).ToList();

        var reports = new List<IntegrityReport>();
        while (reports.Count < 8 || writers.Any(w => !w.IsCompleted))
        {
            reports.Add(await store.Health.CheckIntegrityAsync());
            if (reports.Count >= 8)
            {
                await stop.CancelAsync();
            }

            if (writers.FirstOrDefault(w => w.IsFaulted) is { } failed)
            {
                await failed;
            }
        }

        await Task.WhenAll(writers);
        Assert.All(reports, r => Assert.True(r.IsHealthy, r.ToString()));
        Assert.Contains(reports, r => r.TargetsChecked > 0);
        Assert.True((await store.Health.CheckIntegrityAsync()).IsHealthy);
    }

    [Theory]
    [InlineData(RepairPolicy.TrustHistory)]
    [InlineData(RepairPolicy.TrustTarget)]
    public async Task Repair_AppendsCorrectiveEntries_AndLeavesOnlyWhatItCannotRepair(RepairPolicy policy)
    {
        var store = await NewStoreAsync();
        var planted = await PlantEveryKindAsync(store);
        var ids = planted.Targets.Values.ToList();
        var before = await HistoriesAsync(store.Tracker, ids);

        var plan = await store.Health.PlanRepairAsync(policy);
        Clock.Advance(TimeSpan.FromMinutes(5));
        var result = await store.Health.ApplyRepairAsync(plan, Repairer);

        // Every repairable target is in the plan, once; the unknown status is left to a tracked operation.
        var repairable = planted.Expected.Where(e => e.Kind != IntegrityProblemKind.UnknownStatus).Select(e => e.Target).Distinct().Order().ToList();
        Assert.Equal(repairable, plan.Repairs.Select(r => r.TargetId));
        Assert.Equal([(IntegrityProblemKind.UnknownStatus, planted.Targets["warm"])], plan.NotRepairable.Select(p => (p.Kind, p.TargetId!.Value)));
        Assert.Equal(plan.Repairs, result.Applied, RepairComparer.Instance);
        Assert.Empty(result.AlreadySound);

        // What is left: the unknown status only.
        var after = await store.Health.CheckIntegrityAsync();
        Assert.Equal([(IntegrityProblemKind.UnknownStatus, (TargetId?)planted.Targets["warm"], (long?)null)], Found(after));

        // History was only appended to, and replays to each target's state from its checkpoint.
        var histories = await HistoriesAsync(store.Tracker, ids);
        foreach (var id in ids)
        {
            Assert.Equal(before[id], histories[id].Take(before[id].Count));
            var current = await store.Tracker.GetAsync(id);
            HistoryAssert.Replays(current.IsSuccess ? current.Value : null, [.. Enumerable.Reverse(histories[id])]);
        }

        // The corrective entries carry the repairer, the time and what was wrong.
        var appended = ids.SelectMany(id => histories[id].Skip(before[id].Count)).ToList();
        Assert.Equal(result.EntriesAppended, appended.Count);
        Assert.All(appended, e =>
        {
            Assert.Equal(("ops-7", "Nightly repair", "repair-1", "10.0.0.9"), (e.ActorId, e.ActorName, e.CorrelationId, e.ClientAddress));
            Assert.Equal(Clock.GetUtcNow(), e.OccurredAt);
            Assert.False(string.IsNullOrWhiteSpace(e.Note));
        });

        // Per target: what each policy believes.
        async Task<Target> Current(string name) => (await store.Tracker.GetAsync(planted.Targets[name])).Value!;
        List<HistoryEntry> Added(string name) => [.. histories[planted.Targets[name]].Skip(before[planted.Targets[name]].Count)];

        var drifted = await Current("drifted");
        Assert.Equal((policy == RepairPolicy.TrustHistory ? "Hot" : "Closed", 3L), (drifted.Status, drifted.Version));
        var repaired = Assert.Single(Added("drifted"));
        Assert.Equal((HistoryAction.Repaired, "Hot", drifted.Status, 3L), (repaired.Action, repaired.OldStatus, repaired.NewStatus, repaired.Version));
        Assert.Contains("[StatusDisagreesWithHistory]", repaired.Note, StringComparison.Ordinal);
        Assert.Contains(policy.ToString(), repaired.Note, StringComparison.Ordinal);
        Assert.Equal(Clock.GetUtcNow(), drifted.UpdatedAt);

        Assert.Equal(("Cold", 6L), ((await Current("jumped")).Status, (await Current("jumped")).Version));
        Assert.Equal(("Active", 2L), ((await Current("unaudited")).Status, (await Current("unaudited")).Version));
        Assert.Equal((HistoryAction.Repaired, (string?)null, (string?)"Active", 2L), Added("unaudited").Select(e => (e.Action, e.OldStatus, e.NewStatus, e.Version)).Single());
        Assert.Equal(("Hot", 4L), ((await Current("gapped")).Status, (await Current("gapped")).Version));
        Assert.Equal(("Closed", 4L), ((await Current("broken")).Status, (await Current("broken")).Version));
        Assert.Equal(("Hot", 3L), ((await Current("doubled")).Status, (await Current("doubled")).Version));

        // A target whose row is gone stays gone: its history ends in a Deleted entry.
        Assert.False((await store.Tracker.GetAsync(planted.Targets["orphan"])).IsSuccess);
        Assert.Equal([(HistoryAction.Deleted, (string?)"Cold", (string?)null, 2L)], Added("orphan").Select(e => (e.Action, e.OldStatus, e.NewStatus, e.Version)));

        // Healthy targets are untouched.
        Assert.Empty(Added("healthy"));
        Assert.Empty(Added("deleted"));
    }

    [Fact]
    public async Task Repair_OfAGoneTargetWithGaps_AppendsACheckpointThenADeletion()
    {
        var store = await NewStoreAsync();
        var gone = await MoveAsync(store.Tracker, await CreateAsync(store.Tracker, "Gone with a gap"), "Hot");
        await store.Saboteur.InsertHistoryAsync(Entry(gone.Id, HistoryAction.StatusChanged, "Hot", "Closed", 4));
        await store.Saboteur.DeleteTargetRowAsync(gone.Id);
        Assert.Equal(
            [(IntegrityProblemKind.OrphanedHistory, (TargetId?)gone.Id, (long?)4), (IntegrityProblemKind.VersionGap, gone.Id, 4)],
            Found(await store.Health.CheckIntegrityAsync()));

        var result = await store.Health.ApplyRepairAsync(await store.Health.PlanRepairAsync(RepairPolicy.TrustTarget), Repairer);

        var history = await store.Tracker.GetHistoryAsync(gone.Id);
        Assert.Equal(
            [(HistoryAction.Deleted, (string?)"Closed", (string?)null, 6L), (HistoryAction.Repaired, "Closed", "Closed", 5L)],
            history.Take(2).Select(e => (e.Action, e.OldStatus, e.NewStatus, e.Version)));
        Assert.Equal(2, result.EntriesAppended);
        HistoryAssert.Replays(null, history);
        Assert.True((await store.Health.CheckIntegrityAsync()).IsHealthy);
    }

    [Theory]
    [InlineData(RepairPolicy.TrustHistory)]
    [InlineData(RepairPolicy.TrustTarget)]
    public async Task Repair_AppliedTwice_ChangesNothingTheSecondTime(RepairPolicy policy)
    {
        var store = await NewStoreAsync();
        var planted = await PlantEveryKindAsync(store);
        var plan = await store.Health.PlanRepairAsync(policy);
        await store.Health.ApplyRepairAsync(plan, Repairer);
        var once = await HistoryAssert.SnapshotAsync(store.Tracker, planted.Targets.Values);

        Clock.Advance(TimeSpan.FromHours(1));
        var again = await store.Health.ApplyRepairAsync(plan, Repairer);
        var replanned = await store.Health.PlanRepairAsync(policy);

        Assert.Empty(again.Applied);
        Assert.Equal(plan.Repairs.Select(r => r.TargetId), again.AlreadySound);
        Assert.True(replanned.IsEmpty);
        Assert.Equal(once, await HistoryAssert.SnapshotAsync(store.Tracker, planted.Targets.Values));
    }

    [Fact]
    public async Task PlanRepair_IsADryRun_ThatWritesNothing()
    {
        var store = await NewStoreAsync();
        var planted = await PlantEveryKindAsync(store);
        var before = await HistoryAssert.SnapshotAsync(store.Tracker, planted.Targets.Values);

        var plan = await store.Health.PlanRepairAsync(RepairPolicy.TrustHistory);

        Assert.False(plan.IsEmpty);
        var drifted = plan.Repairs.Single(r => r.TargetId == planted.Targets["drifted"]);
        Assert.Equal((new IntegrityRow("Closed", 2), new IntegrityRow("Hot", 3)), (drifted.Before, drifted.After));
        Assert.Equal(before, await HistoryAssert.SnapshotAsync(store.Tracker, planted.Targets.Values));
        Assert.Equal(Sorted(planted.Expected), Found(await store.Health.CheckIntegrityAsync()));
    }

    [Fact]
    public async Task Repair_OfATargetChangedAfterThePlan_DecidesOnItsStateUnderTheLock()
    {
        var store = await NewStoreAsync();
        var drifted = await MoveAsync(store.Tracker, await CreateAsync(store.Tracker, "Drifted"), "Hot");
        await store.Saboteur.SetTargetStateAsync(drifted.Id, "Closed", 2);
        var plan = await store.Health.PlanRepairAsync(RepairPolicy.TrustHistory);

        // Someone sets it right by hand before the repair runs: nothing is left to do.
        await store.Saboteur.SetTargetStateAsync(drifted.Id, "Hot", 2);
        var result = await store.Health.ApplyRepairAsync(plan, Repairer);

        Assert.Empty(result.Applied);
        Assert.Equal([drifted.Id], result.AlreadySound);
        Assert.Equal(2, (await store.Tracker.GetHistoryAsync(drifted.Id)).Count);
    }

    private static async Task<Dictionary<TargetId, List<HistoryEntry>>> HistoriesAsync(TargetTracker tracker, IEnumerable<TargetId> ids)
    {
        var all = new Dictionary<TargetId, List<HistoryEntry>>();
        foreach (var id in ids)
        {
            all[id] = [.. (await tracker.GetHistoryAsync(id, new HistoryPageRequest(Limit: 1000))).Reverse()];
        }

        return all;
    }

    /// <summary>Compares repairs by value (their lists are compared element by element).</summary>
    private sealed class RepairComparer : IEqualityComparer<TargetRepair>
    {
        public static RepairComparer Instance { get; } = new();

        public bool Equals(TargetRepair? x, TargetRepair? y) =>
            x is not null && y is not null
            && x.TargetId == y.TargetId && x.Before == y.Before && x.After == y.After
            && x.Entries.SequenceEqual(y.Entries)
            && x.Problems.Select(p => (p.Kind, p.Version, p.Detail)).SequenceEqual(y.Problems.Select(p => (p.Kind, p.Version, p.Detail)));

        public int GetHashCode(TargetRepair obj) => obj.TargetId.GetHashCode();
    }
}
