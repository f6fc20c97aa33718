using System.Text.Json;
using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>
/// Webhooks on every store: the store's part (a lease per subscription that excludes another sender until it ends, saves
/// fenced by it, dead letters taken once, tenants apart), and the sender against a receiver on a loopback port that
/// verifies every signature: each entry once and in order per target, CloudEvents with previous and current values,
/// retries with back-off on the fake clock after errors and timeouts, dead letters and replay, a restart that resumes,
/// two senders on one store that never post at once, tenants and the all-tenants subscription. An adapter signs up with an
/// empty subclass.
/// </summary>
/// <typeparam name="TFixture">The store's fixture.</typeparam>
public abstract class WebhookConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, IStoreFixture
{
    private static readonly AuditContext Alice = new() { ActorId = "u-1", ActorName = "Alice" };

    private static readonly string Secret = WebhookSignature.NewSecret();

    private FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 5, 1, 9, 0, 0, TimeSpan.Zero));

    private async Task<TargetTracker> NewTrackerAsync() =>
        new(await fixture.CreateRepositoryAsync(), new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero, MaxRetryAttempts = 10 }, Clock);

    private WebhookReceiver NewReceiver() => new(Secret, Clock.GetUtcNow);

    private WebhookSender NewSender(TargetTracker tracker, WebhookReceiver receiver, Action<WebhookOptions>? configure = null, Action<WebhookSubscription>? subscription = null)
    {
        var options = new WebhookOptions { BatchSize = 50, InstanceId = "sender-" + Guid.NewGuid().ToString("N")[..8] };
        var hook = new WebhookSubscription { Id = "crm", Url = receiver.Url, Secret = Secret };
        subscription?.Invoke(hook);
        options.Subscriptions.Add(hook);
        configure?.Invoke(options);
        return new WebhookSender(tracker, new HttpClient(), options, Clock);
    }

    private static async Task<int> DrainAsync(WebhookSender sender)
    {
        var total = 0;
        for (var pass = 0; pass < 100; pass++)
        {
            var delivered = await sender.DeliverOnceAsync();
            total += delivered;
            if (delivered == 0)
            {
                return total;
            }
        }

        throw new InvalidOperationException("The sender kept delivering after 100 passes.");
    }

    /// <summary>Creates two targets and moves them, interleaved: 6 entries.</summary>
    private async Task<IReadOnlyList<HistoryEntry>> WriteSomeAsync(TargetTracker tracker)
    {
        var a = (await tracker.CreateAsync(new NewTarget("Valves", null, ["EU"], "Cold"), Alice)).Value!;
        var b = (await tracker.CreateAsync(new NewTarget("Pumps", null, [], null), Alice)).Value!;
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True((await tracker.ChangeStatusAsync(a.Id, 1, "Active", Alice)).IsSuccess);
        Assert.True((await tracker.ChangeStatusAsync(b.Id, 1, "Hot", Alice)).IsSuccess);
        Assert.True((await tracker.ChangeStatusAsync(a.Id, 2, "Hot", Alice)).IsSuccess);
        Assert.True((await tracker.DeleteAsync(b.Id, 2, Alice)).IsSuccess);
        return [.. (await new ChangeFeed(tracker).ReadAsync(limit: 1000)).Entries.Select(e => e.Entry)];
    }

    // ---- the store's part ----

    [Fact]
    public async Task Lease_ExcludesAnotherSender_UntilItEnds_AndANewSubscriptionStartsAtTheFeedStart()
    {
        var store = (await NewTrackerAsync()).Port<IWebhookStore>();
        var now = Clock.GetUtcNow();
        var first = await store.TryLeaseAsync(new WebhookLease("crm", "a", now.AddMinutes(1)), now);
        Assert.Equal(new WebhookState("crm", null, 0, null, null), first);
        Assert.Null(await store.TryLeaseAsync(new WebhookLease("crm", "b", now.AddMinutes(1)), now.AddSeconds(59)));
        Assert.NotNull(await store.TryLeaseAsync(new WebhookLease("crm", "a", now.AddMinutes(2)), now.AddSeconds(59)));
        Assert.Null(await store.TryLeaseAsync(new WebhookLease("crm", "b", now.AddMinutes(3)), now.AddSeconds(119)));
        Assert.NotNull(await store.TryLeaseAsync(new WebhookLease("crm", "b", now.AddMinutes(3)), now.AddMinutes(2)));

        // Another subscription has its own lease.
        Assert.NotNull(await store.TryLeaseAsync(new WebhookLease("erp", "a", now.AddMinutes(1)), now));
    }

    [Fact]
    public async Task Save_IsFencedByTheLease_AndADeadLetterLandsWithIt_AndIsTakenOnce()
    {
        var store = (await NewTrackerAsync()).Port<IWebhookStore>();
        var now = Clock.GetUtcNow();
        var token = FeedToken.Of(7, 2, Guid.CreateVersion7());
        await store.TryLeaseAsync(new WebhookLease("crm", "a", now.AddMinutes(1)), now);
        var retry = new WebhookState("crm", token, 3, now.AddSeconds(40), "HTTP 503");
        Assert.True(await store.SaveAsync(retry, new WebhookLease("crm", "a", now.AddMinutes(1)), now.AddSeconds(1)));

        // Given up (its end moved to now): another sender takes it and reads what was saved; the old owner writes nothing more.
        Assert.True(await store.SaveAsync(retry, new WebhookLease("crm", "a", now.AddSeconds(2)), now.AddSeconds(2)));
        Assert.Equal(retry, await store.TryLeaseAsync(new WebhookLease("crm", "b", now.AddMinutes(1)), now.AddSeconds(2)));
        var letter = new WebhookDeadLetter("crm", Guid.CreateVersion7(), new TargetId(Guid.CreateVersion7()), token, "{\"id\":1}", 8, "HTTP 500", now.AddSeconds(3));
        Assert.False(await store.SaveAsync(new WebhookState("crm", null, 0, null, null), new WebhookLease("crm", "a", now.AddMinutes(5)), now.AddSeconds(3), letter));
        Assert.Empty(await store.ReadDeadLettersAsync("crm", 10));

        Assert.True(await store.SaveAsync(new WebhookState("crm", token, 0, null, null), new WebhookLease("crm", "b", now.AddMinutes(1)), now.AddSeconds(3), letter));
        Assert.Equal([letter], await store.ReadDeadLettersAsync("crm", 10));
        Assert.Empty(await store.ReadDeadLettersAsync("erp", 10));
        Assert.Equal(letter, await store.TakeDeadLetterAsync("crm", letter.EventId));
        Assert.Null(await store.TakeDeadLetterAsync("crm", letter.EventId));
        await store.AddDeadLetterAsync(letter with { Attempts = 9 });
        await store.AddDeadLetterAsync(letter with { Attempts = 10 });
        Assert.Equal(10, Assert.Single(await store.ReadDeadLettersAsync("crm", 10)).Attempts);
    }

    [Fact]
    public async Task Store_KeepsTenantsApart()
    {
        var tracker = await NewTrackerAsync();
        var acme = tracker.ForTenant("acme").Port<IWebhookStore>();
        var globex = tracker.ForTenant("globex").Port<IWebhookStore>();
        var now = Clock.GetUtcNow();
        await acme.TryLeaseAsync(new WebhookLease("crm", "a", now.AddMinutes(1)), now);
        Assert.NotNull(await globex.TryLeaseAsync(new WebhookLease("crm", "b", now.AddMinutes(1)), now));
        await acme.AddDeadLetterAsync(new WebhookDeadLetter("crm", Guid.CreateVersion7(), new TargetId(Guid.CreateVersion7()), FeedToken.Of(1, 1, Guid.Empty), "{}", 1, null, now));
        Assert.Single(await acme.ReadDeadLettersAsync("crm", 10));
        Assert.Empty(await globex.ReadDeadLettersAsync("crm", 10));
    }

    // ---- the sender against a receiver ----

    [Fact]
    public async Task Sender_DeliversEveryEntryOnce_Signed_InFeedOrder_AsCloudEvents()
    {
        var tracker = await NewTrackerAsync();
        var entries = await WriteSomeAsync(tracker);
        await using var receiver = NewReceiver();
        var sender = NewSender(tracker, receiver, o => o.BatchSize = 4);

        Assert.Equal(6, await DrainAsync(sender));
        Assert.All(receiver.Received, r => Assert.True(r.Verified));
        Assert.Equal(entries.Select(e => e.Id), receiver.Delivered.Select(r => r.EventId));
        var moved = receiver.Delivered[2].Event;
        Assert.Equal("1.0", moved.GetProperty("specversion").GetString());
        Assert.Equal("/targettracking", moved.GetProperty("source").GetString());
        Assert.Equal("targettracking.target.status_changed", moved.GetProperty("type").GetString());
        Assert.Equal(entries[2].TargetId.ToString(), moved.GetProperty("subject").GetString());
        Assert.Equal("default", moved.GetProperty("tenant").GetString());
        Assert.Equal("2026-05-01T09:00:01.000000Z", moved.GetProperty("time").GetString());
        Assert.Equal("Cold", moved.GetProperty("data").GetProperty("previous").GetProperty("status").GetString());
        Assert.Equal(1, moved.GetProperty("data").GetProperty("previous").GetProperty("version").GetInt64());
        Assert.Equal("Active", moved.GetProperty("data").GetProperty("current").GetProperty("status").GetString());
        Assert.Equal(2, moved.GetProperty("data").GetProperty("current").GetProperty("version").GetInt64());
        Assert.Equal("Alice", moved.GetProperty("data").GetProperty("actorName").GetString());
        Assert.Equal(JsonValueKind.Null, receiver.Delivered[0].Event.GetProperty("data").GetProperty("previous").ValueKind);
        Assert.Equal("targettracking.target.deleted", receiver.Delivered[5].Event.GetProperty("type").GetString());
        Assert.StartsWith("application/cloudevents+json", receiver.Delivered[0].ContentType, StringComparison.Ordinal);

        // Nothing new: nothing posted. A new entry goes alone.
        Assert.Equal(0, await sender.DeliverOnceAsync());
        var c = (await tracker.CreateAsync(new NewTarget("Gears", null, [], "Cold"), Alice)).Value!;
        Assert.Equal(1, await DrainAsync(sender));
        Assert.Equal(c.Id.ToString(), receiver.Delivered[^1].Event.GetProperty("subject").GetString());
        Assert.Equal(7, receiver.Received.Count);
    }

    [Fact]
    public async Task Sender_Filters_ByActionAndStatus()
    {
        var tracker = await NewTrackerAsync();
        var entries = await WriteSomeAsync(tracker);
        await using var receiver = NewReceiver();
        var sender = NewSender(tracker, receiver, subscription: s =>
        {
            s.Actions.Add(HistoryAction.StatusChanged);
            s.Statuses.Add("hot");
        });

        Assert.Equal(2, await DrainAsync(sender));
        Assert.Equal(
            entries.Where(e => e.Action == HistoryAction.StatusChanged && e.NewStatus == "Hot").Select(e => e.Id),
            receiver.Delivered.Select(r => r.EventId));
    }

    [Fact]
    public async Task Sender_ReceiverErrors_RetriedWithBackoffOnTheClock_InOrder_AndTheRetryStateSurvivesARestart()
    {
        var tracker = await NewTrackerAsync();
        var entries = await WriteSomeAsync(tracker);
        await using var receiver = NewReceiver();
        receiver.Answer = (n, _) => n is 2 or 3 ? 503 : 204;
        var sender = NewSender(tracker, receiver, o => (o.FirstRetryDelay, o.MaxRetryDelay) = (TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15)));

        Assert.Equal(1, await sender.DeliverOnceAsync());
        Assert.Equal(2, receiver.Received.Count);

        // Waiting out the back-off on the clock: nothing is posted before it ends.
        Clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, await sender.DeliverOnceAsync());
        Assert.Equal(2, receiver.Received.Count);
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, await sender.DeliverOnceAsync());
        Assert.Equal(3, receiver.Received.Count);

        // The second wait doubles, capped at 15 s; a new sender (a restart) keeps it, as it is kept in the store.
        var restarted = NewSender(tracker, receiver, o => (o.FirstRetryDelay, o.MaxRetryDelay) = (TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15)));
        Clock.Advance(TimeSpan.FromSeconds(14));
        Assert.Equal(0, await restarted.DeliverOnceAsync());
        Assert.Equal(3, receiver.Received.Count);
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(5, await DrainAsync(restarted));
        Assert.Equal(entries.Select(e => e.Id), receiver.Delivered.Select(r => r.EventId));
        Assert.Equal(entries[1].Id, Assert.Single(receiver.Received.Where(r => r.Status == 503).Select(r => r.EventId).Distinct()));
    }

    [Fact]
    public async Task Sender_NoAnswerWithinTheTimeout_IsAFailedAttempt_ThenRedelivered()
    {
        var tracker = await NewTrackerAsync();
        var entries = await WriteSomeAsync(tracker);
        await using var receiver = NewReceiver();
        receiver.Answer = (n, _) => n == 1 ? 0 : 204;
        var sender = NewSender(tracker, receiver, o => (o.RequestTimeout, o.FirstRetryDelay) = (TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1)));

        var pass = sender.DeliverOnceAsync();
        await receiver.WaitForRequestsAsync(1);
        Assert.False(pass.IsCompleted);
        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0, await pass);

        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(6, await DrainAsync(sender));
        Assert.Equal(entries.Select(e => e.Id), receiver.Delivered.Select(r => r.EventId));
        Assert.Equal(entries[0].Id, receiver.Received[0].EventId);
    }

    [Fact]
    public async Task Sender_AfterTheLastAttempt_DeadLettersAndMovesOn_ThenReplayDelivers()
    {
        var tracker = await NewTrackerAsync();
        var entries = await WriteSomeAsync(tracker);
        await using var receiver = NewReceiver();
        var poisoned = entries[2].Id.ToString();
        receiver.Answer = (_, id) => id == poisoned ? 500 : 204;
        var sender = NewSender(tracker, receiver, o => (o.MaxAttempts, o.FirstRetryDelay) = (2, TimeSpan.FromSeconds(1)));

        Assert.Equal(2, await sender.DeliverOnceAsync());
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3, await DrainAsync(sender));
        Assert.Equal(entries.Where(e => e.Id != entries[2].Id).Select(e => e.Id), receiver.Delivered.Select(r => r.EventId));

        var letter = Assert.Single(await sender.GetDeadLettersAsync("crm"));
        Assert.Equal((entries[2].Id, entries[2].TargetId, 2, "HTTP 500 Internal Server Error"), (letter.EventId, letter.TargetId, letter.Attempts, letter.LastError));

        // Still failing: it stays, one more attempt counted. Then the subscriber is fixed: delivered, gone from the list.
        Assert.Equal(WebhookReplayOutcome.Failed, await sender.ReplayAsync("crm", letter.EventId));
        Assert.Equal(3, Assert.Single(await sender.GetDeadLettersAsync("crm")).Attempts);
        receiver.Answer = (_, _) => 204;
        Assert.Equal(WebhookReplayOutcome.Delivered, await sender.ReplayAsync("crm", letter.EventId));
        Assert.Empty(await sender.GetDeadLettersAsync("crm"));
        Assert.Equal(WebhookReplayOutcome.NotFound, await sender.ReplayAsync("crm", letter.EventId));
        var replayed = receiver.Delivered[^1];
        Assert.True(replayed.Verified);
        Assert.Equal(letter.Body, replayed.Body);
        Assert.Equal(0, await sender.DeliverOnceAsync());
    }

    [Fact]
    public async Task Sender_StoppedAndStartedAgain_ResumesWhereItStopped_NothingLostNothingTwice()
    {
        var tracker = await NewTrackerAsync();
        var entries = await WriteSomeAsync(tracker);
        await using var receiver = NewReceiver();
        Assert.Equal(4, await NewSender(tracker, receiver, o => o.BatchSize = 4).DeliverOnceAsync());

        var more = (await tracker.CreateAsync(new NewTarget("Gears", null, [], "Cold"), Alice)).Value!;
        Assert.Equal(3, await DrainAsync(NewSender(tracker, receiver, o => o.BatchSize = 4)));
        Assert.Equal([.. entries.Select(e => e.Id), (await tracker.GetHistoryAsync(more.Id)).Single().Id], receiver.Delivered.Select(r => r.EventId));
    }

    [Fact]
    public async Task TwoSenders_OneStore_NeverPostOneSubscriptionAtOnce_AndDeliverEachEventOnce()
    {
        var tracker = await NewTrackerAsync();
        await using var receiver = NewReceiver();
        var a = NewSender(tracker, receiver, o => o.BatchSize = 3);
        var b = NewSender(tracker, receiver, o => o.BatchSize = 3);
        var written = new List<Guid>();
        for (var round = 0; round < 8; round++)
        {
            var t = (await tracker.CreateAsync(new NewTarget($"T{round}", null, [], "Cold"), Alice)).Value!;
            Assert.True((await tracker.ChangeStatusAsync(t.Id, 1, "Active", Alice)).IsSuccess);
            // A second pass of one sender waits for its first; the other sender finds the lease taken, or takes it after.
            await Task.WhenAll(a.DeliverOnceAsync(), b.DeliverOnceAsync(), a.DeliverOnceAsync());
        }

        while (await a.DeliverOnceAsync() + await b.DeliverOnceAsync() > 0)
        {
        }

        var feed = (await new ChangeFeed(tracker).ReadAsync(limit: 1000)).Entries.Select(e => e.Entry.Id);
        Assert.Equal(feed, receiver.Delivered.Select(r => r.EventId));
        Assert.Equal(1, receiver.MaxInFlight);
    }

    [Fact]
    public async Task Sender_TenantSubscription_GetsItsTenantOnly_AllTenants_GetsEveryTenantNamed()
    {
        var tracker = await NewTrackerAsync();
        var acme = tracker.ForTenant("acme");
        var globex = tracker.ForTenant("globex");
        var a = (await acme.CreateAsync(new NewTarget("Acme deal", null, [], "Cold"), Alice)).Value!;
        var g = (await globex.CreateAsync(new NewTarget("Globex deal", null, [], "Cold"), Alice)).Value!;
        await using var receiver = NewReceiver();
        var options = new WebhookOptions { InstanceId = "one" };
        options.Subscriptions.Add(new WebhookSubscription { Id = "acme-crm", Url = receiver.Url, Secret = Secret, Tenant = "acme" });
        options.Subscriptions.Add(new WebhookSubscription { Id = "back-office", Url = receiver.Url, Secret = Secret, AllTenants = true });
        var sender = new WebhookSender(tracker, new HttpClient(), options, Clock);

        Assert.Equal(3, await DrainAsync(sender));
        var subjects = receiver.Delivered.Select(r => (r.Event.GetProperty("subject").GetString(), r.Event.GetProperty("tenant").GetString())).ToList();
        Assert.Equal(2, subjects.Count(s => s == (a.Id.ToString(), "acme")));
        Assert.Equal(1, subjects.Count(s => s == (g.Id.ToString(), "globex")));

        // Each subscription's position lives in its tenant (the back office's in the default tenant).
        Assert.NotNull((await acme.Port<IWebhookStore>().TryLeaseAsync(new WebhookLease("acme-crm", "probe", Clock.GetUtcNow().AddMinutes(1)), Clock.GetUtcNow()))?.Position);
        Assert.NotNull((await tracker.ForTenant(TenantIds.Default).Port<IWebhookStore>().TryLeaseAsync(new WebhookLease("back-office", "probe", Clock.GetUtcNow().AddMinutes(1)), Clock.GetUtcNow()))?.Position);
    }
}
