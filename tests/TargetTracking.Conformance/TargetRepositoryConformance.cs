using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>
/// The behaviour every store must have, driven through the <see cref="TargetTracker"/> façade. An adapter
/// signs up with an empty subclass:
/// <c>public sealed class MyStoreConformance(MyFixture f) : TargetRepositoryConformance&lt;MyFixture&gt;(f);</c>
/// </summary>
public abstract partial class TargetRepositoryConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, IStoreFixture
{
    protected static readonly AuditContext Alice = new()
    {
        ActorId = "u-1",
        ActorName = "Alice",
        CorrelationId = "corr-1",
        ClientAddress = "10.0.0.7",
        UserAgent = "tests/1.0",
    };

    protected TFixture Fixture { get; } = fixture;

    protected FakeTimeProvider Clock { get; } = new();

    protected async Task<TargetTracker> NewTrackerAsync(Action<TargetTrackingOptions>? configure = null)
    {
        var options = new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero };
        configure?.Invoke(options);
        return new TargetTracker(await Fixture.CreateRepositoryBesideANeighbourAsync(), options, Clock);
    }

    protected static async Task<Target> CreateAsync(TargetTracker tracker, string name, string? status = null, params string[] markets)
    {
        var created = await tracker.CreateAsync(new NewTarget(name, null, markets, status), Alice);
        Assert.True(created.IsSuccess, created.ToString());
        return created.Value;
    }

    protected static async Task<List<HistoryEntry>> HistoryAsync(TargetTracker tracker, TargetId id) =>
        [.. await tracker.GetHistoryAsync(id, new HistoryPageRequest(Limit: 1000))];

    [Fact]
    public async Task Create_ThenGet_RoundTripsEveryField()
    {
        var tracker = await NewTrackerAsync();
        var created = await tracker.CreateAsync(new NewTarget("Acme 'GmbH'; DROP TABLE targets;--", "desc ✓ 🚀", [" EU ", "us"], "cold"));
        Assert.True(created.IsSuccess, created.ToString());
        var read = await tracker.GetAsync(created.Value.Id);
        Assert.True(read.IsSuccess);
        Assert.True(created.Value.SameAs(read.Value), $"{created.Value} != {read.Value}");
        Assert.Equal(["EU", "us"], read.Value.Markets);
        Assert.Equal("Cold", read.Value.Status);
        Assert.Equal(1, read.Value.Version);
        Assert.Equal(Clock.GetUtcNow(), read.Value.CreatedAt);
        Assert.Equal(Clock.GetUtcNow(), read.Value.StatusChangedAt);
        Assert.Equal(TimeSpan.Zero, read.Value.CreatedAt.Offset);
    }

    [Theory]
    [InlineData("O'Brien \"quoted\" \\ backslash")]
    [InlineData("'); DELETE FROM history; --")]
    [InlineData("emoji 🚀🔥 and ünïcödé 漢字")]
    [InlineData("tab\tnew\nline\rcarriage\u0001\u001f\u007f")]
    [InlineData("%_ like wildcards [x]")]
    public async Task Create_WithHostileText_StoresItVerbatim(string text)
    {
        var tracker = await NewTrackerAsync();
        var created = await tracker.CreateAsync(new NewTarget(text, text, [text.Trim()]));
        Assert.True(created.IsSuccess, created.ToString());
        var read = (await tracker.GetAsync(created.Value.Id)).Value!;
        Assert.Equal(text, read.Name);
        Assert.Equal(text, read.Description);
        Assert.Equal(text.Trim(), Assert.Single(read.Markets));
        var found = await tracker.QueryAsync(new TargetQuery { NameContains = text, Market = text.Trim() });
        Assert.Equal(read.Id, Assert.Single(found.Items).Id);
    }

    [Fact]
    public async Task Create_RecordsCreatedEntryWithAuditContext()
    {
        var tracker = await NewTrackerAsync();
        var target = await CreateAsync(tracker, "Acme", "Hot");
        var entry = Assert.Single(await HistoryAsync(tracker, target.Id));
        Assert.Equal(HistoryAction.Created, entry.Action);
        Assert.Null(entry.OldStatus);
        Assert.Equal("Hot", entry.NewStatus);
        Assert.Equal(1, entry.Version);
        Assert.Equal(target.Id, entry.TargetId);
        Assert.Equal(Clock.GetUtcNow(), entry.OccurredAt);
        Assert.Equal(("u-1", "Alice", "corr-1", "10.0.0.7", "tests/1.0"), (entry.ActorId, entry.ActorName, entry.CorrelationId, entry.ClientAddress, entry.UserAgent));
        Assert.Null(entry.OperationId);
    }

    [Fact]
    public async Task Create_Invalid_ReturnsFieldErrors_AndWritesNothing()
    {
        var tracker = await NewTrackerAsync();
        var result = await tracker.CreateAsync(new NewTarget(" ", new string('d', TargetRules.MaxDescriptionLength + 1), ["EU", "eu", ""]));
        var error = Assert.IsType<InvalidInputError>(result.Error);
        Assert.Equal(["name", "description", "markets[1]", "markets[2]"], error.Errors.Select(e => e.Field));
        Assert.Equal(0, (await tracker.QueryAsync()).TotalCount);
    }

    [Fact]
    public async Task Create_WithUnknownStatus_ReturnsKnownStatuses()
    {
        var tracker = await NewTrackerAsync();
        var result = await tracker.CreateAsync(new NewTarget("Acme", Status: "Lukewarm"));
        var error = Assert.IsType<UnknownStatusError>(result.Error);
        Assert.Equal(["Passed", "Cold", "Active", "Hot", "Closed"], error.KnownStatuses);
        Assert.Equal(0, (await tracker.QueryAsync()).TotalCount);
    }

    [Fact]
    public async Task Get_Missing_ReturnsNotFound()
    {
        var tracker = await NewTrackerAsync();
        var id = TargetId.New(Clock);
        Assert.Equal(new NotFoundError(id), (await tracker.GetAsync(id)).Error);
    }

    [Fact]
    public async Task ChangeStatus_Allowed_BumpsVersion_AndRecordsEntry()
    {
        var tracker = await NewTrackerAsync();
        var target = await CreateAsync(tracker, "Acme");
        Clock.Advance(TimeSpan.FromMinutes(5));
        var moved = await tracker.ChangeStatusAsync(target.Id, 1, "active", Alice with { ActorName = "Alice Renamed" });
        Assert.True(moved.IsSuccess, moved.ToString());
        Assert.Equal(("Active", 2L), (moved.Value.Status, moved.Value.Version));
        Assert.Equal(Clock.GetUtcNow(), moved.Value.UpdatedAt);
        Assert.Equal(Clock.GetUtcNow(), moved.Value.StatusChangedAt);
        Assert.Equal(target.CreatedAt, moved.Value.CreatedAt);
        Assert.True(moved.Value.SameAs((await tracker.GetAsync(target.Id)).Value));

        var history = await HistoryAsync(tracker, target.Id);
        Assert.Equal([2L, 1L], history.Select(h => h.Version));
        var entry = history[0];
        Assert.Equal((HistoryAction.StatusChanged, (string?)null, (string?)"Active", "Alice Renamed"), (entry.Action, entry.OldStatus, entry.NewStatus, entry.ActorName));
        Assert.Equal("Alice", history[1].ActorName);
    }

    [Fact]
    public async Task ChangeStatus_WithStaleVersion_ReturnsConflictWithCurrent_AndWritesNothing()
    {
        var tracker = await NewTrackerAsync();
        var target = await CreateAsync(tracker, "Acme", "Cold");
        var current = (await tracker.ChangeStatusAsync(target.Id, 1, "Active")).Value!;
        var result = await tracker.ChangeStatusAsync(target.Id, 1, "Hot");
        var conflict = Assert.IsType<VersionConflictError>(result.Error);
        Assert.Equal(1, conflict.ExpectedVersion);
        Assert.True(current.SameAs(conflict.Current));
        Assert.Equal(2, (await HistoryAsync(tracker, target.Id)).Count);
        Assert.True(current.SameAs((await tracker.GetAsync(target.Id)).Value));
    }

    [Fact]
    public async Task ChangeStatus_Forbidden_ReturnsAllowedNext_AndWritesNothing()
    {
        var tracker = await NewTrackerAsync();
        var target = await CreateAsync(tracker, "Acme", "Cold");
        var result = await tracker.ChangeStatusAsync(target.Id, 1, "Closed");
        var error = Assert.IsType<TransitionNotAllowedError>(result.Error);
        Assert.Equal(("Cold", (string?)"Closed"), (error.From, error.To));
        Assert.Equal(["Passed", "Active", "Hot"], error.AllowedNext);
        Assert.Single(await HistoryAsync(tracker, target.Id));
        Assert.Equal(1, (await tracker.GetAsync(target.Id)).Value!.Version);
    }

    [Fact]
    public async Task ChangeStatus_Unknown_ReturnsUnknownStatus_AndWritesNothing()
    {
        var tracker = await NewTrackerAsync();
        var target = await CreateAsync(tracker, "Acme", "Cold");
        Assert.IsType<UnknownStatusError>((await tracker.ChangeStatusAsync(target.Id, 1, "Frozen")).Error);
        Assert.Single(await HistoryAsync(tracker, target.Id));
    }

    [Fact]
    public async Task ChangeStatus_ToSameStatus_IsNoOp()
    {
        var tracker = await NewTrackerAsync();
        var target = await CreateAsync(tracker, "Acme", "Cold");
        Clock.Advance(TimeSpan.FromHours(1));
        var result = await tracker.ChangeStatusAsync(target.Id, 1, "COLD");
        Assert.True(result.IsSuccess);
        Assert.True(target.SameAs(result.Value));
        Assert.True(target.SameAs((await tracker.GetAsync(target.Id)).Value));
        Assert.Single(await HistoryAsync(tracker, target.Id));
    }

    [Fact]
    public async Task ChangeStatus_OfMissingTarget_ReturnsNotFound()
    {
        var tracker = await NewTrackerAsync();
        var id = TargetId.New(Clock);
        Assert.Equal(new NotFoundError(id), (await tracker.ChangeStatusAsync(id, 1, "Cold")).Error);
    }

    [Fact]
    public async Task ChangeStatus_BackToNotSet_WhenConfigured_StoresNull()
    {
        var tracker = await NewTrackerAsync(o => o.Pipeline.Permit("Cold", PipelineOptions.NotSet));
        var target = await CreateAsync(tracker, "Acme", "Cold");
        var result = await tracker.ChangeStatusAsync(target.Id, 1, null);
        Assert.True(result.IsSuccess, result.ToString());
        Assert.Null((await tracker.GetAsync(target.Id)).Value!.Status);
        var page = await tracker.QueryAsync(new TargetQuery { Statuses = [null] });
        Assert.Equal(target.Id, Assert.Single(page.Items).Id);
    }

    [Fact]
    public async Task Update_ChangesFields_AndRecordsUpdatedEntry()
    {
        var tracker = await NewTrackerAsync();
        var target = await CreateAsync(tracker, "Acme", "Hot", "EU");
        Clock.Advance(TimeSpan.FromMinutes(1));
        var result = await tracker.UpdateAsync(target.Id, 1, TargetUpdate.From(target) with { Name = "Acme Corp", Markets = ["US", "EU"] }, Alice);
        Assert.True(result.IsSuccess, result.ToString());
        var read = (await tracker.GetAsync(target.Id)).Value!;
        Assert.Equal(("Acme Corp", 2L, "Hot"), (read.Name, read.Version, read.Status));
        Assert.Equal(["US", "EU"], read.Markets);
        Assert.Equal(target.StatusChangedAt, read.StatusChangedAt);
        Assert.Equal(Clock.GetUtcNow(), read.UpdatedAt);
        var entry = (await HistoryAsync(tracker, target.Id))[0];
        Assert.Equal((HistoryAction.Updated, (string?)"Hot", (string?)"Hot", 2L), (entry.Action, entry.OldStatus, entry.NewStatus, entry.Version));
    }

    [Fact]
    public async Task Update_ThatChangesNothing_IsNoOp()
    {
        var tracker = await NewTrackerAsync();
        var target = await CreateAsync(tracker, "Acme", null, "EU");
        var result = await tracker.UpdateAsync(target.Id, 1, new TargetUpdate("Acme", null, [" EU"]));
        Assert.True(result.IsSuccess);
        Assert.Equal(1, result.Value.Version);
        Assert.Single(await HistoryAsync(tracker, target.Id));
    }

    [Fact]
    public async Task Update_Invalid_OrStale_WritesNothing()
    {
        var tracker = await NewTrackerAsync();
        var target = await CreateAsync(tracker, "Acme");
        Assert.IsType<InvalidInputError>((await tracker.UpdateAsync(target.Id, 1, new TargetUpdate(new string('n', 256)))).Error);
        Assert.IsType<VersionConflictError>((await tracker.UpdateAsync(target.Id, 7, new TargetUpdate("New"))).Error);
        Assert.IsType<InvalidInputError>((await tracker.UpdateAsync(target.Id, 0, new TargetUpdate("New"))).Error);
        Assert.True(target.SameAs((await tracker.GetAsync(target.Id)).Value));
        Assert.Single(await HistoryAsync(tracker, target.Id));
    }

    [Fact]
    public async Task Delete_KeepsHistory_AndAppendsDeletedEntry()
    {
        var tracker = await NewTrackerAsync();
        var target = await CreateAsync(tracker, "Acme", "Hot");
        var deleted = await tracker.DeleteAsync(target.Id, 1, Alice);
        Assert.True(deleted.IsSuccess, deleted.ToString());
        Assert.True(target.SameAs(deleted.Value));
        Assert.IsType<NotFoundError>((await tracker.GetAsync(target.Id)).Error);
        var history = await HistoryAsync(tracker, target.Id);
        Assert.Equal([HistoryAction.Deleted, HistoryAction.Created], history.Select(h => h.Action));
        Assert.Equal(("Hot", (string?)null, 2L), (history[0].OldStatus, history[0].NewStatus, history[0].Version));
        Assert.Equal(0, (await tracker.QueryAsync()).TotalCount);
    }

    [Fact]
    public async Task Delete_UnderPurgePolicy_RemovesHistory()
    {
        var tracker = await NewTrackerAsync(o => o.DeletePolicy = DeletePolicy.PurgeHistory);
        var target = await CreateAsync(tracker, "Acme", "Hot");
        var other = await CreateAsync(tracker, "Other", "Hot");
        Assert.True((await tracker.ChangeStatusAsync(target.Id, 1, "Active")).IsSuccess);
        Assert.True((await tracker.DeleteAsync(target.Id, 2)).IsSuccess);
        Assert.Empty(await HistoryAsync(tracker, target.Id));
        Assert.Single(await HistoryAsync(tracker, other.Id));
    }

    [Fact]
    public async Task Delete_MissingOrStale_ReturnsError_AndWritesNothing()
    {
        var tracker = await NewTrackerAsync();
        var target = await CreateAsync(tracker, "Acme");
        Assert.IsType<NotFoundError>((await tracker.DeleteAsync(TargetId.New(Clock), 1)).Error);
        Assert.IsType<VersionConflictError>((await tracker.DeleteAsync(target.Id, 2)).Error);
        Assert.True((await tracker.GetAsync(target.Id)).IsSuccess);
        Assert.Single(await HistoryAsync(tracker, target.Id));
        Assert.True((await tracker.DeleteAsync(target.Id, 1)).IsSuccess);
        Assert.IsType<NotFoundError>((await tracker.DeleteAsync(target.Id, 1)).Error);
    }

    [Fact]
    public async Task History_PagesNewestFirst_ByVersionKeyset()
    {
        var tracker = await NewTrackerAsync();
        var target = await CreateAsync(tracker, "Acme", "Cold");
        var version = 1L;
        foreach (var status in new[] { "Active", "Hot", "Active", "Hot", "Closed" })
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            version = (await tracker.ChangeStatusAsync(target.Id, version, status)).Value!.Version;
        }

        var first = await tracker.GetHistoryAsync(target.Id, new HistoryPageRequest(null, 4));
        Assert.Equal([6L, 5L, 4L, 3L], first.Select(h => h.Version));
        var second = await tracker.GetHistoryAsync(target.Id, new HistoryPageRequest(first[^1].Version, 4));
        Assert.Equal([2L, 1L], second.Select(h => h.Version));
        Assert.Equal(["Closed", "Hot", "Active", "Hot", "Active", "Cold"], first.Concat(second).Select(h => h.NewStatus));
    }

    [Fact]
    public async Task HistoryFeed_ReadsAcrossTargets_SinceAPoint_InTimeOrder()
    {
        var tracker = await NewTrackerAsync();
        var a = await CreateAsync(tracker, "A");
        Clock.Advance(TimeSpan.FromSeconds(10));
        var since = Clock.GetUtcNow();
        var b = await CreateAsync(tracker, "B");
        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.True((await tracker.ChangeStatusAsync(a.Id, 1, "Cold")).IsSuccess);
        Clock.Advance(TimeSpan.FromSeconds(10));
        var bulk = tracker.BeginBulk();
        bulk.Create(new NewTarget("C"));
        bulk.Create(new NewTarget("D"));
        Assert.True((await bulk.CommitAsync()).Succeeded);

        var feed = await tracker.GetHistoryFeedAsync(new HistoryFeedRequest(since, null, 1000));
        Assert.Equal(4, feed.Count);
        Assert.Equal([b.Id, a.Id], feed.Take(2).Select(e => e.TargetId));
        Assert.True(feed.Zip(feed.Skip(1)).All(p => (p.First.OccurredAt, p.First.Id).CompareTo((p.Second.OccurredAt, p.Second.Id)) < 0));

        var page1 = await tracker.GetHistoryFeedAsync(new HistoryFeedRequest(since, null, 3));
        var page2 = await tracker.GetHistoryFeedAsync(new HistoryFeedRequest(page1[^1].OccurredAt, page1[^1].Id, 3));
        Assert.Equal(feed.Select(e => e.Id), page1.Concat(page2).Select(e => e.Id));
    }

    [Fact]
    public async Task ConcurrentWriters_OnTheSameTargets_LoseNoUpdate_AndLeaveNoHistoryGap()
    {
        var tracker = await NewTrackerAsync();
        var targets = new List<Target>();
        for (var i = 0; i < 3; i++)
        {
            targets.Add(await CreateAsync(tracker, $"Race {i}", "Active"));
        }

        var wins = new System.Collections.Concurrent.ConcurrentBag<(TargetId Id, long ReadVersion)>();
        var conflicts = 0;
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var n = 0; n < 12; n++)
            {
                var id = targets[(w + n) % targets.Count].Id;
                var read = (await tracker.GetAsync(id)).Value!;
                var result = await tracker.ChangeStatusAsync(id, read.Version, read.Status == "Active" ? "Hot" : "Active");
                if (result.IsSuccess)
                {
                    wins.Add((id, read.Version));
                }
                else
                {
                    var conflict = Assert.IsType<VersionConflictError>(result.Error);
                    Assert.True(conflict.Current.Version > read.Version);
                    Interlocked.Increment(ref conflicts);
                }
            }
        })).ToArray();
        await Task.WhenAll(writers);

        Assert.Equal(8 * 12, wins.Count + conflicts);
        foreach (var target in targets)
        {
            var current = (await tracker.GetAsync(target.Id)).Value!;
            var won = wins.Where(w => w.Id == target.Id).Select(w => w.ReadVersion).Order().ToList();
            // Each version was won by exactly one writer, and every win is in the history.
            Assert.Equal(Enumerable.Range(1, won.Count).Select(v => (long)v), won);
            Assert.Equal(1 + won.Count, current.Version);
            var history = await HistoryAsync(tracker, target.Id);
            Assert.Equal(Enumerable.Range(1, (int)current.Version).Reverse().Select(v => (long)v), history.Select(h => h.Version));
            Assert.Equal(current.Status, history[0].NewStatus);
        }
    }
}
