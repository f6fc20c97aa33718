// How the data file was made. Data/v0.1.db was written by the Dapper SQLite store of TargetTracking 0.1 (commit
// ca0a283, the last commit before the stores moved to linq2db), through its public API, by a throwaway console program
// (not kept) that referenced src/TargetTracking and src/TargetTracking.Sqlite at that commit:
//   - TargetTracker over new SqliteTargetRepository(new SqliteStoreOptions { ConnectionString = "Data Source=v0.1.db" }),
//     default options and pipeline, a fixed clock set to T0 + n minutes before step n (T0 = 2025-03-14T09:26:53.5897932Z;
//     the 0.1 core cuts times to whole microseconds, hence .589793);
//   - step 1 to 6: seven targets created (Zeta and Beta in one CreateManyAsync), with non-ASCII names, descriptions and
//     markets (an emoji, Greek with surrounding spaces, Japanese), no markets, no description, and Not Set;
//   - step 7 to 12: status changes, an update of description and markets, and Gamma deleted (KeepHistory), each with a
//     full audit context (actor id and name, correlation id, client address, user agent); Emoji by an anonymous caller,
//     so its correlation id is the generated one;
//   - step 13 to 16: TargetOperations started operation "op-2025-03-14-hot" (status Hot, ids Acme, Zeta, Omega and a
//     missing id, batch size 2) and ran it to completion: two moves, two failures (not_found, transition_not_allowed);
//   - then the store was disposed and the WAL checkpointed (PRAGMA wal_checkpoint(TRUNCATE)): the file alone is the
//     database (journal mode WAL, schema versions 1 to 3). Among what the 0.1 writer chose: times as UTC ticks, ids as
//     lower-case text, markets as a JSON array with characters outside the BMP escaped ("\uD83C\uDF0D Global"),
//     migration names recorded with their ".sql" suffix.
// The same program wrote the PostgreSQL data set of TargetTracking.PostgreSql.Tests (same steps and times; the ids
// differ, they are random version-7 GUIDs). The expected values below are what it wrote and what the 0.1 store read
// back from the file.

using Microsoft.Data.Sqlite;

namespace TargetTracking.Sqlite.Tests;

/// <summary>
/// A database written by TargetTracking 0.1 keeps working after the upgrade to the linq2db store: opened by today's
/// store, it reads back verbatim (targets, history, feed, queries, operations) and takes new writes.
/// </summary>
public sealed class UpgradeTests(SqliteFileFixture fixture) : IClassFixture<SqliteFileFixture>
{
    private const string OperationId = "op-2025-03-14-hot";

    private static readonly DateTimeOffset T0 = new DateTimeOffset(2025, 3, 14, 9, 26, 53, TimeSpan.Zero).AddTicks(5_897_930);

    private static readonly TargetId Acme = Id("019593fb-47f5-70d2-b174-c3aaaa46e463");
    private static readonly TargetId Societe = Id("019593fc-3255-72f6-8201-d7d278122093");
    private static readonly TargetId Emoji = Id("019593fd-1cb5-7632-8852-ad7cd5fdca3c");
    private static readonly TargetId Zeta = Id("019593fe-0715-73f0-9814-2c01fea8fd37");
    private static readonly TargetId Beta = Id("019593fe-0715-761c-b7dd-50e36fdc49fd");
    private static readonly TargetId Gamma = Id("019593fe-f175-7370-bbef-65c7787069ca");
    private static readonly TargetId Omega = Id("019593ff-dbd5-7588-828c-82e3ff1445fc");
    private static readonly TargetId Missing = Id("01900000-0000-7000-8000-000000000001");

    private static readonly AuditContext Alice = new() { ActorId = "u-1001", ActorName = "Alice Martin", ClientAddress = "192.0.2.10", UserAgent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" };
    private static readonly AuditContext Bob = new() { ActorId = "u-1002", ActorName = "Bob Øster-Ñúñez", ClientAddress = "2001:db8::42", UserAgent = "curl/8.5.0" };
    private static readonly AuditContext Carol = new() { ActorId = "u-2001", ActorName = "Carol 李", ClientAddress = "198.51.100.7", UserAgent = "TargetTracking-Dashboard/0.1 (+https://example.test)" };
    private static readonly AuditContext Ops = new() { ActorId = "svc-ops", ActorName = "Ops Runner", ClientAddress = "10.0.0.7", UserAgent = "TargetTracking.Ops/1.0" };
    private static readonly AuditContext Anonymous = AuditContext.Anonymous;

    /// <summary>The targets in the file (Gamma was deleted), in creation order: Zeta and Beta were created together, Zeta has the lower id.</summary>
    private static readonly Target[] Targets =
    [
        new() { Id = Acme, Name = "Acme Holdings", Description = "Industrial holding — EU & US", Markets = ["EU", "US"], Status = "Hot", Version = 2, CreatedAt = At(1), UpdatedAt = At(14), StatusChangedAt = At(14) },
        new() { Id = Societe, Name = "Société Générale d'Études", Description = "Données: 東京 office; 🚀 launch", Markets = ["Île-de-France", "日本", "Ελλάδα"], Status = "Active", Version = 2, CreatedAt = At(2), UpdatedAt = At(8), StatusChangedAt = At(8) },
        new() { Id = Emoji, Name = "Emoji Ventures 🦄", Description = null, Markets = ["🌍 Global", "apac"], Status = null, Version = 1, CreatedAt = At(3), UpdatedAt = At(3), StatusChangedAt = null },
        new() { Id = Zeta, Name = "Zeta Partners (100% growth_fund)", Description = null, Markets = [], Status = "Hot", Version = 2, CreatedAt = At(4), UpdatedAt = At(15), StatusChangedAt = At(15) },
        new() { Id = Beta, Name = "Beta Ventures", Description = "Reopened deal — now in LATAM too", Markets = ["US", "Latin America"], Status = "Cold", Version = 3, CreatedAt = At(4), UpdatedAt = At(9), StatusChangedAt = At(7) },
        new() { Id = Omega, Name = "Omega Closed", Description = "Line 1\nLine 2\ttab \"quoted\" \\ back", Markets = ["EU"], Status = "Closed", Version = 2, CreatedAt = At(6), UpdatedAt = At(10), StatusChangedAt = At(10) },
    ];

    /// <summary>Every history entry in the file, in feed order (time, then id).</summary>
    private static readonly HistoryEntry[] Feed =
    [
        Entry("019593fb-47f5-7cdf-ba13-9ea1082c1e70", Acme, HistoryAction.Created, null, "Active", 1, At(1), Alice, "corr-0001"),
        Entry("019593fc-3255-73e7-9e22-a7624eab6b21", Societe, HistoryAction.Created, null, "Hot", 1, At(2), Bob, "corr-0002"),
        Entry("019593fd-1cb5-7154-85c5-a28118230462", Emoji, HistoryAction.Created, null, null, 1, At(3), Anonymous, "019593fd1cb572fe92f2c90034aca4c6"),
        Entry("019593fe-0715-72df-afd4-8d4405325564", Beta, HistoryAction.Created, null, "Passed", 1, At(4), Alice, "corr-bulk-0004"),
        Entry("019593fe-0715-76a6-9a86-5af54051990b", Zeta, HistoryAction.Created, null, "Cold", 1, At(4), Alice, "corr-bulk-0004"),
        Entry("019593fe-f175-7329-b345-8ff409f12a6e", Gamma, HistoryAction.Created, null, "Active", 1, At(5), Alice, "corr-0005"),
        Entry("019593ff-dbd5-7294-ad51-3a8f56a55582", Omega, HistoryAction.Created, null, "Active", 1, At(6), Alice, "corr-0006"),
        Entry("01959400-c635-7e96-ae44-48d365d34c15", Beta, HistoryAction.StatusChanged, "Passed", "Cold", 2, At(7), Carol, "corr-0007"),
        Entry("01959401-b095-76da-b715-c848cd5455bb", Societe, HistoryAction.StatusChanged, "Hot", "Active", 2, At(8), Bob, "corr-0008"),
        Entry("01959402-9af5-70be-b25b-b92eb38af53e", Beta, HistoryAction.Updated, "Cold", "Cold", 3, At(9), Carol, "corr-0009"),
        Entry("01959403-8555-7b1e-8d44-fe4f7dcd2da5", Omega, HistoryAction.StatusChanged, "Active", "Closed", 2, At(10), Alice, "corr-0010"),
        Entry("01959404-6fb5-78a8-8195-e7717858e49e", Gamma, HistoryAction.StatusChanged, "Active", "Hot", 2, At(11), Bob, "corr-0011"),
        Entry("01959405-5a15-79a6-8903-15c2c2124f58", Gamma, HistoryAction.Deleted, "Hot", null, 3, At(12), Carol, "corr-0012"),
        Entry("01959407-2ed5-7350-9884-e4214e36a2ce", Acme, HistoryAction.StatusChanged, "Active", "Hot", 2, At(14), Ops, OperationId, OperationId),
        Entry("01959408-1935-7a03-b724-af9e9d3080a5", Zeta, HistoryAction.StatusChanged, "Cold", "Hot", 2, At(15), Ops, OperationId, OperationId),
    ];

    private static readonly BulkOperation Operation = new()
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

    private static readonly OperationItemFailure[] Failures =
    [
        new(OperationId, Missing, "not_found", "Target 01900000-0000-7000-8000-000000000001 was not found.", At(14)),
        new(OperationId, Omega, "transition_not_allowed", "Target 019593ff-dbd5-7588-828c-82e3ff1445fc cannot move from Closed to Hot. Closed is a final status.", At(15)),
    ];

    private static DateTimeOffset At(int minute) => T0.AddMinutes(minute);

    private static TargetId Id(string text) => new(Guid.Parse(text));

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

    /// <summary>Copies the 0.1 file to a temporary file of its own and opens it with today's store.</summary>
    private async Task<(SqliteTargetRepository Repository, string ConnectionString)> OpenCopyAsync(bool applyMigrations = true)
    {
        var path = Path.Combine(fixture.Directory, $"v0.1-{Guid.NewGuid():N}.db");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Data", "v0.1.db"), path);
        var connectionString = $"Data Source={path}";
        return (await fixture.CreateAsync(new SqliteStoreOptions { ConnectionString = connectionString, ApplyMigrations = applyMigrations }), connectionString);
    }

    private static async Task<List<string>> ScalarsAsync(string connectionString, string sql)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetValue(0).ToString()!);
        }

        return values;
    }

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

    [Fact]
    public async Task OldFile_IsCurrent_NothingIsReapplied()
    {
        // With migrations off the store refuses a schema missing a migration: the 0.1 version table must satisfy it.
        var (_, connectionString) = await OpenCopyAsync(applyMigrations: false);
        Assert.Equal(["1", "2", "3"], await ScalarsAsync(connectionString, "SELECT version FROM target_tracking_migrations ORDER BY version"));

        var (migrated, migratedConnectionString) = await OpenCopyAsync();
        Assert.Equal(6, (await migrated.QueryAsync(new TargetQuery())).TotalCount);
        Assert.Equal(
            ["0001_tables.sql", "0002_indexes_and_history_guards.sql", "0003_operations.sql"],
            await ScalarsAsync(migratedConnectionString, "SELECT name FROM target_tracking_migrations ORDER BY version"));
    }

    [Fact]
    public async Task Targets_ReadBackVerbatim()
    {
        var (repository, _) = await OpenCopyAsync();

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
    public async Task History_OfEveryTarget_ReadsBack_NewestFirst()
    {
        var (repository, _) = await OpenCopyAsync();

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
        var (repository, _) = await OpenCopyAsync();

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
        var (repository, _) = await OpenCopyAsync();
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
    public async Task Operation_AndItsFailures_ReadBack()
    {
        var (repository, _) = await OpenCopyAsync();
        var operations = new TargetOperations(new TargetTracker(repository, new TargetTrackingOptions(), new FakeTimeProvider(At(100))));

        Assert.Equal(Operation, await repository.GetOperationAsync(OperationId));
        Assert.Equal(Failures, await repository.GetOperationFailuresAsync(OperationId, null, 100));
        Assert.Equal(Failures[1..], await repository.GetOperationFailuresAsync(OperationId, Missing, 100));
        Assert.Equal(Operation, Assert.Single(await repository.FindOperationsAsync([OperationStatus.Completed], null, 10)));
        Assert.Empty(await repository.FindOperationsAsync([OperationStatus.Pending, OperationStatus.Processing], null, 10));

        var summary = (await operations.GetSummaryAsync(OperationId)).Ok();
        Assert.Equal(new OperationSummary(OperationId, OperationStatus.Completed, 2, 2, 4, TimeSpan.FromMinutes(2), "svc-ops", "Ops Runner"), summary);
        Assert.Equal(new TargetOperationStats(Zeta, 1, At(15)), await operations.GetTargetStatsAsync(Zeta));

        // Running a finished operation again changes nothing.
        Assert.Equal(Operation, (await operations.RunAsync(OperationId)).Ok());
    }

    [Fact]
    public async Task NewWrites_OnTheOldFile_Work()
    {
        var (repository, connectionString) = await OpenCopyAsync();
        var clock = new FakeTimeProvider(At(100));
        var tracker = new TargetTracker(repository, new TargetTrackingOptions(), clock);
        var dave = new AuditContext { ActorId = "u-3001", ActorName = "Dave Ünal", CorrelationId = "corr-upgrade-1", ClientAddress = "203.0.113.9", UserAgent = "upgrade-test" };

        // A status change bumps the version and appends history; the rest of the target is as the old code wrote it.
        var societe = Targets[1];
        var moved = (await tracker.ChangeStatusAsync(Societe, societe.Version, "Hot", dave)).Ok();
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
        var created = (await tracker.CreateAsync(new NewTarget("Neu GmbH — Ünïcødé 🚀", "nach dem Upgrade", ["eu", "日本"]), dave)).Ok();
        var emoji = (await tracker.UpdateAsync(Emoji, 1, TargetUpdate.From(Targets[2]) with { Markets = ["🌍 Global", "apac", "LATAM"] }, dave)).Ok();
        Assert.Equal(2, emoji.Version);
        Assert.Equal([Acme, created.Id, Omega], (await tracker.QueryAsync(new TargetQuery { Market = "EU" })).Items.Select(t => t.Id));
        Assert.Equal([created.Id, Societe], (await tracker.QueryAsync(new TargetQuery { Market = "日本" })).Items.Select(t => t.Id));
        Assert.Equal([Emoji], (await tracker.QueryAsync(new TargetQuery { Market = "latam" })).Items.Select(t => t.Id));
        Assert.Equal([Emoji, created.Id], (await tracker.QueryAsync(new TargetQuery { Statuses = [null] })).Items.Select(t => t.Id));

        // A delete of an old target keeps its old history and appends the Deleted entry.
        clock.Advance(TimeSpan.FromMinutes(1));
        (await tracker.DeleteAsync(Beta, 3, dave)).Ok();
        Assert.Null(await repository.GetAsync(Beta));
        var beta = await repository.GetHistoryAsync(Beta, new HistoryPageRequest());
        Assert.Equal([4L, 3, 2, 1], beta.Select(e => e.Version));
        Assert.Equal((HistoryAction.Deleted, "Cold", (string?)null, At(102)), (beta[0].Action, beta[0].OldStatus, beta[0].NewStatus, beta[0].OccurredAt));
        Assert.Equal(Feed.Where(e => e.TargetId == Beta).OrderByDescending(e => e.Version), beta.Skip(1));

        // Purging a target's history goes through the old file's guard (its permit table).
        var purging = new TargetTracker(repository, new TargetTrackingOptions { DeletePolicy = DeletePolicy.PurgeHistory }, clock);
        (await purging.DeleteAsync(created.Id, 1, dave)).Ok();
        Assert.Empty(await repository.GetHistoryAsync(created.Id, new HistoryPageRequest()));

        // A new tracked operation on the old tables.
        clock.Advance(TimeSpan.FromMinutes(1));
        var operations = new TargetOperations(tracker);
        (await operations.StartAsync(new StartOperationRequest("op-upgrade", "Cold", OperationSelection.ForIds([Emoji, Missing])), dave)).Ok();
        var done = (await operations.RunAsync("op-upgrade")).Ok();
        Assert.Equal((OperationStatus.Completed, 2L, 1L, 1L), (done.Status, done.Processed, done.Succeeded, done.Failed));
        Assert.Equal("not_found", Assert.Single(await operations.GetFailuresAsync("op-upgrade")).Code);
        Assert.Equal(Operation, await repository.GetOperationAsync(OperationId));

        // The feed: the old entries unchanged and first, then the new ones.
        var feed = await repository.GetHistoryFeedAsync(new HistoryFeedRequest(DateTimeOffset.UnixEpoch, Limit: 1000));
        Assert.Equal(Feed, feed.Take(Feed.Length));
        Assert.Equal(
            [(Societe, HistoryAction.StatusChanged), (Emoji, HistoryAction.Updated), (Beta, HistoryAction.Deleted), (Emoji, HistoryAction.StatusChanged)],
            feed.Skip(Feed.Length).Select(e => (e.TargetId, e.Action)));

        // The old file's triggers still guard history.
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var update = connection.CreateCommand();
        update.CommandText = "UPDATE target_history SET actor_name = 'rewritten'";
        Assert.Contains("append-only", (await Assert.ThrowsAsync<SqliteException>(() => update.ExecuteNonQueryAsync())).Message, StringComparison.Ordinal);
        await using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM target_history";
        Assert.Contains("append-only", (await Assert.ThrowsAsync<SqliteException>(() => delete.ExecuteNonQueryAsync())).Message, StringComparison.Ordinal);
    }
}
