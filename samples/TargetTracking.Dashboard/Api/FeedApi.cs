using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace TargetTracking.Dashboard.Api;

/// <summary>
/// <c>GET /api/feed</c>: the change feed as Server-Sent Events. Each event carries one history entry as JSON, with the
/// entry's feed token as its id, so a browser's <c>EventSource</c> that reconnects sends it back as <c>Last-Event-ID</c>
/// and the stream resumes right after the last entry it saw. Without one, <c>?after=</c> names where to start, and with
/// neither the stream starts at the end (new changes only).
/// </summary>
internal static class FeedApi
{
    public static IEndpointRouteBuilder MapFeedApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/feed", StreamAsync).WithTags("Feed");
        return app;
    }

    private static async Task StreamAsync(HttpContext context, ChangeFeed feed, IOptions<JsonOptions> json, string? after, CancellationToken cancellationToken)
    {
        var resumeFrom = context.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? after;
        FeedToken? from = null;
        if (resumeFrom is not null && !FeedToken.TryParse(resumeFrom, out from))
        {
            await Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid feed position", detail: "after (or Last-Event-ID) must be a token this feed sent.")
                .ExecuteAsync(context);
            return;
        }

        from ??= await EndAsync(feed, cancellationToken);
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";

        // Sent at once, so the client knows the stream is open (and where it starts) before the first change.
        await context.Response.WriteAsync($"retry: 2000\nevent: open\ndata: {from}\n\n", cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
        try
        {
            await foreach (var item in feed.SubscribeAsync(from, cancellationToken))
            {
                var data = JsonSerializer.Serialize(item.Entry, json.Value.SerializerOptions);
                await context.Response.WriteAsync($"id: {item.Token}\nevent: entry\ndata: {data}\n\n", cancellationToken);
                await context.Response.Body.FlushAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away; it resumes with Last-Event-ID.
        }
    }

    /// <summary>The position after the newest entry: a page with no position from the caller starts with new changes only.</summary>
    private static async Task<FeedToken> EndAsync(ChangeFeed feed, CancellationToken cancellationToken)
    {
        var position = FeedToken.Start;
        while (true)
        {
            var page = await feed.ReadAsync(position, ChangeFeedOptions.MaxBatchSize, cancellationToken);
            if (page.Entries.Count < ChangeFeedOptions.MaxBatchSize)
            {
                return page.Next;
            }

            position = page.Next;
        }
    }
}
