using TargetTracking;
using TargetTracking.Storage;

namespace TargetTracking.Conformance;

/// <summary>
/// A guarded status change (<see cref="ITargetRepository.TryChangeStatusAsync"/>): the core's checks as data the store
/// applies in one round trip. Applied whole where every check passes; nothing written where one fails.
/// </summary>
public abstract partial class TargetRepositoryConformance<TFixture>
{
    [Fact]
    public async Task GuardedChange_WhenItsChecksPass_WritesTheRow_ItsEntry_AndItsStays()
    {
        var (repository, tracker) = await NewRepositoryAsync();
        var target = await CreateAsync(tracker, "Acme", "Cold", "EU", "us");
        Clock.Advance(TimeSpan.FromMinutes(5));
        var change = Guarded(target.Id, 1, ["Hot", "Cold"], "Active");

        var after = await repository.TryChangeStatusAsync(change);

        Assert.NotNull(after);
        Assert.Equal(("Active", 2L, Clock.GetUtcNow(), Clock.GetUtcNow()), (after.Status, after.Version, after.UpdatedAt, after.StatusChangedAt!.Value));
        Assert.Equal((target.Name, target.Description, target.CreatedAt), (after.Name, after.Description, after.CreatedAt));
        Assert.Equal(["EU", "us"], after.Markets);
        Assert.True(after.SameAs((await tracker.GetAsync(target.Id)).Value), "the row as returned is the row as stored");

        var entry = (await HistoryAsync(tracker, target.Id))[0];
        Assert.Equal(change.Entry with { OldStatus = "Cold" }, entry);

        var stays = await ((IReportStore)repository).GetStaysAsync(target.Id, Clock.GetUtcNow().AddDays(1));
        Assert.Equal(
            [("Cold", target.CreatedAt, (DateTimeOffset?)Clock.GetUtcNow(), "Active", 1L), ("Active", Clock.GetUtcNow(), null, null, 2L)],
            stays.Select(s => (s.Status, s.EnteredAt, s.ExitedAt, s.NextStatus, s.Version)));
    }

    [Fact]
    public async Task GuardedChange_FromNotSet_WritesAnEntryWithoutOldStatus()
    {
        var (repository, tracker) = await NewRepositoryAsync();
        var target = await CreateAsync(tracker, "Acme");

        var after = await repository.TryChangeStatusAsync(Guarded(target.Id, 1, [null], "Cold"));

        Assert.Equal(("Cold", 2L), (after?.Status, after?.Version ?? 0));
        var entry = (await HistoryAsync(tracker, target.Id))[0];
        Assert.Equal((HistoryAction.StatusChanged, (string?)null, (string?)"Cold", 2L), (entry.Action, entry.OldStatus, entry.NewStatus, entry.Version));
    }

    public static TheoryData<string> FailedChecks => ["stale version", "status not among those it may come from", "Not Set not among them", "status in another spelling", "missing target"];

    [Theory]
    [MemberData(nameof(FailedChecks))]
    public async Task GuardedChange_WhenACheckFails_WritesNothing(string check)
    {
        var (repository, tracker) = await NewRepositoryAsync();
        var target = await CreateAsync(tracker, "Acme", "Cold");
        var unset = await CreateAsync(tracker, "Unset");
        var change = check switch
        {
            "stale version" => Guarded(target.Id, 2, ["Cold"], "Active"),
            "status not among those it may come from" => Guarded(target.Id, 1, ["Hot", null], "Active"),
            "Not Set not among them" => Guarded(unset.Id, 1, ["Cold", "Hot"], "Active"),
            "status in another spelling" => Guarded(target.Id, 1, ["cold"], "Active"),
            _ => Guarded(TargetId.New(Clock), 1, ["Cold"], "Active"),
        };
        var targetsBefore = await StoreContents.TargetsAsync(tracker);
        var historyBefore = await StoreContents.HistoryAsync(tracker);
        var staysBefore = await ((IReportStore)repository).GetStaysAsync(change.Id, Clock.GetUtcNow().AddDays(1));

        Assert.Null(await repository.TryChangeStatusAsync(change));

        Assert.Equal(targetsBefore, await StoreContents.TargetsAsync(tracker), TargetComparer.Instance);
        Assert.Equal(historyBefore, await StoreContents.HistoryAsync(tracker));
        Assert.Equal(staysBefore, await ((IReportStore)repository).GetStaysAsync(change.Id, Clock.GetUtcNow().AddDays(1)));

        // The change feed did not move either: the next change is the only one after the creations.
        var feed = ((IChangeFeedStore)repository);
        var all = await feed.ReadFeedAsync(FeedToken.Start, 100);
        Assert.Equal(historyBefore.Select(h => h.Id).Order(), all.Select(f => f.Entry.Id).Order());
    }

    /// <summary>A store and a tracker over it, for calls to the storage port itself.</summary>
    private async Task<(ITargetRepository Repository, TargetTracker Tracker)> NewRepositoryAsync()
    {
        var repository = await Fixture.CreateRepositoryBesideANeighbourAsync();
        return (repository, new TargetTracker(repository, new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero }, Clock));
    }

    private GuardedStatusChange Guarded(TargetId id, long expectedVersion, string?[] from, string status) =>
        new(id, expectedVersion, from, status, new HistoryEntry
        {
            Id = Guid.CreateVersion7(Clock.GetUtcNow()),
            TargetId = id,
            Action = HistoryAction.StatusChanged,
            NewStatus = status,
            Version = expectedVersion + 1,
            OccurredAt = Clock.GetUtcNow(),
            ActorId = Alice.ActorId,
            ActorName = Alice.ActorName,
            CorrelationId = "guarded-1",
            ClientAddress = Alice.ClientAddress,
            UserAgent = Alice.UserAgent,
        });

    private sealed class TargetComparer : IEqualityComparer<Target>
    {
        public static readonly TargetComparer Instance = new();

        public bool Equals(Target? x, Target? y) => x is null ? y is null : y is not null && x.SameAs(y);

        public int GetHashCode(Target obj) => obj.Id.GetHashCode();
    }
}
