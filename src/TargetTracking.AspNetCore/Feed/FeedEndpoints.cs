using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace TargetTracking.AspNetCore;

/// <summary>
/// <c>GET feed</c>: the change feed as Server-Sent Events. Each event carries one history entry as JSON, with the entry's
/// feed token as its id, so a browser's <c>EventSource</c> that reconnects sends it back as <c>Last-Event-ID</c> and the
/// stream resumes right after the last entry it saw. Without one, <c>?after=</c> names where to start, and with neither
/// the stream starts at the end (new changes only), found without reading the feed (<see cref="FeedEnd"/>).
/// </summary>
internal static class FeedEndpoints
{
    public static void Map(ApiGroups groups) =>
        groups.Read.MapGet("/feed", StreamAsync)
            .WithTags("Feed")
            .WithSummary("The change feed as Server-Sent Events (event: entry, id: its feed token); resumes after Last-Event-ID or ?after=, else starts with new changes.")
            .Produces<HistoryEntry>(contentType: "text/event-stream")
            .Problems(400);

    private static async Task StreamAsync(HttpContext context, ChangeFeed feed, IOptions<JsonOptions> json, string? after, CancellationToken cancellationToken)
    {
        var resumeFrom = context.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? after;
        FeedToken? from = null;
        if (resumeFrom is not null && !FeedToken.TryParse(resumeFrom, out from))
        {
            await TargetProblems.Invalid("after", "after (or Last-Event-ID) must be a token this feed sent.").ToProblem().ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        from ??= await FeedEnd.FindAsync(feed, cancellationToken).ConfigureAwait(false);
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";

        // Sent at once, so the client knows the stream is open (and where it starts) before the first change.
        await context.Response.WriteAsync($"retry: 2000\nevent: open\ndata: {from}\n\n", cancellationToken).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await foreach (var item in feed.SubscribeAsync(from, cancellationToken).ConfigureAwait(false))
            {
                var data = JsonSerializer.Serialize(item.Entry, json.Value.SerializerOptions);
                await context.Response.WriteAsync($"id: {item.Token}\nevent: entry\ndata: {data}\n\n", cancellationToken).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away; it resumes with Last-Event-ID.
        }
    }
}
