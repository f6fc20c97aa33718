using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>
/// The webhook sender killed with SIGKILL while a subscriber holds one of its requests: a child process
/// (<c>TargetTracking.CrashWorker --mode webhooks</c>) delivers from the store, the receiver holds its k-th request
/// unanswered, the test kills the child, and a new sender (this process, its clock past the dead one's lease) takes the
/// subscription over. The event whose request died with the child is posted again, nothing is lost, and the events
/// subscribers took are exactly the feed, in order. An adapter signs up with an empty subclass whose fixture implements
/// <see cref="ISharedStoreFixture"/>.
/// </summary>
/// <typeparam name="TFixture">The store's fixture.</typeparam>
public abstract class WebhookCrashTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, ISharedStoreFixture
{
    private const int SigkillExitCode = 128 + 9;

    [Fact]
    public async Task Sender_KilledMidRequest_ANewSenderRedeliversThatEvent_AndLosesNothing()
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var store = await fixture.CreateSharedStoreAsync();
        var tracker = new TargetTracker(store.Repository, new TargetTrackingOptions());
        for (var i = 0; i < 4; i++)
        {
            var t = (await tracker.CreateAsync(new NewTarget($"Target {i}", null, [], "Cold"))).Value!;
            Assert.True((await tracker.ChangeStatusAsync(t.Id, 1, "Active")).IsSuccess);
            Assert.True((await tracker.ChangeStatusAsync(t.Id, 2, "Hot")).IsSuccess);
        }

        var feed = (await new ChangeFeed(tracker).ReadAsync(limit: 1000)).Entries.Select(e => e.Entry.Id).ToList();
        var secret = WebhookSignature.NewSecret();
        var now = TimeProvider.System.GetUtcNow;
        await using var receiver = new WebhookReceiver(secret, () => now());
        var k = Random.Shared.Next(2, feed.Count);
        receiver.Answer = (n, _) => n == k ? 0 : 204;

        await using (var child = CrashWorkerProcess.Start(
            store,
            new Dictionary<string, string> { ["TARGETTRACKING_CRASH_SECRET"] = secret },
            "--mode", "webhooks", "--url", receiver.Url.ToString()))
        {
            await receiver.WaitForRequestsAsync(k).WaitAsync(patience.Token);
            Assert.Equal(SigkillExitCode, await child.KillAsync());
        }

        Assert.Equal(feed.Take(k - 1), receiver.Delivered.Select(r => r.EventId));
        var held = receiver.Received[^1];
        Assert.Equal((feed[k - 1], 0), (held.EventId, held.Status));

        // A restart after the dead sender's lease (ten minutes) ended.
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow().AddMinutes(11));
        now = clock.GetUtcNow;
        receiver.Answer = (_, _) => 204;
        var options = new WebhookOptions { InstanceId = "restarted" };
        options.Subscriptions.Add(new WebhookSubscription { Id = "crash", Url = receiver.Url, Secret = secret });
        var sender = new WebhookSender(tracker, new HttpClient(), options, clock);
        Assert.Equal(feed.Count - (k - 1), await sender.DeliverOnceAsync(patience.Token));

        Assert.Equal(feed, receiver.Delivered.Select(r => r.EventId));
        Assert.Equal(2, receiver.Received.Count(r => r.EventId == feed[k - 1]));
        Assert.All(receiver.Received, r => Assert.True(r.Verified));
    }
}
