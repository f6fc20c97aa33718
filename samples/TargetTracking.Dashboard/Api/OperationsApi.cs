namespace TargetTracking.Dashboard.Api;

/// <summary>
/// Tracked operations under <c>/api/operations</c> (<see cref="TargetOperations"/>): start one (move every target that
/// matches a filter, or a list of ids, to a status), read its progress, cancel it, list the recent ones. The sample's
/// <see cref="OperationPump"/> runs them in the background, batch by batch.
/// </summary>
internal static class OperationsApi
{
    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/operations").WithTags("Operations");
        group.MapPost("/", StartAsync);
        group.MapGet("/", ListAsync);
        group.MapGet("/{id}", async (string id, TargetOperations operations, OperationPump pump, CancellationToken cancellationToken) =>
            (await operations.GetAsync(id, cancellationToken)).Match(o => TypedResults.Ok(OperationResponse.Of(o, pump)), TargetProblems.ToProblem));
        group.MapGet("/{id}/failures", async (string id, int? limit, TargetOperations operations, CancellationToken cancellationToken) =>
        {
            if (limit is < 1 or > 1000)
            {
                return TargetProblems.Invalid("limit", "limit must be between 1 and 1000.").ToProblem();
            }

            var found = await operations.GetAsync(id, cancellationToken);
            return found.IsSuccess
                ? TypedResults.Ok(await operations.GetFailuresAsync(id, limit: limit ?? 100, cancellationToken: cancellationToken))
                : found.Error.ToProblem();
        });

        // A failed operation (its batches kept failing, e.g. the store was down) resumes from its last committed batch;
        // an interrupted one resumes at once rather than when the pump deems it abandoned. A finished one is returned as is.
        group.MapPost("/{id}/resume", async (string id, TargetOperations operations, OperationPump pump, CancellationToken cancellationToken) =>
        {
            var found = await operations.GetAsync(id, cancellationToken);
            if (!found.IsSuccess)
            {
                return found.Error.ToProblem();
            }

            if (found.Value.Status is OperationStatus.Completed or OperationStatus.Cancelled)
            {
                return TypedResults.Ok(OperationResponse.Of(found.Value, pump));
            }

            pump.Wake(id);
            return TypedResults.Accepted($"/api/operations/{Uri.EscapeDataString(id)}", OperationResponse.Of(found.Value, pump));
        });

        // A pending operation is cancelled at once; a running one stops after its current batch (what it moved stays moved).
        group.MapPost("/{id}/cancel", async (string id, TargetOperations operations, OperationPump pump, CancellationToken cancellationToken) =>
            (await operations.CancelAsync(id, cancellationToken)).Match(o => TypedResults.Ok(OperationResponse.Of(o, pump)), TargetProblems.ToProblem));
        return app;
    }

    private static async Task<IResult> StartAsync(StartOperationBody body, TargetOperations operations, OperationPump pump, CancellationToken cancellationToken)
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
                cancellationToken: cancellationToken);
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
        return TypedResults.Accepted($"/api/operations/{Uri.EscapeDataString(started.Value.Id)}", OperationResponse.Of(started.Value, pump));
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
        var report = await reports.GetOperationsReportAsync(new ReportPeriod(now.AddDays(-(days ?? 7)), now.AddTicks(10)), TargetReports.DefaultMaxLines, cancellationToken);
        return TypedResults.Ok(new OperationListResponse([.. report.Operations.Reverse().Take(take ?? 20)], report.OperationCount));
    }
}

/// <summary>What to start: the status to move to, and either a filter or a list of target ids.</summary>
internal sealed record StartOperationBody(string? OperationId, string? Status, OperationFilter? Filter, IReadOnlyList<Guid>? Ids, int? BatchSize);

/// <summary>Which targets: those in one of the statuses, with the market (whole value, ignoring case), whose name contains the text.</summary>
internal sealed record OperationFilter(IReadOnlyList<string>? Statuses, string? Market, string? NameContains);

/// <summary>An operation as stored, and whether this host is running it now.</summary>
internal sealed record OperationResponse(BulkOperation Operation, double Percent, bool IsFinished, bool RunningHere)
{
    public static OperationResponse Of(BulkOperation operation, OperationPump pump) =>
        new(operation, operation.Percent, operation.IsFinished, pump.Running.Contains(operation.Id));
}

internal sealed record OperationListResponse(IReadOnlyList<OperationLine> Items, long TotalCount);
