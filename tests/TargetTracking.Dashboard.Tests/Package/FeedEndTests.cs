using System.Diagnostics.Metrics;
using System.Net;

namespace TargetTracking.Dashboard.Tests.Package;

/// <summary>No other test runs beside these: they count the entries the whole process's change feeds read.</summary>
[CollectionDefinition(nameof(FeedReadCounting), DisableParallelization = true)]
public sealed class FeedReadCounting;

/// <summary>A stream opened without a position starts at the end of the feed without reading the feed.</summary>
[Collection(nameof(FeedReadCounting))]
public sealed class FeedEndTests : IAsyncLifetime
{
    private PackageHost _host = null!;

    public async Task InitializeAsync() => _host = await PackageHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Feed_WithoutAPosition_StartsAfterTheNewestEntry_InAFewOneEntryReads()
    {
        var client = _host.Client(PackageHost.AllRoles);
        const int Changes = 600;
        TargetDto? last = null;
        for (var i = 0; i < Changes; i++)
        {
            last = await client.CreateAsync($"Target {i}", prefix: PackageHost.Prefix); // one unit of work, one commit sequence, each
        }

        long read = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == TargetTrackingTelemetry.Name && instrument.Name == "targettracking.feed.entries")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref read, value));
        listener.Start();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await client.GetAsync($"{PackageHost.Prefix}/feed", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var opened = await NextEventAsync(reader, timeout.Token);
        var readAtConnect = Interlocked.Read(ref read);

        // About two reads of one entry per doubling of the commit sequence: 600 commits take ~20, not 600.
        Assert.Equal("open", opened.Kind);
        Assert.InRange(readAtConnect, 1, 2 * (long)Math.Ceiling(Math.Log2(Changes)) + 2);

        var moved = await client.ChangeStatusOkAsync(last!.Id, "Active", last.Version, PackageHost.Prefix);
        var next = await NextEventAsync(reader, timeout.Token);
        Assert.Equal("entry", next.Kind);
        Assert.Contains($"\"targetId\":\"{moved.Id}\"", next.Data, StringComparison.Ordinal);
        Assert.Contains("\"action\":\"statusChanged\"", next.Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Feed_WithoutAPosition_OnAnEmptyStore_StartsAtTheStart()
    {
        var client = _host.Client(PackageHost.AllRoles);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await client.GetAsync($"{PackageHost.Prefix}/feed", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        Assert.Equal(("open", FeedToken.Start.ToString()), await NextEventAsync(reader, timeout.Token) is var e ? (e.Kind, e.Data) : default);

        var created = await client.CreateAsync("First ever", prefix: PackageHost.Prefix);
        Assert.Contains($"\"targetId\":\"{created.Id}\"", (await NextEventAsync(reader, timeout.Token)).Data, StringComparison.Ordinal);
    }

    private static async Task<(string? Kind, string Data)> NextEventAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        string? kind = null;
        var data = "";
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                return (kind, data);
            }

            if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                kind = line[6..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data += line[5..].TrimStart();
            }
        }

        throw new EndOfStreamException();
    }
}
