using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace TargetTracking.Dashboard.Api;

/// <summary>The target endpoints under <c>/api/targets</c>. Every expected failure goes through <see cref="TargetProblems"/>.</summary>
internal static class TargetsApi
{
    public static IEndpointRouteBuilder MapTargetsApi(this IEndpointRouteBuilder app)
    {
        var targets = app.MapGroup("/api/targets").WithTags("Targets");
        targets.MapGet("/", ListAsync);
        targets.MapGet("/{id:guid}", GetAsync);
        targets.MapPost("/", CreateAsync);
        targets.MapPut("/{id:guid}", UpdateAsync);
        targets.MapPut("/{id:guid}/status", ChangeStatusAsync);
        targets.MapDelete("/{id:guid}", DeleteAsync);
        targets.MapGet("/{id:guid}/history", HistoryAsync);
        targets.MapPost("/bulk/status", BulkChangeStatusAsync);
        return app;
    }

    private static async Task<IResult> ListAsync([AsParameters] ListTargetsQuery query, TargetTracker tracker, CancellationToken cancellationToken)
    {
        List<string?>? statuses = null;
        IReadOnlyList<StatusCount>? stored = null;
        foreach (var token in (query.Status ?? []).SelectMany(s => s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            var status = ApiStatus.Parse(token);
            if (!tracker.Pipeline.TryNormalize(status, out var canonical))
            {
                // A status the pipeline no longer has can still be filtered by while targets are stored in it.
                stored ??= await tracker.CountByStatusAsync(cancellationToken);
                if (!stored.Any(s => StatusStateMachine.SameStatus(s.Status, status)))
                {
                    return new UnknownStatusError(token, tracker.Pipeline.Statuses).ToProblem();
                }

                canonical = status;
            }

            (statuses ??= []).Add(canonical);
        }

        var errors = new List<FieldError>();
        var sort = TargetSort.Name;
        if (query.Sort is not null && !(Enum.TryParse(query.Sort, ignoreCase: true, out sort) && Enum.IsDefined(sort) && !char.IsDigit(query.Sort[0])))
        {
            errors.Add(new FieldError("sort", $"Sort by one of: {string.Join(", ", Enum.GetNames<TargetSort>())}."));
        }

        var skip = query.Skip ?? 0;
        if (skip < 0)
        {
            errors.Add(new FieldError("skip", "skip must be 0 or more."));
        }

        var take = query.Take ?? 50;
        if (take is < 1 or > TargetQuery.MaxTake)
        {
            errors.Add(new FieldError("take", $"take must be between 1 and {TargetQuery.MaxTake}."));
        }

        // Text no store keeps (a NUL, an unpaired surrogate) is refused by the core's rule, alike on every store.
        if (TargetRules.ValidateFilter(new TargetQuery { NameContains = query.Name, Market = query.Market }) is { } filter)
        {
            errors.AddRange(filter.Errors.Select(e => e with { Field = e.Field == "nameContains" ? "name" : e.Field }));
        }

        if (errors.Count > 0)
        {
            return new InvalidInputError(errors).ToProblem();
        }

        var page = await tracker.QueryAsync(
            new TargetQuery
            {
                Statuses = statuses,
                Market = query.Market,
                NameContains = query.Name,
                SortBy = sort,
                Descending = query.Desc ?? false,
                Skip = skip,
                Take = take,
            },
            cancellationToken);
        return TypedResults.Ok(new TargetListResponse(page.Items, page.TotalCount, skip, take));
    }

    private static async Task<IResult> GetAsync(Guid id, HttpContext http, TargetTracker tracker, CancellationToken cancellationToken)
    {
        var result = await tracker.GetAsync(new TargetId(id), cancellationToken);
        if (!result.IsSuccess)
        {
            return result.Error.ToProblem();
        }

        var etag = ETag(result.Value.Version);
        http.Response.Headers.ETag = etag;
        return http.Request.Headers.IfNoneMatch.Contains(etag)
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Ok(result.Value);
    }

    private static async Task<IResult> CreateAsync(CreateTargetRequest body, HttpContext http, TargetTracker tracker, CancellationToken cancellationToken)
    {
        var result = await tracker.CreateAsync(
            new NewTarget(body.Name!, body.Description, body.Markets, ApiStatus.Parse(body.Status)),
            cancellationToken: cancellationToken);
        return result.Match(
            target =>
            {
                http.Response.Headers.ETag = ETag(target.Version);
                return TypedResults.Created($"/api/targets/{target.Id}", target);
            },
            TargetProblems.ToProblem);
    }

    private static async Task<IResult> UpdateAsync(Guid id, UpdateTargetRequest body, HttpContext http, TargetTracker tracker, CancellationToken cancellationToken)
    {
        if (ExpectedVersion(http.Request, body.ExpectedVersion) is { } invalid)
        {
            return invalid.ToProblem();
        }

        var result = await tracker.UpdateAsync(
            new TargetId(id), ReadVersion(http.Request, body.ExpectedVersion), new TargetUpdate(body.Name!, body.Description, body.Markets), cancellationToken: cancellationToken);
        return Written(http, result);
    }

    private static async Task<IResult> ChangeStatusAsync(Guid id, ChangeStatusRequest body, HttpContext http, TargetTracker tracker, CancellationToken cancellationToken)
    {
        if (ExpectedVersion(http.Request, body.ExpectedVersion) is { } invalid)
        {
            return invalid.ToProblem();
        }

        var result = await tracker.ChangeStatusAsync(
            new TargetId(id), ReadVersion(http.Request, body.ExpectedVersion), ApiStatus.Parse(body.Status), cancellationToken: cancellationToken);
        return Written(http, result);
    }

    private static async Task<IResult> DeleteAsync(Guid id, long? expectedVersion, HttpContext http, TargetTracker tracker, CancellationToken cancellationToken)
    {
        if (ExpectedVersion(http.Request, expectedVersion) is { } invalid)
        {
            return invalid.ToProblem();
        }

        var result = await tracker.DeleteAsync(new TargetId(id), ReadVersion(http.Request, expectedVersion), cancellationToken: cancellationToken);
        return result.Match(_ => TypedResults.NoContent(), error => error.ToProblem(http.Request));
    }

    private static async Task<IResult> HistoryAsync(Guid id, long? before, int? limit, TargetTracker tracker, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        if (before is < 1)
        {
            errors.Add(new FieldError("before", "before must be a version of 1 or more."));
        }

        var size = limit ?? 50;
        if (size is < 1 or > 1000)
        {
            errors.Add(new FieldError("limit", "limit must be between 1 and 1000."));
        }

        if (errors.Count > 0)
        {
            return new InvalidInputError(errors).ToProblem();
        }

        var targetId = new TargetId(id);
        var entries = await tracker.GetHistoryAsync(targetId, new HistoryPageRequest(before, size), cancellationToken);

        // History outlives its target, so only a target that never had any is unknown.
        if (entries.Count == 0 && before is null && !(await tracker.GetAsync(targetId, cancellationToken)).IsSuccess)
        {
            return new NotFoundError(targetId).ToProblem();
        }

        return TypedResults.Ok(new HistoryPageResponse(entries, entries.Count == size ? entries[^1].Version : null));
    }

    private static async Task<IResult> BulkChangeStatusAsync(BulkStatusRequest body, TargetTracker tracker, IOptions<TargetTrackingOptions> options, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        var mode = BulkMode.AllOrNothing;
        if (body.Mode is not null && !(Enum.TryParse(body.Mode, ignoreCase: true, out mode) && Enum.IsDefined(mode) && !char.IsDigit(body.Mode[0])))
        {
            errors.Add(new FieldError("mode", "mode must be allOrNothing (the default) or partial."));
        }

        var max = options.Value.MaxBulkItems;
        if (body.Items is not { Length: > 0 } || body.Items.Length > max)
        {
            errors.Add(new FieldError("items", $"Give between 1 and {max} items."));
        }
        else
        {
            errors.AddRange(body.Items.Select((item, i) => (item, i)).Where(x => x.item is null).Select(x => new FieldError($"items[{x.i}]", "An item cannot be null.")));
        }

        if (errors.Count > 0)
        {
            return new InvalidInputError(errors).ToProblem();
        }

        var bulk = tracker.BeginBulk();
        foreach (var item in body.Items!)
        {
            bulk.ChangeStatus(item.Id, item.ExpectedVersion, ApiStatus.Parse(item.Status));
        }

        var result = await bulk.CommitAsync(mode, cancellationToken: cancellationToken);
        return TypedResults.Ok(new BulkStatusResponse(
            result.Mode,
            result.Succeeded,
            result.AppliedCount,
            result.FailedCount,
            [.. result.Items.Select(i => new BulkItemResponse(i.Index, i.TargetId, i.State, i.Target, i.Error is null ? null : TargetProblems.ToProblemDetails(i.Error)))]));
    }

    private static IResult Written(HttpContext http, Result<Target> result) => result.Match(
        target =>
        {
            http.Response.Headers.ETag = ETag(target.Version);
            return TypedResults.Ok(target);
        },
        error => error.ToProblem(http.Request));

    private static string ETag(long version) => $"\"{version}\"";

    /// <summary>Checks that the request names exactly one version: in <c>If-Match</c>, in the body or query, or in both alike.</summary>
    private static InvalidInputError? ExpectedVersion(HttpRequest request, long? given)
    {
        if (request.Headers.IfMatch.Count == 0)
        {
            return given is null
                ? TargetProblems.Invalid("expectedVersion", "Name the version you read: send its ETag in an If-Match header, or give expectedVersion.")
                : null;
        }

        if (IfMatchVersion(request) is not { } header)
        {
            return TargetProblems.Invalid("If-Match", "If-Match must hold one ETag of the target, e.g. \"3\"; * is not accepted, a write names the version it read.");
        }

        return given is { } value && value != header
            ? TargetProblems.Invalid("expectedVersion", $"If-Match names version {header} but expectedVersion is {value}; send one, or both alike.")
            : null;
    }

    private static long ReadVersion(HttpRequest request, long? given) => IfMatchVersion(request) ?? given!.Value;

    private static long? IfMatchVersion(HttpRequest request)
    {
        var raw = request.Headers.IfMatch;
        if (raw.Count == 0)
        {
            return null;
        }

        if (EntityTagHeaderValue.TryParseStrictList(raw, out var tags) && tags is [{ IsWeak: false } tag] && !tag.Equals(EntityTagHeaderValue.Any)
            && long.TryParse(tag.Tag.AsSpan().Trim('"'), out var version))
        {
            return version;
        }

        // Hand-typed requests often send the bare number.
        return raw is [{ } bare] && long.TryParse(bare, out var plain) ? plain : null;
    }
}

/// <summary>The query of <c>GET /api/targets</c>.</summary>
/// <param name="Status">Statuses to match (repeat or comma-separate; <c>NotSet</c> matches Not Set).</param>
/// <param name="Market">A market the target must have, ignoring case.</param>
/// <param name="Name">Text the name must contain, ignoring case.</param>
/// <param name="Sort"><c>name</c> (default), <c>createdAt</c> or <c>updatedAt</c>.</param>
/// <param name="Desc">Sort descending.</param>
/// <param name="Skip">How many matches to skip.</param>
/// <param name="Take">How many to return, 1 to 1000 (default 50).</param>
internal sealed record ListTargetsQuery(string[]? Status, string? Market, string? Name, string? Sort, bool? Desc, int? Skip, int? Take);

internal sealed record TargetListResponse(IReadOnlyList<Target> Items, long TotalCount, int Skip, int Take);

internal sealed record CreateTargetRequest(string? Name, string? Description, string[]? Markets, string? Status);

internal sealed record UpdateTargetRequest(string? Name, string? Description, string[]? Markets, long? ExpectedVersion);

/// <summary>A status change; <c>null</c> or <c>"NotSet"</c> is Not Set.</summary>
internal sealed record ChangeStatusRequest(string? Status, long? ExpectedVersion);

internal sealed record HistoryPageResponse(IReadOnlyList<HistoryEntry> Items, long? NextBefore);

internal sealed record BulkStatusRequest(string? Mode, BulkStatusItem[]? Items);

internal sealed record BulkStatusItem(TargetId Id, long ExpectedVersion, string? Status);

internal sealed record BulkStatusResponse(BulkMode Mode, bool Succeeded, int AppliedCount, int FailedCount, IReadOnlyList<BulkItemResponse> Items);

/// <summary>One item of a bulk change; <see cref="Error"/> is problem details (typed as object so validation errors serialize whole).</summary>
internal sealed record BulkItemResponse(int Index, TargetId Id, BulkItemState State, Target? Target, object? Error);
