// How the data was made. Each store's test project holds a database written by TargetTracking 0.1 (commit ca0a283, the
// last commit before the stores moved to linq2db): TargetTracking.Sqlite.Tests/Data/v0.1.db by the Dapper SQLite store,
// TargetTracking.PostgreSql.Tests/Data/v0.1.sql (a pg_dump) by the Dapper PostgreSQL store. One throwaway console program
// (not kept), which referenced src/TargetTracking and both stores at that commit, wrote them through the public API, the
// same steps at the same times:
//   - TargetTracker over the store, default options and pipeline, a fixed clock set to T0 + n minutes before step n
//     (T0 = 2025-03-14T09:26:53.5897932Z; the 0.1 core cuts times to whole microseconds, hence .589793);
//   - step 1 to 6: seven targets created (Zeta and Beta in one CreateManyAsync), with non-ASCII names, descriptions and
//     markets (an emoji, Greek with surrounding spaces, Japanese), no markets, no description, and Not Set;
//   - step 7 to 12: status changes, an update of description and markets, and Gamma deleted (KeepHistory), each with a
//     full audit context (actor id and name, correlation id, client address, user agent); Emoji by an anonymous caller,
//     so its correlation id is the generated one;
//   - step 13 to 16: TargetOperations started operation "op-2025-03-14-hot" (status Hot, ids Acme, Zeta, Omega and a
//     missing id, batch size 2) and ran it to completion: two moves, two failures (not_found, transition_not_allowed).
// Each store's test project says how its copy was taken and how a test restores it. Only the ids differ between the
// stores (random version-7 GUIDs, and with them Emoji's generated correlation id): the fixture gives them
// (IUpgradeFixture.UpgradeIds). The expected values below are what the program wrote and what the 0.1 stores read back.

using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>The ids in one store's copy of the 0.1 data set, as its file has them; see <see cref="UpgradeConformance{TFixture}"/>.</summary>
/// <param name="Acme">Acme Holdings.</param>
/// <param name="Societe">Société Générale d'Études.</param>
/// <param name="Emoji">Emoji Ventures 🦄.</param>
/// <param name="Zeta">Zeta Partners (100% growth_fund).</param>
/// <param name="Beta">Beta Ventures.</param>
/// <param name="Gamma">Gamma (deleted in step 12).</param>
/// <param name="Omega">Omega Closed.</param>
/// <param name="EmojiCorrelationId">The correlation id the 0.1 core generated for Emoji's anonymous creation.</param>
/// <param name="History">
/// The ids of the 15 history entries, in the order of the steps that wrote them (in step 4, Zeta's creation before Beta's):
/// the 7 creations, Beta, Societe, Beta (update), Omega, Gamma, Gamma (delete), then Acme and Zeta moved by the operation.
/// </param>
public sealed record UpgradeIds(
    string Acme,
    string Societe,
    string Emoji,
    string Zeta,
    string Beta,
    string Gamma,
    string Omega,
    string EmojiCorrelationId,
    IReadOnlyList<string> History);

/// <summary>A new copy of the 0.1 data set, opened by today's store.</summary>
/// <param name="Repository">The store.</param>
/// <param name="Operations">The same store, as the operation repository.</param>
/// <param name="ConnectionString">The connection string of the database, for checks past the store.</param>
/// <param name="Schema">The PostgreSQL schema the copy was restored into; <see langword="null"/> for SQLite.</param>
public sealed record RestoredStore(ITargetRepository Repository, IOperationStore Operations, string ConnectionString, string? Schema = null);

/// <summary>What a store's test project supplies to run <see cref="UpgradeConformance{TFixture}"/>.</summary>
public interface IUpgradeFixture
{
    /// <summary>Gets the ids in this store's copy of the 0.1 data set.</summary>
    UpgradeIds UpgradeIds { get; }

    /// <summary>Restores a new copy of the 0.1 data set (its own file or schema) and opens it with today's store, its migrations on (as by default).</summary>
    Task<RestoredStore> OpenRestoredAsync();
}

/// <summary>
/// A database written by TargetTracking 0.1 keeps working after the upgrade to the linq2db store: opened by today's
/// store, it reads back verbatim (targets, history, feed, queries, operations) and takes new writes. A store signs up
/// with a subclass that adds what only it can check: its migration versions, and its own history guards in raw SQL
/// (<see cref="AssertHistoryStillGuardedAsync"/>).
/// </summary>
/// <typeparam name="TFixture">The store's fixture.</typeparam>
public abstract class UpgradeConformance<TFixture> : IClassFixture<TFixture>
    where TFixture : class, IUpgradeFixture
{
    private const string OperationId = "op-2025-03-14-hot";

    private static readonly DateTimeOffset T0 = new DateTimeOffset(2025, 3, 14, 9, 26, 53, TimeSpan.Zero).AddTicks(5_897_930);

    private static readonly TargetId Missing = Id("01900000-0000-7000-8000-000000000001");

    private static readonly AuditContext Alice = new() { ActorId = "u-1001", ActorName = "Alice Martin", ClientAddress = "192.0.2.10", UserAgent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" };
    private static readonly AuditContext Bob = new() { ActorId = "u-1002", ActorName = "Bob Øster-Ñúñez", ClientAddress = "2001:db8::42", UserAgent = "curl/8.5.0" };
    private static readonly AuditContext Carol = new() { ActorId = "u-2001", ActorName = "Carol 李", ClientAddress = "198.51.100.7", UserAgent = "TargetTracking-Dashboard/0.1 (+https://example.test)" };
    private static readonly AuditContext Ops = new() { ActorId = "svc-ops", ActorName = "Ops Runner", ClientAddress = "10.0.0.7", UserAgent = "TargetTracking.Ops/1.0" };
    private static readonly AuditContext Anonymous = AuditContext.Anonymous;

    protected UpgradeConformance(TFixture fixture)
    {
        Fixture = fixture;
        var ids = fixture.UpgradeIds;
        Acme = Id(ids.Acme);
        Societe = Id(ids.Societe);
        Emoji = Id(ids.Emoji);
        Zeta = Id(ids.Zeta);
        Beta = Id(ids.Beta);
        Gamma = Id(ids.Gamma);
        Omega = Id(ids.Omega);

        Targets =
        [
            new() { Id = Acme, Name = "Acme Holdings", Description = "Industrial holding — EU & US", Markets = ["EU", "US"], Status = "Hot", Version = 2, CreatedAt = At(1), UpdatedAt = At(14), StatusChangedAt = At(14) },
            new() { Id = Societe, Name = "Société Générale d'Études", Description = "Données: 東京 office; 🚀 launch", Markets = ["Île-de-France", "日本", "Ελλάδα"], Status = "Active", Version = 2, CreatedAt = At(2), UpdatedAt = At(8), StatusChangedAt = At(8) },
            new() { Id = Emoji, Name = "Emoji Ventures 🦄", Description = null, Markets = ["🌍 Global", "apac"], Status = null, Version = 1, CreatedAt = At(3), UpdatedAt = At(3), StatusChangedAt = null },
            new() { Id = Zeta, Name = "Zeta Partners (100% growth_fund)", Description = null, Markets = [], Status = "Hot", Version = 2, CreatedAt = At(4), UpdatedAt = At(15), StatusChangedAt = At(15) },
            new() { Id = Beta, Name = "Beta Ventures", Description = "Reopened deal — now in LATAM too", Markets = ["US", "Latin America"], Status = "Cold", Version = 3, CreatedAt = At(4), UpdatedAt = At(9), StatusChangedAt = At(7) },
            new() { Id = Omega, Name = "Omega Closed", Description = "Line 1\nLine 2\ttab \"quoted\" \\ back", Markets = ["EU"], Status = "Closed", Version = 2, CreatedAt = At(6), UpdatedAt = At(10), StatusChangedAt = At(10) },
        ];

        Assert.Equal(15, ids.History.Count);
        var h = ids.History;
        HistoryEntry[] written =
        [
            Entry(h[0], Acme, HistoryAction.Created, null, "Active", 1, At(1), Alice, "corr-0001"),
            Entry(h[1], Societe, HistoryAction.Created, null, "Hot", 1, At(2), Bob, "corr-0002"),
            Entry(h[2], Emoji, HistoryAction.Created, null, null, 1, At(3), Anonymous, ids.EmojiCorrelationId),
            Entry(h[3], Zeta, HistoryAction.Created, null, "Cold", 1, At(4), Alice, "corr-bulk-0004"),
            Entry(h[4], Beta, HistoryAction.Created, null, "Passed", 1, At(4), Alice, "corr-bulk-0004"),
            Entry(h[5], Gamma, HistoryAction.Created, null, "Active", 1, At(5), Alice, "corr-0005"),
            Entry(h[6], Omega, HistoryAction.Created, null, "Active", 1, At(6), Alice, "corr-0006"),
            Entry(h[7], Beta, HistoryAction.StatusChanged, "Passed", "Cold", 2, At(7), Carol, "corr-0007"),
            Entry(h[8], Societe, HistoryAction.StatusChanged, "Hot", "Active", 2, At(8), Bob, "corr-0008"),
            Entry(h[9], Beta, HistoryAction.Updated, "Cold", "Cold", 3, At(9), Carol, "corr-0009"),
            Entry(h[10], Omega, HistoryAction.StatusChanged, "Active", "Closed", 2, At(10), Alice, "corr-0010"),
            Entry(h[11], Gamma, HistoryAction.StatusChanged, "Active", "Hot", 2, At(11), Bob, "corr-0011"),
            Entry(h[12], Gamma, HistoryAction.Deleted, "Hot", null, 3, At(12), Carol, "corr-0012"),
            Entry(h[13], Acme, HistoryAction.StatusChanged, "Active", "Hot", 2, At(14), Ops, OperationId, OperationId),
            Entry(h[14], Zeta, HistoryAction.StatusChanged, "Cold", "Hot", 2, At(15), Ops, OperationId, OperationId),
        ];

        // Feed order is time, then id: the two creations of step 4 come in the order of their random ids, which differs
        // between the stores' copies. .NET compares GUIDs as their text sorts, as both stores do (a PostgreSQL uuid,
        // SQLite's lower-case text).
        Feed = [.. written.OrderBy(e => e.OccurredAt).ThenBy(e => e.Id)];

        Operation = new()
        {
            Id = OperationId,
            Status = OperationStatus.Completed,
            TargetStatus = "Hot",
            Selection = "4 ids",
            Total = 4,
            Processed = 4,
            Succeeded = 2,
            Failed = 2,
            BatchSize = 2,
            CurrentBatch = 2,
            Cursor = Omega,
            CreatedAt = At(13),
            StartedAt = At(14),
            LastUpdatedAt = At(16),
            CompletedAt = At(16),
            Error = null,
            RetryCount = 0,
            MaxRetries = 2,
            CancelRequested = false,
            ActorId = "svc-ops",
            ActorName = "Ops Runner",
            ClientAddress = "10.0.0.7",
            UserAgent = "TargetTracking.Ops/1.0",
        };

        Failures =
        [
            new(OperationId, Missing, "not_found", "Target 01900000-0000-7000-8000-000000000001 was not found.", At(14)),
            new(OperationId, Omega, "transition_not_allowed", $"Target {ids.Omega} cannot move from Closed to Hot. Closed is a final status.", At(15)),
        ];
    }

    /// <summary>Gets the store's fixture.</summary>
    protected TFixture Fixture { get; }

    private TargetId Acme { get; }

    private TargetId Societe { get; }

    private TargetId Emoji { get; }

    private TargetId Zeta { get; }

    private TargetId Beta { get; }

    private TargetId Gamma { get; }

    private TargetId Omega { get; }

    /// <summary>Gets the targets in the data set (Gamma was deleted), in creation order: Zeta and Beta were created together, Zeta has the lower id.</summary>
    private Target[] Targets { get; }

    /// <summary>Gets every history entry in the data set, in feed order (time, then id).</summary>
    private HistoryEntry[] Feed { get; }

    private BulkOperation Operation { get; }

    private OperationItemFailure[] Failures { get; }

    private static DateTimeOffset At(int minute) => T0.AddMinutes(minute);

    private static TargetId Id(string text) => new(Guid.Parse(text));

    private static T Ok<T>(Result<T> result)
    {
        Assert.True(result.IsSuccess, result.ToString());
        return result.Value;
    }

    private static HistoryEntry Entry(string id, TargetId target, HistoryAction action, string? oldStatus, string? newStatus, long version, DateTimeOffset at, AuditContext who, string correlationId, string? operationId = null) =>
        new()
        {
            Id = Guid.Parse(id),
            TargetId = target,
            Action = action,
            OldStatus = oldStatus,
            NewStatus = newStatus,
            Version = version,
            OccurredAt = at,
            ActorId = who.ActorId,
            ActorName = who.ActorName,
            CorrelationId = correlationId,
            OperationId = operationId,
            ClientAddress = who.ClientAddress,
            UserAgent = who.UserAgent,
        };

    private static void AssertTarget(Target expected, Target? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Description, actual.Description);
        Assert.Equal(expected.Markets, actual.Markets);
        Assert.Equal(expected.Status, actual.Status);
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.CreatedAt, actual.CreatedAt);
        Assert.Equal(expected.UpdatedAt, actual.UpdatedAt);
        Assert.Equal(expected.StatusChangedAt, actual.StatusChangedAt);
        Assert.True(expected.SameAs(actual), $"{expected} != {actual}");
    }

    /// <summary>
    /// Asserts, at the end of <see cref="NewWrites_OnTheOldData_Work"/>, that the old database's own guards still refuse
    /// to rewrite history when reached past the store (raw SQL), and that its history table holds
    /// <paramref name="historyRows"/> rows.
    /// </summary>
    /// <param name="store">The copy the test wrote to.</param>
    /// <param name="historyRows">How many history rows the copy holds now.</param>
    protected abstract Task AssertHistoryStillGuardedAsync(RestoredStore store, long historyRows);

    [Fact]
    public async Task Upgrade_GivesEveryOldRow_TheDefaultTenant()
    {
        var repository = (await Fixture.OpenRestoredAsync()).Repository;
        var tenants = Assert.IsAssignableFrom<TargetTracking.Storage.ITenantStore>(repository);
        var inDefault = tenants.ForTenant(() => TenantIds.Default);
        var elsewhere = tenants.ForTenant(() => "another-tenant");

        // The default tenant is the store as a host that never names a tenant sees it: every old row is there, none elsewhere.
        Assert.Equal(Targets.Length, (await inDefault.QueryAsync(new TargetQuery { Take = 100 })).TotalCount);
        Assert.Equal(Feed, await inDefault.GetHistoryFeedAsync(new HistoryFeedRequest(DateTimeOffset.UnixEpoch, Limit: 1000)));
        Assert.Equal(0, (await elsewhere.QueryAsync(new TargetQuery { Take = 100 })).TotalCount);
        Assert.Empty(await elsewhere.GetHistoryFeedAsync(new HistoryFeedRequest(DateTimeOffset.UnixEpoch, Limit: 1000)));
        foreach (var expected in Targets)
        {
            Assert.Null(await elsewhere.GetAsync(expected.Id));
            Assert.Empty(await elsewhere.GetHistoryAsync(expected.Id, new HistoryPageRequest()));
        }

        Assert.Empty(await ((TargetTracking.Storage.IReportStore)elsewhere).CountAsOfAsync(DateTimeOffset.MaxValue));
    }

    [Fact]
    public async Task Targets_ReadBackVerbatim()
    {
        var repository = (await Fixture.OpenRestoredAsync()).Repository;

        foreach (var expected in Targets)
        {
            AssertTarget(expected, await repository.GetAsync(expected.Id));
        }

        Assert.Null(await repository.GetAsync(Gamma));
        Assert.Null(await repository.GetAsync(Missing));
        var page = await repository.QueryAsync(new TargetQuery { SortBy = TargetSort.CreatedAt, Take = 100 });
        Assert.Equal(Targets.Length, page.TotalCount);
        Assert.Equal(Targets.Length, page.Items.Count);
        foreach (var (expected, actual) in Targets.Zip(page.Items))
        {
            AssertTarget(expected, actual);
        }
    }

    [Fact]
    public async Task Upgrade_FillsTheStaysTable_FromTheExistingHistory()
    {
        // The migrations backfill the stays table from the history 0.1 wrote (0009; on PostgreSQL 0010, where the table takes
        // the name the store knows it by); the reports read the table.
        var reports = (IReportStore)(await Fixture.OpenRestoredAsync()).Repository;
        var end = DateTimeOffset.MaxValue;

        Assert.Equal([new StayFacts("Active", At(5), At(11), "Hot", false, 1), new StayFacts("Hot", At(11), At(12), null, true, 2)], await reports.GetStaysAsync(Gamma, end));
        Assert.Equal([new StayFacts("Passed", At(4), At(7), "Cold", false, 1), new StayFacts("Cold", At(7), null, null, false, 2)], await reports.GetStaysAsync(Beta, end));
        Assert.Equal([new StayFacts(null, At(3), null, null, false, 1)], await reports.GetStaysAsync(Emoji, end));
        Assert.Equal([new StayFacts("Active", At(1), At(14), "Hot", false, 1), new StayFacts("Hot", At(14), null, null, false, 2)], await reports.GetStaysAsync(Acme, end));
        Assert.Equal([new StatusCount("Active", 1), new StatusCount("Closed", 1), new StatusCount("Cold", 1), new StatusCount("Hot", 2), new StatusCount(null, 1)], (await reports.CountAsOfAsync(end)).OrderBy(c => c.Status is null).ThenBy(c => c.Status, StringComparer.Ordinal));
    }

    [Fact]
    public async Task History_OfEveryTarget_ReadsBack_NewestFirst()
    {
        var repository = (await Fixture.OpenRestoredAsync()).Repository;

        foreach (var id in new[] { Acme, Societe, Emoji, Zeta, Beta, Gamma, Omega })
        {
            var expected = Feed.Where(e => e.TargetId == id).OrderByDescending(e => e.Version).ToList();
            Assert.NotEmpty(expected);
            Assert.Equal(expected, await repository.GetHistoryAsync(id, new HistoryPageRequest()));
        }

        // The deleted target's history stays, and pages by version.
        Assert.Equal(
            [HistoryAction.StatusChanged, HistoryAction.Created],
            (await repository.GetHistoryAsync(Gamma, new HistoryPageRequest(BeforeVersion: 3))).Select(e => e.Action));
        Assert.Empty(await repository.GetHistoryAsync(Missing, new HistoryPageRequest()));
    }

    [Fact]
    public async Task Feed_ListsEveryEntry_InOrder_AndPages()
    {
        var repository = (await Fixture.OpenRestoredAsync()).Repository;

        Assert.Equal(Feed, await repository.GetHistoryFeedAsync(new HistoryFeedRequest(DateTimeOffset.UnixEpoch, Limit: 1000)));

        // Keyset after the first of the two entries written at the same time (the bulk create).
        var first = Feed[3];
        Assert.Equal(Feed[4].OccurredAt, first.OccurredAt);
        Assert.Equal(Feed[4..7], await repository.GetHistoryFeedAsync(new HistoryFeedRequest(first.OccurredAt, first.Id, 3)));
        Assert.Equal(Feed[^2..], await repository.GetHistoryFeedAsync(new HistoryFeedRequest(At(14))));
    }

    [Fact]
    public async Task Queries_FindTheRightTargets()
    {
        var repository = (await Fixture.OpenRestoredAsync()).Repository;
        var tracker = new TargetTracker(repository, new TargetTrackingOptions(), new FakeTimeProvider(At(100)));

        async Task Expect(TargetQuery query, params TargetId[] expected)
        {
            var page = await tracker.QueryAsync(query);
            Assert.Equal(expected, page.Items.Select(t => t.Id));
            Assert.Equal(expected.Length, page.TotalCount);
        }

        await Expect(new TargetQuery(), Acme, Beta, Emoji, Omega, Societe, Zeta);
        await Expect(new TargetQuery { Statuses = ["hot"] }, Acme, Zeta);
        await Expect(new TargetQuery { Statuses = [null] }, Emoji);
        await Expect(new TargetQuery { Statuses = [null, "cold"] }, Beta, Emoji);
        await Expect(new TargetQuery { Statuses = ["Closed"] }, Omega);
        await Expect(new TargetQuery { Statuses = ["Passed"] });
        await Expect(new TargetQuery { Market = "eu" }, Acme, Omega);
        await Expect(new TargetQuery { Market = "日本" }, Societe);
        await Expect(new TargetQuery { Market = " ελλάδα " }, Societe);
        await Expect(new TargetQuery { Market = "île-de-france" }, Societe);
        await Expect(new TargetQuery { Market = "🌍 global" }, Emoji);
        await Expect(new TargetQuery { Market = "latin america" }, Beta);
        await Expect(new TargetQuery { Market = "LATAM" });
        await Expect(new TargetQuery { NameContains = "ventures" }, Beta, Emoji);
        await Expect(new TargetQuery { NameContains = "ÉTUDES" }, Societe);
        await Expect(new TargetQuery { NameContains = "🦄" }, Emoji);
        await Expect(new TargetQuery { NameContains = "%" }, Zeta);
        await Expect(new TargetQuery { NameContains = "h_f" }, Zeta);
        await Expect(new TargetQuery { Statuses = ["Hot"], Market = "us", NameContains = "acme" }, Acme);
        await Expect(new TargetQuery { SortBy = TargetSort.UpdatedAt, Descending = true }, Zeta, Acme, Omega, Beta, Societe, Emoji);
        await Expect(new TargetQuery { SortBy = TargetSort.CreatedAt, Descending = true }, Omega, Beta, Zeta, Emoji, Societe, Acme);

        var page = await tracker.QueryAsync(new TargetQuery { Skip = 2, Take = 2 });
        Assert.Equal([Emoji, Omega], page.Items.Select(t => t.Id));
        Assert.Equal(6, page.TotalCount);
    }

    [Fact]
    public async Task IntegrityCheck_FindsTheOldDataSound()
    {
        var (repository, _, _, _) = await Fixture.OpenRestoredAsync();
        var health = new TargetHealth(new TargetTracker(repository, new TargetTrackingOptions(), new FakeTimeProvider(At(100))));

        var report = await health.CheckIntegrityAsync();

        Assert.True(report.IsHealthy, report.ToString());
        Assert.Equal(6, report.TargetsChecked);
        Assert.True((await health.PlanRepairAsync(RepairPolicy.TrustHistory)).IsEmpty);
    }

    [Fact]
    public async Task Operation_AndItsFailures_ReadBack()
    {
        var (repository, operationStore, _, _) = await Fixture.OpenRestoredAsync();
        var operations = new TargetOperations(new TargetTracker(repository, new TargetTrackingOptions(), new FakeTimeProvider(At(100))));

        Assert.Equal(Operation, await operationStore.GetOperationAsync(OperationId));
        Assert.Equal(Failures, await operationStore.GetOperationFailuresAsync(OperationId, null, 100));
        Assert.Equal(Failures[1..], await operationStore.GetOperationFailuresAsync(OperationId, Missing, 100));
        Assert.Equal(Operation, Assert.Single(await operationStore.FindOperationsAsync([OperationStatus.Completed], null, 10)));
        Assert.Empty(await operationStore.FindOperationsAsync([OperationStatus.Pending, OperationStatus.Processing], null, 10));

        var summary = Ok(await operations.GetSummaryAsync(OperationId));
        Assert.Equal(new OperationSummary(OperationId, OperationStatus.Completed, 2, 2, 4, TimeSpan.FromMinutes(2), "svc-ops", "Ops Runner"), summary);
        Assert.Equal(new TargetOperationStats(Zeta, 1, At(15)), await operations.GetTargetStatsAsync(Zeta));

        // Running a finished operation again changes nothing.
        Assert.Equal(Operation, Ok(await operations.RunAsync(OperationId)));
    }

    [Fact]
    public async Task NewWrites_OnTheOldData_Work()
    {
        var restored = await Fixture.OpenRestoredAsync();
        var (repository, operationStore, _, _) = restored;
        var clock = new FakeTimeProvider(At(100));
        var tracker = new TargetTracker(repository, new TargetTrackingOptions(), clock);
        var dave = new AuditContext { ActorId = "u-3001", ActorName = "Dave Ünal", CorrelationId = "corr-upgrade-1", ClientAddress = "203.0.113.9", UserAgent = "upgrade-test" };

        // A status change bumps the version and appends history; the rest of the target is as the old code wrote it.
        var societe = Targets[1];
        var moved = Ok(await tracker.ChangeStatusAsync(Societe, societe.Version, "Hot", dave));
        AssertTarget(societe with { Status = "Hot", Version = 3, UpdatedAt = At(100), StatusChangedAt = At(100) }, await repository.GetAsync(Societe));
        Assert.Equal(3, moved.Version);
        var history = await repository.GetHistoryAsync(Societe, new HistoryPageRequest());
        Assert.Equal(3, history.Count);
        var latest = history[0];
        Assert.Equal(Entry(latest.Id.ToString(), Societe, HistoryAction.StatusChanged, "Active", "Hot", 3, At(100), dave, "corr-upgrade-1"), latest);
        Assert.Equal(Feed.Where(e => e.TargetId == Societe).OrderByDescending(e => e.Version), history.Skip(1));
        Assert.IsType<VersionConflictError>((await tracker.ChangeStatusAsync(Societe, societe.Version, "Cold", dave)).Error);

        // A create and an update of markets, found by the market filter next to the old rows.
        clock.Advance(TimeSpan.FromMinutes(1));
        var created = Ok(await tracker.CreateAsync(new NewTarget("Neu GmbH — Ünïcødé 🚀", "nach dem Upgrade", ["eu", "日本"]), dave));
        var emoji = Ok(await tracker.UpdateAsync(Emoji, 1, TargetUpdate.From(Targets[2]) with { Markets = ["🌍 Global", "apac", "LATAM"] }, dave));
        Assert.Equal(2, emoji.Version);
        Assert.Equal([Acme, created.Id, Omega], (await tracker.QueryAsync(new TargetQuery { Market = "EU" })).Items.Select(t => t.Id));
        Assert.Equal([created.Id, Societe], (await tracker.QueryAsync(new TargetQuery { Market = "日本" })).Items.Select(t => t.Id));
        Assert.Equal([Emoji], (await tracker.QueryAsync(new TargetQuery { Market = "latam" })).Items.Select(t => t.Id));
        Assert.Equal([Emoji, created.Id], (await tracker.QueryAsync(new TargetQuery { Statuses = [null] })).Items.Select(t => t.Id));

        // A delete of an old target keeps its old history and appends the Deleted entry.
        clock.Advance(TimeSpan.FromMinutes(1));
        Ok(await tracker.DeleteAsync(Beta, 3, dave));
        Assert.Null(await repository.GetAsync(Beta));
        var beta = await repository.GetHistoryAsync(Beta, new HistoryPageRequest());
        Assert.Equal([4L, 3, 2, 1], beta.Select(e => e.Version));
        Assert.Equal((HistoryAction.Deleted, "Cold", (string?)null, At(102)), (beta[0].Action, beta[0].OldStatus, beta[0].NewStatus, beta[0].OccurredAt));
        Assert.Equal(Feed.Where(e => e.TargetId == Beta).OrderByDescending(e => e.Version), beta.Skip(1));

        // Purging a target's history goes through the old database's guard (PostgreSQL: its purge setting; SQLite: its
        // permit table).
        var purging = new TargetTracker(repository, new TargetTrackingOptions { DeletePolicy = DeletePolicy.PurgeHistory }, clock);
        Ok(await purging.DeleteAsync(created.Id, 1, dave));
        Assert.Empty(await repository.GetHistoryAsync(created.Id, new HistoryPageRequest()));

        // A new tracked operation on the old tables (on PostgreSQL, the failures' identity column continues).
        clock.Advance(TimeSpan.FromMinutes(1));
        var operations = new TargetOperations(tracker);
        Ok(await operations.StartAsync(new StartOperationRequest("op-upgrade", "Cold", OperationSelection.ForIds([Emoji, Missing])), dave));
        var done = Ok(await operations.RunAsync("op-upgrade"));
        Assert.Equal((OperationStatus.Completed, 2L, 1L, 1L), (done.Status, done.Processed, done.Succeeded, done.Failed));
        Assert.Equal("not_found", Assert.Single(await operations.GetFailuresAsync("op-upgrade")).Code);
        Assert.Equal(Operation, await operationStore.GetOperationAsync(OperationId));

        // The feed: the old entries unchanged and first, then the new ones.
        var feed = await repository.GetHistoryFeedAsync(new HistoryFeedRequest(DateTimeOffset.UnixEpoch, Limit: 1000));
        Assert.Equal(Feed, feed.Take(Feed.Length));
        Assert.Equal(
            [(Societe, HistoryAction.StatusChanged), (Emoji, HistoryAction.Updated), (Beta, HistoryAction.Deleted), (Emoji, HistoryAction.StatusChanged)],
            feed.Skip(Feed.Length).Select(e => (e.TargetId, e.Action)));

        // The old database's own triggers still guard history.
        await AssertHistoryStillGuardedAsync(restored, Feed.Length + 4L);
    }
}
