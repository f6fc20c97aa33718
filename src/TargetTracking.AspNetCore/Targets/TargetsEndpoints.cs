using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace TargetTracking.AspNetCore;

/// <summary>The target endpoints under <c>targets</c>. Every expected failure goes through <see cref="TargetProblems"/>.</summary>
internal static class TargetsEndpoints
{
    public static void Map(ApiGroups groups)
    {
        var read = groups.Reads("/targets", "Targets");
        read.MapGet("/", ListAsync)
            .WithSummary("Lists targets by status, market and name, sorted and paged.")
            .Produces<TargetListResponse>().Problems(400, 422);
        read.MapGet("/{id:guid}", GetAsync)
            .WithSummary("Reads a target; its ETag is its version, and If-None-Match with it answers 304.")
            .Produces<Target>().Produces(StatusCodes.Status304NotModified).Problems(404);
        read.MapGet("/{id:guid}/history", HistoryAsync)
            .WithSummary("A target's history, newest first, paged by version (nextBefore).")
            .Produces<HistoryPageResponse>().Problems(400, 404);

        var write = groups.Writes("/targets", "Targets");
        write.MapPost("/", CreateAsync)
            .WithSummary("Creates a target (status optional; NotSet or null for Not Set).")
            .Produces<Target>(StatusCodes.Status201Created).Problems(400, 422);
        write.MapPut("/{id:guid}", UpdateAsync)
            .WithSummary("Updates name, description and markets; names the version read in If-Match (or expectedVersion).")
            .Produces<Target>().Problems(400, 404, 409, 412, 428);
        write.MapPut("/{id:guid}/status", ChangeStatusAsync)
            .WithSummary("Moves a target to a status the pipeline allows; names the version read in If-Match (or expectedVersion).")
            .Produces<Target>().Problems(400, 404, 409, 412, 422, 428);
        write.MapDelete("/{id:guid}", DeleteAsync)
            .WithSummary("Deletes a target (its history stays, with a Deleted entry); names the version read in If-Match (or expectedVersion).")
            .Produces(StatusCodes.Status204NoContent).Problems(400, 404, 409, 412, 428);
        write.MapPost("/bulk/status", BulkChangeStatusAsync)
            .WithSummary("Changes the status of many targets in one transaction, all-or-nothing or partial, with one outcome per item.")
            .Produces<BulkStatusResponse>().Problems(400);
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
                stored ??= await tracker.CountByStatusAsync(cancellationToken).ConfigureAwait(false);
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
            cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new TargetListResponse(page.Items, page.TotalCount, skip, take));
    }

    private static async Task<IResult> GetAsync(Guid id, HttpContext http, TargetTracker tracker, CancellationToken cancellationToken)
    {
        var result = await tracker.GetAsync(new TargetId(id), cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            return result.Error.ToProblem();
        }

        var etag = Preconditions.ETag(result.Value.Version);
        http.Response.Headers.ETag = etag;
        return http.Request.Headers.IfNoneMatch.Contains(etag)
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Ok(result.Value);
    }

    private static async Task<IResult> CreateAsync(CreateTargetRequest body, HttpContext http, TargetTracker tracker, CancellationToken cancellationToken)
    {
        var result = await tracker.CreateAsync(
            new NewTarget(body.Name!, body.Description, body.Markets, ApiStatus.Parse(body.Status)),
            cancellationToken: cancellationToken).ConfigureAwait(false);
        return result.Match(
            target =>
            {
                http.Response.Headers.ETag = Preconditions.ETag(target.Version);
                return TypedResults.Created($"{http.Request.PathBase}{http.Request.Path.Value?.TrimEnd('/')}/{target.Id}", target);
            },
            TargetProblems.ToProblem);
    }

    private static async Task<IResult> UpdateAsync(Guid id, UpdateTargetRequest body, HttpContext http, Preconditions preconditions, TargetTracker tracker, CancellationToken cancellationToken)
    {
        if (preconditions.Check(http.Request, body.ExpectedVersion) is { } refused)
        {
            return refused;
        }

        var result = await tracker.UpdateAsync(
            new TargetId(id), Preconditions.Version(http.Request, body.ExpectedVersion), new TargetUpdate(body.Name!, body.Description, body.Markets), cancellationToken: cancellationToken).ConfigureAwait(false);
        return Preconditions.Written(http, result);
    }

    private static async Task<IResult> ChangeStatusAsync(Guid id, ChangeStatusRequest body, HttpContext http, Preconditions preconditions, TargetTracker tracker, CancellationToken cancellationToken)
    {
        if (preconditions.Check(http.Request, body.ExpectedVersion) is { } refused)
        {
            return refused;
        }

        var result = await tracker.ChangeStatusAsync(
            new TargetId(id), Preconditions.Version(http.Request, body.ExpectedVersion), ApiStatus.Parse(body.Status), body.Reason, cancellationToken: cancellationToken).ConfigureAwait(false);
        return Preconditions.Written(http, result);
    }

    private static async Task<IResult> DeleteAsync(Guid id, long? expectedVersion, HttpContext http, Preconditions preconditions, TargetTracker tracker, CancellationToken cancellationToken)
    {
        if (preconditions.Check(http.Request, expectedVersion) is { } refused)
        {
            return refused;
        }

        var result = await tracker.DeleteAsync(new TargetId(id), Preconditions.Version(http.Request, expectedVersion), cancellationToken: cancellationToken).ConfigureAwait(false);
        return result.Match(_ => TypedResults.NoContent(), error => Preconditions.Failed(http.Request, error));
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
        var entries = await tracker.GetHistoryAsync(targetId, new HistoryPageRequest(before, size), cancellationToken).ConfigureAwait(false);

        // History outlives its target, so only a target that never had any is unknown.
        if (entries.Count == 0 && before is null && !(await tracker.GetAsync(targetId, cancellationToken).ConfigureAwait(false)).IsSuccess)
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
            bulk.ChangeStatus(item.Id, item.ExpectedVersion, ApiStatus.Parse(item.Status), item.Reason);
        }

        var result = await bulk.CommitAsync(mode, cancellationToken: cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new BulkStatusResponse(
            result.Mode,
            result.Succeeded,
            result.AppliedCount,
            result.FailedCount,
            [.. result.Items.Select(i => new BulkItemResponse(i.Index, i.TargetId, i.State, i.Target, i.Error is null ? null : TargetProblems.ToProblemDetails(i.Error)))]));
    }
}

/// <summary>The query of <c>GET targets</c>.</summary>
/// <param name="Status">Statuses to match (repeat or comma-separate; <c>NotSet</c> matches Not Set).</param>
/// <param name="Market">A market the target must have, ignoring case.</param>
/// <param name="Name">Text the name must contain, ignoring case.</param>
/// <param name="Sort"><c>name</c> (default), <c>createdAt</c> or <c>updatedAt</c>.</param>
/// <param name="Desc">Sort descending.</param>
/// <param name="Skip">How many matches to skip.</param>
/// <param name="Take">How many to return, 1 to 1000 (default 50).</param>
internal sealed record ListTargetsQuery(string[]? Status, string? Market, string? Name, string? Sort, bool? Desc, int? Skip, int? Take);

internal sealed record TargetListResponse(IReadOnlyList<Target> Items, long TotalCount, int Skip, int Take);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record CreateTargetRequest(string? Name, string? Description, string[]? Markets, string? Status);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record UpdateTargetRequest(string? Name, string? Description, string[]? Markets, long? ExpectedVersion);

/// <summary>A status change; <c>null</c> or <c>"NotSet"</c> is Not Set; a move into a closed-lost status takes why (<see cref="LostReason"/>).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ChangeStatusRequest(string? Status, long? ExpectedVersion, LostReason? Reason = null);

internal sealed record HistoryPageResponse(IReadOnlyList<HistoryEntry> Items, long? NextBefore);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record BulkStatusRequest(string? Mode, BulkStatusItem[]? Items);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record BulkStatusItem(TargetId Id, long ExpectedVersion, string? Status, LostReason? Reason = null);

internal sealed record BulkStatusResponse(BulkMode Mode, bool Succeeded, int AppliedCount, int FailedCount, IReadOnlyList<BulkItemResponse> Items);

/// <summary>One item of a bulk change; <see cref="Error"/> is problem details (typed as object so validation errors serialize whole).</summary>
internal sealed record BulkItemResponse(int Index, TargetId Id, BulkItemState State, Target? Target, object? Error);
