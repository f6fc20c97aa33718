using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace TargetTracking.Conformance;

/// <summary>One request the receiver got.</summary>
/// <param name="Id">The <c>webhook-id</c> header.</param>
/// <param name="Body">The body as received.</param>
/// <param name="Verified">Whether the Standard Webhooks signature checked out against the secret.</param>
/// <param name="Status">What the receiver answered (0: no answer, the request hung until the sender gave up).</param>
/// <param name="ContentType">The request's content type.</param>
internal sealed record ReceivedWebhook(string Id, string Body, bool Verified, int Status, string? ContentType)
{
    public JsonElement Event => JsonDocument.Parse(Body).RootElement;

    public Guid EventId => Guid.Parse(Id);
}

/// <summary>
/// A subscriber on a loopback port (<see cref="HttpListener"/>): it verifies each request's signature the way a host's
/// receiver does (<see cref="WebhookSignature.Verify"/>), records it, and answers what the test's <see cref="Answer"/>
/// says: a status, or no answer until the sender gives up. It counts requests in flight at once.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly string _secret;
    private readonly Func<DateTimeOffset> _now;
    private readonly List<ReceivedWebhook> _received = [];
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly TaskCompletionSource _hangs = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _loop;
    private int _inFlight;
    private int _maxInFlight;

    public WebhookReceiver(string secret, Func<DateTimeOffset> now)
    {
        _secret = secret;
        _now = now;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = new Uri($"http://127.0.0.1:{port}/hooks/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public Uri Url { get; }

    /// <summary>Gets or sets what to answer a request (by its number, 1-based, and id): a status; 0 hangs until the sender gives up.</summary>
    public Func<int, string, int> Answer { get; set; } = (_, _) => 204;

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public IReadOnlyList<ReceivedWebhook> Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>Gets the requests answered 2xx, in the order they arrived.</summary>
    public IReadOnlyList<ReceivedWebhook> Delivered => [.. Received.Where(r => r.Status is >= 200 and < 300)];

    /// <summary>Waits until at least <paramref name="count"/> requests have arrived (answered or hanging).</summary>
    public async Task WaitForRequestsAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (Volatile.Read(ref _requests) < count)
        {
            await _arrived.WaitAsync(timeout.Token);
        }
    }

    private int _requests;

    public async ValueTask DisposeAsync()
    {
        _hangs.TrySetResult();
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var now = Interlocked.Increment(ref _inFlight);
        InterlockedMax(ref _maxInFlight, now);
        try
        {
            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            var id = context.Request.Headers[WebhookSignature.IdHeader] ?? "";
            var verified = WebhookSignature.Verify(
                _secret, id, context.Request.Headers[WebhookSignature.TimestampHeader], context.Request.Headers[WebhookSignature.SignatureHeader], body, _now());
            var number = Interlocked.Increment(ref _requests);
            var status = verified ? Answer(number, id) : 401;
            if (status == 0)
            {
                lock (_received)
                {
                    _received.Add(new ReceivedWebhook(id, body, verified, 0, context.Request.ContentType));
                }

                _arrived.Release();

                // No answer: the sender's timeout (or its death) ends the request.
                await _hangs.Task;
                return;
            }

            // Recorded before the answer: once the sender sees 2xx, the test sees the delivery.
            lock (_received)
            {
                _received.Add(new ReceivedWebhook(id, body, verified, status, context.Request.ContentType));
            }

            _arrived.Release();
            context.Response.StatusCode = status;
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
        {
            // The sender went away (a timeout, a kill).
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
