using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TargetTracking.Conformance;

namespace TargetTracking.Tests;

/// <summary>
/// docs/webhooks.md: the host's registration and a subscriber's signature check, compiled, run against each other and
/// checked verbatim against the page; the Standard Webhooks test vector; the options' defaults and messages.
/// </summary>
public sealed class WebhookDocsSamples
{
    /// <summary>What the subscriber of the sample took: each event once, by id.</summary>
    private static readonly ConcurrentDictionary<string, JsonElement> Taken = new();

    [Fact]
    public async Task HostAndSubscriber_TheHostedSenderDeliversSignedEvents_TheSubscriberChecksAndTakesThem()
    {
        using var listener = new HttpListener();
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/hooks/");
        listener.Start();
        var secretFromConfiguration = WebhookSignature.NewSecret();
        var serving = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;     // stopped
                }

                await ReceiveAsync(context, secretFromConfiguration);
            }
        });

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        var subscriberUrl = new Uri($"http://127.0.0.1:{port}/hooks/targets");

        #region sample_webhooks_host
        builder.Services.AddTargetTracking().UseInMemory()
            .AddWebhooks(webhooks =>
            {
                webhooks.Source = "https://deals.example.com/targets";
                webhooks.Subscriptions.Add(new WebhookSubscription
                {
                    Id = "crm",                                    // keys its position: keep it when the URL changes
                    Url = subscriberUrl,
                    Secret = secretFromConfiguration,              // whsec_…, from WebhookSignature.NewSecret()
                    Actions = { HistoryAction.StatusChanged },    // empty: every action
                    Statuses = { "Hot", "Closed" },               // moves into or out of these; empty: every status
                });
            });
        #endregion

        using var host = builder.Build();
        await host.StartAsync();
        var tracker = host.Services.GetRequiredService<TargetTracker>();
        var deal = (await tracker.CreateAsync(new NewTarget("Valves deal", null, ["EU"], "Active"))).Value!;
        await tracker.ChangeStatusAsync(deal.Id, deal.Version, "Hot");

        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (Taken.IsEmpty)
        {
            await Task.Delay(20, patience.Token);
        }

        await host.StopAsync();
        listener.Stop();
        await serving;

        var moved = Assert.Single(Taken.Values);
        Assert.Equal("https://deals.example.com/targets", moved.GetProperty("source").GetString());
        Assert.Equal(("Active", "Hot"), (moved.GetProperty("data").GetProperty("previous").GetProperty("status").GetString(), moved.GetProperty("data").GetProperty("current").GetProperty("status").GetString()));

        #region sample_webhooks_dead_letters
        var sender = host.Services.GetRequiredService<WebhookSender>();
        foreach (var letter in await sender.GetDeadLettersAsync("crm"))
        {
            Console.WriteLine($"{letter.EventId} {letter.TargetId} failed {letter.Attempts} times: {letter.LastError}");
            var outcome = await sender.ReplayAsync("crm", letter.EventId);   // Delivered, Failed (kept) or NotFound
            Console.WriteLine($"replayed: {outcome}");
        }
        #endregion
    }

    #region sample_webhooks_receiver
    // The subscriber: check the signature over the raw body before reading it, then take each event once by its id
    // (delivery is at least once: a retry or a restart may post an event again, with the same webhook-id).
    private static async Task ReceiveAsync(HttpListenerContext context, string secret)
    {
        using var reader = new StreamReader(context.Request.InputStream);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers;
        if (!WebhookSignature.Verify(secret, headers["webhook-id"], headers["webhook-timestamp"], headers["webhook-signature"], body, TimeProvider.System.GetUtcNow()))
        {
            context.Response.StatusCode = 401;                // not from the sender, or too old: never retried into success
            context.Response.Close();
            return;
        }

        var cloudEvent = JsonDocument.Parse(body).RootElement;
        Taken.TryAdd(headers["webhook-id"]!, cloudEvent.Clone());   // the id is the event's: a duplicate is a no-op
        context.Response.StatusCode = 204;                    // any 2xx: taken; anything else is retried
        context.Response.Close();
    }
    #endregion

    [Fact]
    public void Signature_MatchesTheStandardWebhooksTestVector_AndRejectsTamperingAndOldTimestamps()
    {
        // The example of the Standard Webhooks specification and its reference libraries.
        const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        const string Id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        const string Body = "{\"test\": 2432232314}";
        var at = DateTimeOffset.FromUnixTimeSeconds(1614265330);
        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", WebhookSignature.Sign(Secret, Id, at, Body));

        var signature = WebhookSignature.Sign(Secret, Id, at, Body);
        Assert.True(WebhookSignature.Verify(Secret, Id, "1614265330", signature, Body, at.AddMinutes(4)));
        Assert.True(WebhookSignature.Verify(Secret, Id, "1614265330", "v1,bm90IHRoaXMgb25l " + signature, Body, at));
        Assert.False(WebhookSignature.Verify(Secret, Id, "1614265330", signature, Body + " ", at));
        Assert.False(WebhookSignature.Verify(Secret, "msg_other", "1614265330", signature, Body, at));
        Assert.False(WebhookSignature.Verify(Secret, Id, "1614265331", signature, Body, at));
        Assert.False(WebhookSignature.Verify(Secret, Id, "1614265330", signature, Body, at.AddMinutes(6)));
        Assert.False(WebhookSignature.Verify(WebhookSignature.NewSecret(), Id, "1614265330", signature, Body, at));
        Assert.False(WebhookSignature.Verify(Secret, null, "1614265330", signature, Body, at));
        Assert.Throws<ArgumentException>(() => WebhookSignature.Sign("not-a-secret", Id, at, Body));
        Assert.True(WebhookSignature.TryReadSecret(WebhookSignature.NewSecret(), out var key) && key.Length == 32);
    }

    [Fact]
    public void Options_Defaults_AndEachProblemNamesItsSetting()
    {
        var defaults = new WebhookOptions();
        Assert.Equal((100, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15), TimeSpan.FromMinutes(1), 8, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10), "/targettracking"),
            (defaults.BatchSize, defaults.PollInterval, defaults.RequestTimeout, defaults.LeaseDuration, defaults.MaxAttempts, defaults.FirstRetryDelay, defaults.MaxRetryDelay, defaults.Source));
        Assert.Empty(defaults.Validate());
        Assert.Equal([TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20), TimeSpan.FromMinutes(10)], new[] { 1, 2, 3, 30 }.Select(defaults.RetryDelay));

        var bad = new WebhookOptions { BatchSize = 0, LeaseDuration = TimeSpan.FromSeconds(20), MaxAttempts = 0, MaxRetryDelay = TimeSpan.FromSeconds(1) };
        bad.Subscriptions.Add(new WebhookSubscription { Id = "crm", Url = new Uri("ftp://example.com/"), Secret = "whsec_short", Tenant = "acme", AllTenants = true });
        bad.Subscriptions.Add(new WebhookSubscription { Id = "crm", Url = new Uri("https://example.com/"), Secret = WebhookSignature.NewSecret() });
        var problems = bad.Validate();
        Assert.Contains(problems, p => p.StartsWith("Webhooks:Subscriptions:0:Url", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Webhooks:Subscriptions:0:Secret", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Webhooks:Subscriptions:0: a subscription is either", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("the id 'crm' is used 2 times", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Webhooks:BatchSize", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Webhooks:LeaseDuration", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Webhooks:MaxAttempts", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Webhooks:MaxRetryDelay", StringComparison.Ordinal));
        Assert.Equal(8, problems.Count);

        var services = new ServiceCollection();
        services.AddTargetTracking().UseInMemory().AddWebhooks(o => o.BatchSize = 0).AddWebhooks(_ => { });
        using var provider = services.BuildServiceProvider();
        Assert.Single(services, d => d.ServiceType == typeof(WebhookSender));
        var failure = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<WebhookOptions>>().Value);
        Assert.Contains("Webhooks:BatchSize", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sample_webhooks_host")]
    [InlineData("sample_webhooks_receiver")]
    [InlineData("sample_webhooks_dead_letters")]
    public void TheDocsShowTheSamplesVerbatim(string region) => DocSync.AssertShown("WebhookDocsSamples.cs.txt", "webhooks.md", region);
}
