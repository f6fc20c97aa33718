using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;

namespace TargetTracking.Dashboard.Tests;

/// <summary><c>/health</c>, and the page's live updates: the change feed as Server-Sent Events that resume after a reconnect.</summary>
public sealed class LiveFeedTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Health_AnswersHealthy_FromTheTargetTrackingChecks()
    {
        var response = await _client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Feed_StreamsChangesAsServerSentEvents_AndResumesAfterTheLastEventId()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var first = await _client.CreateAsync("Before the stream", status: "Cold");

        // A stream opened without a position starts with new changes only.
        var stream = await OpenAsync(null, timeout.Token);
        var moved = await _client.ChangeStatusOkAsync(first.Id, "Active", first.Version);
        var second = await _client.CreateAsync("While streaming", status: "Cold");
        var (id1, entry1) = await stream.NextEntryAsync(timeout.Token);
        var (id2, entry2) = await stream.NextEntryAsync(timeout.Token);
        Assert.Equal((first.Id, "statusChanged", moved.Version), (entry1.GetProperty("targetId").GetGuid(), entry1.GetProperty("action").GetString(), entry1.GetProperty("version").GetInt64()));
        Assert.Equal((second.Id, "created"), (entry2.GetProperty("targetId").GetGuid(), entry2.GetProperty("action").GetString()));
        stream.Dispose();

        // The browser reconnects with the last id it saw: the stream resumes right after it, changes made meanwhile included.
        var third = await _client.CreateAsync("While disconnected", status: "Cold");
        var resumed = await OpenAsync(id1, timeout.Token);
        Assert.Equal(id2, (await resumed.NextEntryAsync(timeout.Token)).Id);
        Assert.Equal(third.Id, (await resumed.NextEntryAsync(timeout.Token)).Entry.GetProperty("targetId").GetGuid());
        resumed.Dispose();
    }

    [Fact]
    public async Task Feed_RefusesAnIdItDidNotSend()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/feed");
        request.Headers.Add("Last-Event-ID", "not-a-token");
        var response = await _client.SendAsync(request);
        await response.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public void OpenTelemetry_ExportsTheTargetTrackingMeterAndSource_OnlyWhenAnEndpointIsConfigured()
    {
        Assert.Null(factory.Services.GetService(typeof(OpenTelemetry.Metrics.MeterProvider)));
        using var exporting = factory.WithWebHostBuilder(b => b.UseSetting("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"));
        Assert.NotNull(exporting.Services.GetService(typeof(OpenTelemetry.Metrics.MeterProvider)));
        Assert.NotNull(exporting.Services.GetService(typeof(OpenTelemetry.Trace.TracerProvider)));
    }

    [Fact]
    public void ObservabilityPage_ShowsTheDashboardsOpenTelemetrySetupVerbatim() =>
        TargetTracking.Conformance.DocSync.AssertShown("Program.cs.txt", "observability.md", "sample_opentelemetry");

    [Fact]
    public async Task Page_FollowsTheFeedWithEventSource()
    {
        var page = await _client.GetStringAsync("/");
        Assert.Contains("new EventSource(\"/api/feed\")", page, StringComparison.Ordinal);
    }

    private async Task<EventStream> OpenAsync(string? lastEventId, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/feed");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var stream = new EventStream(response, new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken)));
        var (kind, _, _) = await stream.NextAsync(cancellationToken);
        Assert.Equal("open", kind);
        return stream;
    }

    /// <summary>Reads Server-Sent Events (id, event, data lines; a blank line ends one).</summary>
    private sealed class EventStream(HttpResponseMessage response, StreamReader reader) : IDisposable
    {
        public async Task<(string? Kind, string? Id, string Data)> NextAsync(CancellationToken cancellationToken)
        {
            string? kind = null, id = null, data = "";
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.Length == 0)
                {
                    return (kind, id, data);
                }

                var colon = line.IndexOf(':', StringComparison.Ordinal);
                var (field, value) = colon < 0 ? (line, "") : (line[..colon], line[(colon + 1)..].TrimStart());
                switch (field)
                {
                    case "event": kind = value; break;
                    case "id": id = value; break;
                    case "data": data += value; break;
                }
            }

            throw new EndOfStreamException("The event stream ended.");
        }

        public async Task<(string Id, JsonElement Entry)> NextEntryAsync(CancellationToken cancellationToken)
        {
            var (kind, id, data) = await NextAsync(cancellationToken);
            Assert.Equal("entry", kind);
            return (id!, JsonDocument.Parse(data).RootElement.Clone());
        }

        public void Dispose()
        {
            reader.Dispose();
            response.Dispose();
        }
    }
}
