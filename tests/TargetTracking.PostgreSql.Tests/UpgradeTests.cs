// How the data file was made. Data/v0.1.sql is a pg_dump of a schema written by the Dapper PostgreSQL store of
// TargetTracking 0.1 (commit ca0a283, the last commit before the stores moved to linq2db), through its public API, by a
// throwaway console program (not kept) that referenced src/TargetTracking and src/TargetTracking.PostgreSql at that commit:
//   - a throwaway PostgreSQL 15 cluster (initdb, UTF8, no locale), a new database, and
//     new PostgreSqlTargetRepository(dataSource, new PostgreSqlStoreOptions { Schema = "targettracking_v01" }), whose
//     migrations 1 to 3 created the schema;
//   - TargetTracker over it, default options and pipeline, a fixed clock set to T0 + n minutes before step n
//     (T0 = 2025-03-14T09:26:53.5897932Z; the 0.1 core cuts times to whole microseconds, hence .589793);
//   - step 1 to 6: seven targets created (Zeta and Beta in one CreateManyAsync), with non-ASCII names, descriptions and
//     markets (an emoji, Greek with surrounding spaces, Japanese), no markets, no description, and Not Set;
//   - step 7 to 12: status changes, an update of description and markets, and Gamma deleted (KeepHistory), each with a
//     full audit context (actor id and name, correlation id, client address, user agent); Emoji by an anonymous caller,
//     so its correlation id is the generated one;
//   - step 13 to 16: TargetOperations started operation "op-2025-03-14-hot" (status Hot, ids Acme, Zeta, Omega and a
//     missing id, batch size 2) and ran it to completion: two moves, two failures (not_found, transition_not_allowed);
//   - then: pg_dump --schema=targettracking_v01 --no-owner --no-privileges (plain format: COPY blocks, psql's
//     \restrict and \unrestrict lines), unedited.
// The same program wrote the SQLite data set of TargetTracking.Sqlite.Tests (same steps and times; the ids differ, they
// are random version-7 GUIDs). The expected values below are what it wrote and what the 0.1 store read back.

using System.Text;
using Npgsql;

namespace TargetTracking.PostgreSql.Tests;

/// <summary>
/// A schema written by TargetTracking 0.1 keeps working after the upgrade to the linq2db store: restored from its dump
/// into a new schema and opened by today's store, it reads back verbatim (targets, history, feed, queries, operations),
/// takes new writes, and its triggers still guard history.
/// </summary>
public sealed class UpgradeTests(PostgreSqlFixture fixture) : IClassFixture<PostgreSqlFixture>
{
    private const string OperationId = "op-2025-03-14-hot";

    /// <summary>The schema name in the dump; every restore renames it to a new one.</summary>
    private const string DumpSchema = "targettracking_v01";

    private static readonly DateTimeOffset T0 = new DateTimeOffset(2025, 3, 14, 9, 26, 53, TimeSpan.Zero).AddTicks(5_897_930);

    private static readonly TargetId Acme = Id("019593fb-47f5-7fb5-b263-2b18fbcd32d7");
    private static readonly TargetId Societe = Id("019593fc-3255-7fb0-bd97-ee6d2ef8d1d8");
    private static readonly TargetId Emoji = Id("019593fd-1cb5-7c49-aebf-c46254290191");
    private static readonly TargetId Zeta = Id("019593fe-0715-7450-bb77-e8ada52a6699");
    private static readonly TargetId Beta = Id("019593fe-0715-77ef-a46b-537a6cd1cc9d");
    private static readonly TargetId Gamma = Id("019593fe-f175-79a2-a930-122eb7ec7a92");
    private static readonly TargetId Omega = Id("019593ff-dbd5-7897-8060-82a287863c61");
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
        Entry("019593fb-47f5-7071-bb6f-4e43216770fb", Acme, HistoryAction.Created, null, "Active", 1, At(1), Alice, "corr-0001"),
        Entry("019593fc-3255-7aa0-aa4c-ab445a8ef6e8", Societe, HistoryAction.Created, null, "Hot", 1, At(2), Bob, "corr-0002"),
        Entry("019593fd-1cb5-7692-9ff2-0a31c0be0161", Emoji, HistoryAction.Created, null, null, 1, At(3), Anonymous, "019593fd1cb5710b96212adb954affa1"),
        Entry("019593fe-0715-7667-947d-383505fec8d8", Zeta, HistoryAction.Created, null, "Cold", 1, At(4), Alice, "corr-bulk-0004"),
        Entry("019593fe-0715-76f6-a8d3-0b150e2f55e4", Beta, HistoryAction.Created, null, "Passed", 1, At(4), Alice, "corr-bulk-0004"),
        Entry("019593fe-f175-79b7-a310-f6a648f820f7", Gamma, HistoryAction.Created, null, "Active", 1, At(5), Alice, "corr-0005"),
        Entry("019593ff-dbd5-73d4-98cd-b55f5b70130d", Omega, HistoryAction.Created, null, "Active", 1, At(6), Alice, "corr-0006"),
        Entry("01959400-c635-7356-affa-a7d406beefd3", Beta, HistoryAction.StatusChanged, "Passed", "Cold", 2, At(7), Carol, "corr-0007"),
        Entry("01959401-b095-704b-9873-ce8d4c095842", Societe, HistoryAction.StatusChanged, "Hot", "Active", 2, At(8), Bob, "corr-0008"),
        Entry("01959402-9af5-7bdd-981d-40c898054689", Beta, HistoryAction.Updated, "Cold", "Cold", 3, At(9), Carol, "corr-0009"),
        Entry("01959403-8555-7a83-89c9-6c986ba4cb11", Omega, HistoryAction.StatusChanged, "Active", "Closed", 2, At(10), Alice, "corr-0010"),
        Entry("01959404-6fb5-7250-9291-e971eb04b058", Gamma, HistoryAction.StatusChanged, "Active", "Hot", 2, At(11), Bob, "corr-0011"),
        Entry("01959405-5a15-7687-880a-66a8deaa8d65", Gamma, HistoryAction.Deleted, "Hot", null, 3, At(12), Carol, "corr-0012"),
        Entry("01959407-2ed5-7cdf-8ff4-ee56e69bc9fb", Acme, HistoryAction.StatusChanged, "Active", "Hot", 2, At(14), Ops, OperationId, OperationId),
        Entry("01959408-1935-732b-92f5-305ca055daa0", Zeta, HistoryAction.StatusChanged, "Cold", "Hot", 2, At(15), Ops, OperationId, OperationId),
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
        new(OperationId, Omega, "transition_not_allowed", "Target 019593ff-dbd5-7897-8060-82a287863c61 cannot move from Closed to Hot. Closed is a final status.", At(15)),
    ];

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

    /// <summary>
    /// Restores the 0.1 dump into a new schema, as psql would: plain statements as they are (the dump's <c>SET</c>s and
    /// <c>search_path</c> stay on this connection, which is not pooled), COPY blocks through COPY FROM STDIN, psql's
    /// backslash commands skipped.
    /// </summary>
    private async Task<string> RestoreAsync()
    {
        var schema = PostgreSqlFixture.NewSchema();
        var dump = (await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Data", "v0.1.sql"))).Replace(DumpSchema, schema, StringComparison.Ordinal);
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(fixture.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        var statements = new StringBuilder();
        using var reader = new StringReader(dump);
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("COPY ", StringComparison.Ordinal) && line.EndsWith(" FROM stdin;", StringComparison.Ordinal))
            {
                await ExecuteAsync(connection, statements);
                await using var copy = await connection.BeginTextImportAsync(line[..^1]);
                while (await reader.ReadLineAsync() is { } row && row != "\\.")
                {
                    await copy.WriteAsync(row + "\n");
                }
            }
            else if (!line.StartsWith('\\'))
            {
                statements.Append(line).Append('\n');
            }
        }

        await ExecuteAsync(connection, statements);
        return schema;

        static async Task ExecuteAsync(NpgsqlConnection connection, StringBuilder statements)
        {
            await using var command = new NpgsqlCommand(statements.ToString(), connection);
            await command.ExecuteNonQueryAsync();
            statements.Clear();
        }
    }

    /// <summary>Restores the dump into a new schema and opens it with today's store (its migrations on, as by default).</summary>
    private async Task<(PostgreSqlTargetRepository Repository, string Schema)> OpenRestoredAsync()
    {
        var schema = await RestoreAsync();
        var repository = new PostgreSqlTargetRepository(fixture.DataSource, new PostgreSqlStoreOptions { Schema = schema });
        await repository.InitializeAsync();
        return (repository, schema);
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
    public async Task OldSchema_IsCurrent_NothingIsReapplied()
    {
        var schema = await RestoreAsync();
        var repository = new PostgreSqlTargetRepository(fixture.DataSource, new PostgreSqlStoreOptions { Schema = schema });

        Assert.Equal(3, await repository.GetSchemaVersionAsync());
        Assert.Equal(0, await repository.MigrateAsync());
        Assert.Equal(
            ["0001_targets_and_history", "0002_history_append_only", "0003_operations"],
            await Db.ScalarAsync<string[]>(fixture.DataSource, $"SELECT array_agg(name ORDER BY version) FROM \"{schema}\".schema_version"));

        // With migrations off the store starts on it too.
        var unmigrated = new PostgreSqlTargetRepository(fixture.DataSource, new PostgreSqlStoreOptions { Schema = schema, ApplyMigrations = false });
        await unmigrated.InitializeAsync();
        Assert.Equal(6, (await unmigrated.QueryAsync(new TargetQuery())).TotalCount);
    }

    [Fact]
    public async Task Targets_ReadBackVerbatim()
    {
        var (repository, _) = await OpenRestoredAsync();

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
        var (repository, _) = await OpenRestoredAsync();

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
        var (repository, _) = await OpenRestoredAsync();

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
        var (repository, _) = await OpenRestoredAsync();
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
        var (repository, _) = await OpenRestoredAsync();
        var operations = new TargetOperations(new TargetTracker(repository, new TargetTrackingOptions(), new FakeTimeProvider(At(100))));

        Assert.Equal(Operation, await repository.GetOperationAsync(OperationId));
        Assert.Equal(Failures, await repository.GetOperationFailuresAsync(OperationId, null, 100));
        Assert.Equal(Failures[1..], await repository.GetOperationFailuresAsync(OperationId, Missing, 100));
        Assert.Equal(Operation, Assert.Single(await repository.FindOperationsAsync([OperationStatus.Completed], null, 10)));
        Assert.Empty(await repository.FindOperationsAsync([OperationStatus.Pending, OperationStatus.Processing], null, 10));

        var summary = Ok(await operations.GetSummaryAsync(OperationId));
        Assert.Equal(new OperationSummary(OperationId, OperationStatus.Completed, 2, 2, 4, TimeSpan.FromMinutes(2), "svc-ops", "Ops Runner"), summary);
        Assert.Equal(new TargetOperationStats(Zeta, 1, At(15)), await operations.GetTargetStatsAsync(Zeta));

        // Running a finished operation again changes nothing.
        Assert.Equal(Operation, Ok(await operations.RunAsync(OperationId)));
    }

    [Fact]
    public async Task NewWrites_OnTheOldSchema_Work()
    {
        var (repository, schema) = await OpenRestoredAsync();
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

        // Purging a target's history goes through the old schema's trigger (its purge setting).
        var purging = new TargetTracker(repository, new TargetTrackingOptions { DeletePolicy = DeletePolicy.PurgeHistory }, clock);
        Ok(await purging.DeleteAsync(created.Id, 1, dave));
        Assert.Empty(await repository.GetHistoryAsync(created.Id, new HistoryPageRequest()));

        // A new tracked operation on the old tables (the failures' identity column continues).
        clock.Advance(TimeSpan.FromMinutes(1));
        var operations = new TargetOperations(tracker);
        Ok(await operations.StartAsync(new StartOperationRequest("op-upgrade", "Cold", OperationSelection.ForIds([Emoji, Missing])), dave));
        var done = Ok(await operations.RunAsync("op-upgrade"));
        Assert.Equal((OperationStatus.Completed, 2L, 1L, 1L), (done.Status, done.Processed, done.Succeeded, done.Failed));
        Assert.Equal("not_found", Assert.Single(await operations.GetFailuresAsync("op-upgrade")).Code);
        Assert.Equal(Operation, await repository.GetOperationAsync(OperationId));

        // The feed: the old entries unchanged and first, then the new ones.
        var feed = await repository.GetHistoryFeedAsync(new HistoryFeedRequest(DateTimeOffset.UnixEpoch, Limit: 1000));
        Assert.Equal(Feed, feed.Take(Feed.Length));
        Assert.Equal(
            [(Societe, HistoryAction.StatusChanged), (Emoji, HistoryAction.Updated), (Beta, HistoryAction.Deleted), (Emoji, HistoryAction.StatusChanged)],
            feed.Skip(Feed.Length).Select(e => (e.TargetId, e.Action)));

        // The old schema's triggers still guard history: UPDATE, DELETE and TRUNCATE are refused.
        foreach (var sql in new[]
        {
            $"UPDATE \"{schema}\".history SET actor_name = 'rewritten'",
            $"DELETE FROM \"{schema}\".history",
            $"TRUNCATE \"{schema}\".history",
        })
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(fixture.DataSource, sql));
            Assert.Equal(PostgresErrorCodes.RestrictViolation, error.SqlState);
            Assert.Contains("append-only", error.MessageText, StringComparison.Ordinal);
        }

        Assert.Equal(Feed.Length + 4L, await Db.CountAsync(fixture.DataSource, schema, "history"));
    }
}
