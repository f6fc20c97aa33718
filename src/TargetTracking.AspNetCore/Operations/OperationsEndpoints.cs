using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace TargetTracking.AspNetCore;

/// <summary>
/// Tracked operations under <c>operations</c> (<see cref="TargetOperations"/>): start one (move every target that
/// matches a filter, or a list of ids, to a status), read its progress and failures, cancel or resume it, list the recent
/// ones. Reading is in the read group; starting, cancelling and resuming in the administration group. The
/// <see cref="OperationPump"/> runs them in the background, batch by batch.
/// </summary>
internal static class OperationsEndpoints
{
    public static void Map(ApiGroups groups)
    {
        var admin = groups.Administration("/operations", "Operations");
        var read = groups.Reads("/operations", "Operations");
        admin.MapPost("/", StartAsync)
            .WithSummary("Starts a tracked operation: moves every target that matches a filter, or a list of ids, to a status, batch by batch.")
            .Produces<OperationResponse>(StatusCodes.Status202Accepted).Problems(400, 422);
        read.MapGet("/", ListAsync)
            .WithSummary("The operations created in the last days, newest first.")
            .Produces<OperationListResponse>().Problems(400);
        read.MapGet("/{id}", async (string id, TargetOperations operations, OperationPump pump, CancellationToken cancellationToken) =>
            (await operations.GetAsync(id, cancellationToken).ConfigureAwait(false)).Match(o => TypedResults.Ok(OperationResponse.Of(o, pump)), TargetProblems.ToProblem))
            .WithSummary("An operation's progress.")
            .Produces<OperationResponse>().Problems(404);
        read.MapGet("/{id}/failures", async (string id, int? limit, TargetOperations operations, CancellationToken cancellationToken) =>
        {
            if (limit is < 1 or > 1000)
            {
                return TargetProblems.Invalid("limit", "limit must be between 1 and 1000.").ToProblem();
            }

            var found = await operations.GetAsync(id, cancellationToken).ConfigureAwait(false);
            return found.IsSuccess
                ? TypedResults.Ok(await operations.GetFailuresAsync(id, limit: limit ?? 100, cancellationToken: cancellationToken).ConfigureAwait(false))
                : found.Error.ToProblem();
        })
            .WithSummary("The items an operation could not apply, with their errors.")
            .Produces<IReadOnlyList<OperationItemFailure>>().Problems(400, 404);

        // A failed operation (its batches kept failing, e.g. the store was down) resumes from its last committed batch;
        // an interrupted one resumes at once rather than when the pump deems it abandoned. A finished one is returned as is.
        admin.MapPost("/{id}/resume", async (string id, HttpContext http, TargetOperations operations, OperationPump pump, CancellationToken cancellationToken) =>
        {
            var found = await operations.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (!found.IsSuccess)
            {
                return found.Error.ToProblem();
            }

            if (found.Value.Status is OperationStatus.Completed or OperationStatus.Cancelled)
            {
                return TypedResults.Ok(OperationResponse.Of(found.Value, pump));
            }

            pump.Wake(id);
            return TypedResults.Accepted(Location(http, id, "resume"), OperationResponse.Of(found.Value, pump));
        })
            .WithSummary("Resumes a failed or interrupted operation from its last committed batch; a finished one is returned as is.")
            .Produces<OperationResponse>().Produces<OperationResponse>(StatusCodes.Status202Accepted).Problems(404);

        // A pending operation is cancelled at once; a running one stops after its current batch (what it moved stays moved).
        admin.MapPost("/{id}/cancel", async (string id, TargetOperations operations, OperationPump pump, CancellationToken cancellationToken) =>
            (await operations.CancelAsync(id, cancellationToken).ConfigureAwait(false)).Match(o => TypedResults.Ok(OperationResponse.Of(o, pump)), TargetProblems.ToProblem))
            .WithSummary("Cancels an operation: a pending one at once, a running one after its current batch.")
            .Produces<OperationResponse>().Problems(404);
    }

    /// <summary>Where an operation is read: the request's path up to the operations group, then the id.</summary>
    private static string Location(HttpContext http, string id, string? suffix = null)
    {
        var path = http.Request.Path.Value!.TrimEnd('/');
        if (suffix is not null)
        {
            path = path[..path.LastIndexOf('/')]; // .../operations/{id}/resume -> .../operations/{id}
            path = path[..path.LastIndexOf('/')];
        }

        return $"{http.Request.PathBase}{path}/{Uri.EscapeDataString(id)}";
    }

    private static async Task<IResult> StartAsync(StartOperationBody body, HttpContext http, TargetOperations operations, OperationPump pump, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        if (body.Status is null)
        {
            errors.Add(new FieldError("status", "status is required: the status every selected target moves to (NotSet for Not Set)."));
        }

        var filter = body.Filter;
        var hasFilter = filter is not null && (filter.Statuses is { Count: > 0 } || !string.IsNullOrWhiteSpace(filter.Market) || !string.IsNullOrWhiteSpace(filter.NameContains));
        if (body.Ids is { Count: > 0 } == hasFilter)
        {
            errors.Add(new FieldError("filter", "Give either ids or a filter with at least one of statuses, market, nameContains (an operation never moves every target by accident)."));
        }

        if (filter is not null && TargetRules.ValidateFilter(new TargetQuery { NameContains = filter.NameContains, Market = filter.Market }) is { } invalidText)
        {
            errors.AddRange(invalidText.Errors.Select(e => e with { Field = "filter." + e.Field }));
        }

        if (errors.Count > 0)
        {
            return new InvalidInputError([.. errors]).ToProblem();
        }

        var selection = hasFilter
            ? OperationSelection.Where(new TargetQuery
            {
                Statuses = filter!.Statuses is { Count: > 0 } statuses ? [.. statuses.Select(ApiStatus.Parse)] : null,
                Market = string.IsNullOrWhiteSpace(filter.Market) ? null : filter.Market.Trim(),
                NameContains = string.IsNullOrWhiteSpace(filter.NameContains) ? null : filter.NameContains.Trim(),
            })
            : OperationSelection.ForIds(body.Ids!.Select(id => new TargetId(id)));
        var id = string.IsNullOrWhiteSpace(body.OperationId) ? $"op-{Guid.NewGuid():N}" : body.OperationId;
        Result<BulkOperation> started;
        try
        {
            started = await operations.StartAsync(
                new StartOperationRequest(id, ApiStatus.Parse(body.Status), selection) { BatchSize = body.BatchSize },
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException unknown) when (hasFilter)
        {
            // The filter's text was checked above; what the core still refuses is a status neither configured nor stored.
            return TargetProblems.Invalid("filter.statuses", unknown.Message).ToProblem();
        }

        if (!started.IsSuccess)
        {
            return started.Error.ToProblem();
        }

        pump.Wake(started.Value.Id);
        return TypedResults.Accepted(Location(http, started.Value.Id), OperationResponse.Of(started.Value, pump));
    }

    /// <summary>The operations created in the last <c>days</c> days (default 7), newest first, at most <c>take</c> (default 20).</summary>
    private static async Task<IResult> ListAsync(int? days, int? take, TargetReports reports, TimeProvider time, CancellationToken cancellationToken)
    {
        if (days is < 1 or > 3660)
        {
            return TargetProblems.Invalid("days", "days must be between 1 and 3660.").ToProblem();
        }

        if (take is < 1 or > 1000)
        {
            return TargetProblems.Invalid("take", "take must be between 1 and 1000.").ToProblem();
        }

        var now = time.GetUtcNow();
        var report = await reports.GetOperationsReportAsync(new ReportPeriod(now.AddDays(-(days ?? 7)), now.AddTicks(10)), TargetReports.DefaultMaxLines, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new OperationListResponse([.. report.Operations.Reverse().Take(take ?? 20)], report.OperationCount));
    }
}

/// <summary>What to start: the status to move to, and either a filter or a list of target ids.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record StartOperationBody(string? OperationId, string? Status, OperationFilter? Filter, IReadOnlyList<Guid>? Ids, int? BatchSize);

/// <summary>Which targets: those in one of the statuses, with the market (whole value, ignoring case), whose name contains the text.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record OperationFilter(IReadOnlyList<string>? Statuses, string? Market, string? NameContains);

/// <summary>An operation as stored, and whether this host is running it now.</summary>
internal sealed record OperationResponse(BulkOperation Operation, double Percent, bool IsFinished, bool RunningHere)
{
    public static OperationResponse Of(BulkOperation operation, OperationPump pump) =>
        new(operation, operation.Percent, operation.IsFinished, pump.Running.Contains(operation.Id));
}

internal sealed record OperationListResponse(IReadOnlyList<OperationLine> Items, long TotalCount);
