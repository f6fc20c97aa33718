using TargetTracking.InMemory;

namespace TargetTracking.Tests;

public sealed class HealthTests
{
    [Fact]
    public async Task Integrity_OnAStoreWithoutThePort_IsDeclaredUnsupported_AndNothingIsRead()
    {
        var store = new UntouchableStore();
        var tracker = new TargetTracker(store, new TargetTrackingOptions());
        var health = new TargetHealth(tracker);

        Assert.False(tracker.Supports<IIntegrityStore>());
        var check = await Assert.ThrowsAsync<NotSupportedException>(() => health.CheckIntegrityAsync());
        await Assert.ThrowsAsync<NotSupportedException>(() => health.PlanRepairAsync(RepairPolicy.TrustHistory));
        await Assert.ThrowsAsync<NotSupportedException>(() => health.ApplyRepairAsync(new RepairPlan { Policy = RepairPolicy.TrustTarget, Repairs = [], NotRepairable = [] }));

        Assert.Contains(nameof(IIntegrityStore), check.Message, StringComparison.Ordinal);
        Assert.Equal(0, store.Calls);
        Assert.True(new TargetTracker(new InMemoryTargetStore(), new TargetTrackingOptions()).Supports<IIntegrityStore>());
    }

    [Fact]
    public async Task Repair_WhenAStatusHoldsEmoji_CutsItsNoteOnACharacterBoundary()
    {
        var store = new InMemoryTargetStore();
        var tracker = new TargetTracker(store, new TargetTrackingOptions());
        var target = (await tracker.CreateAsync(new NewTarget("Gapped", Status: "Cold"))).Value!;
        var status = string.Concat(Enumerable.Repeat("🔥", 400));
        store.Tamper(history: h => h.SetItem(target.Id, h[target.Id].AddRange(Enumerable.Range(0, 5).Select(i => new HistoryEntry
        {
            Id = Guid.CreateVersion7(),
            TargetId = target.Id,
            Action = HistoryAction.StatusChanged,
            OldStatus = status,
            NewStatus = "Cold",
            Version = 3 + (i * 2),
            OccurredAt = target.CreatedAt,
            CorrelationId = "sabotage",
        }))));
        store.Tamper(targets: t => t.SetItem(target.Id, target with { Version = 11 }));
        var health = new TargetHealth(tracker);

        var plan = await health.PlanRepairAsync(RepairPolicy.TrustTarget);

        var note = Assert.Single(Assert.Single(plan.Repairs).Entries).Note;
        Assert.InRange(note.Length, 1990, RepairRules.MaxNoteLength);
        Assert.EndsWith("…", note, StringComparison.Ordinal);
        for (var i = 0; i < note.Length; i++)
        {
            Assert.False(char.IsHighSurrogate(note[i]) && (i + 1 == note.Length || !char.IsLowSurrogate(note[i + 1])), $"lone high surrogate at {i}");
            Assert.False(char.IsLowSurrogate(note[i]) && (i == 0 || !char.IsHighSurrogate(note[i - 1])), $"lone low surrogate at {i}");
        }
    }

    [Fact]
    public async Task Reports_AndPlans_CannotBeWrittenThrough()
    {
        var store = new InMemoryTargetStore();
        var tracker = new TargetTracker(store, new TargetTrackingOptions());
        var target = (await tracker.CreateAsync(new NewTarget("Drifted", Status: "Cold"))).Value!;
        store.Tamper(targets: t => t.SetItem(target.Id, target with { Status = "Hot" }));
        store.Tamper(history: h => h.SetItem(target.Id, h[target.Id].Add(new HistoryEntry
        {
            Id = Guid.CreateVersion7(), TargetId = target.Id, Action = (HistoryAction)42, Version = 9, OccurredAt = target.CreatedAt, CorrelationId = "x",
        })));
        var health = new TargetHealth(tracker);

        var report = await health.CheckIntegrityAsync();
        var plan = await health.PlanRepairAsync(RepairPolicy.TrustTarget);

        Assert.Equal(2, report.ProblemCount);
        Assert.Throws<NotSupportedException>(() => ((IList<IntegrityProblem>)report.Problems).Clear());
        Assert.Throws<NotSupportedException>(() => ((IDictionary<IntegrityProblemKind, long>)report.CountByKind).Clear());
        var malformed = report.Problems.Single(p => p.Kind == IntegrityProblemKind.MalformedRow).Malformed!;
        Assert.Throws<NotSupportedException>(() => ((IList<MalformedValue>)malformed.Values).Clear());
        Assert.True(plan.IsEmpty);
        Assert.Throws<NotSupportedException>(() => ((IList<IntegrityProblem>)plan.NotRepairable).Clear());
    }

    [Fact]
    public async Task RepairPolicy_OutOfRange_IsRefused()
    {
        var health = new TargetHealth(new TargetTracker(new InMemoryTargetStore(), new TargetTrackingOptions()));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => health.PlanRepairAsync((RepairPolicy)7));
    }

    /// <summary>A store that implements only the core port and counts every call.</summary>
    private sealed class UntouchableStore : ITargetRepository
    {
        public int Calls { get; private set; }

        public Task<Target?> GetAsync(TargetId id, CancellationToken cancellationToken = default) => Fail<Target?>();

        public Task<TargetPage> QueryAsync(TargetQuery query, CancellationToken cancellationToken = default) => Fail<TargetPage>();

        public Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(TargetId id, HistoryPageRequest page, CancellationToken cancellationToken = default) => Fail<IReadOnlyList<HistoryEntry>>();

        public Task<IReadOnlyList<HistoryEntry>> GetHistoryFeedAsync(HistoryFeedRequest request, CancellationToken cancellationToken = default) => Fail<IReadOnlyList<HistoryEntry>>();

        public Task<ITargetWriteSession> BeginWriteAsync(CancellationToken cancellationToken = default) => Fail<ITargetWriteSession>();

        public bool IsTransient(Exception exception) => false;

        private Task<T> Fail<T>()
        {
            Calls++;
            throw new InvalidOperationException("The store was touched.");
        }
    }
}
