using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace TargetTracking.AspNetCore;

/// <summary>
/// Goals, sprints and commitments under <c>goals</c>, <c>sprints</c> and <c>commitments</c>, linked to targets (their
/// outcomes) under <c>targets/{id}/links</c>: the only way they relate to each other.
/// </summary>
internal static class HierarchyEndpoints
{
    public static void Map(ApiGroups groups)
    {
        var write = groups.Writes(string.Empty, "Goals");
        foreach (var kind in new[] { HierarchyKind.Goal, HierarchyKind.Sprint, HierarchyKind.Commitment })
        {
            write.MapPost($"/{Plural(kind)}", (ItemRequest body, HttpContext http, HierarchyTracker tracker, CancellationToken cancellationToken) => CreateAsync(kind, body, http, tracker, cancellationToken))
                .WithSummary($"Creates a {kind.ToString().ToLowerInvariant()}.")
                .Produces<HierarchyItem>(StatusCodes.Status201Created).Problems(400, 422);
        }

        write.MapPut("/targets/{targetId:guid}/links/{itemId:guid}", (Guid targetId, Guid itemId, HierarchyTracker tracker, CancellationToken cancellationToken) =>
            LinkAsync(LinkAction.Link, targetId, itemId, tracker, cancellationToken))
            .WithSummary("Links a target (an outcome) to a goal, sprint or commitment; linking twice is a no-op.")
            .Produces<LinkResponse>().Problems(400, 404, 409, 422);
        write.MapDelete("/targets/{targetId:guid}/links/{itemId:guid}", (Guid targetId, Guid itemId, HierarchyTracker tracker, CancellationToken cancellationToken) =>
            LinkAsync(LinkAction.Unlink, targetId, itemId, tracker, cancellationToken))
            .WithSummary("Unlinks a target from a goal, sprint or commitment.")
            .Produces<LinkResponse>().Problems(400, 404, 409, 422);

        var read = groups.Reads(string.Empty, "Goals");
        read.MapGet("/goals", ListGoalsAsync)
            .WithSummary("Goals by target date, each with its progress rolled up from its outcomes.")
            .Produces<GoalListResponse>().Problems(400);
        read.MapGet("/goals/{id:guid}/tree", TreeAsync)
            .WithSummary("A goal with its outcomes and their sprints and commitments, paged, and its progress.")
            .Produces<GoalTreeResponse>().Problems(400, 404);
    }

    private static string Plural(HierarchyKind kind) => kind.ToString().ToLowerInvariant() + "s";

    private static async Task<IResult> CreateAsync(HierarchyKind kind, ItemRequest body, HttpContext http, HierarchyTracker tracker, CancellationToken cancellationToken)
    {
        var result = await tracker.CreateAsync(
            kind,
            new HierarchyItemFields
            {
                Title = body.Title!,
                Description = body.Description,
                Status = body.Status,
                TargetDate = body.TargetDate,
                SprintName = body.SprintName,
                StartDate = body.StartDate,
                EndDate = body.EndDate,
                Priority = body.Priority,
                DueDate = body.DueDate,
            },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        return result.Match(item => TypedResults.Created($"{http.Request.PathBase}{http.Request.Path.Value?.TrimEnd('/')}/{item.Id}", item), TargetProblems.ToProblem);
    }

    /// <summary>Goals by target date, each with its progress rolled up in the store from its outcomes' statuses.</summary>
    private static async Task<IResult> ListGoalsAsync(int? skip, int? take, HierarchyTracker tracker, CancellationToken cancellationToken)
    {
        var (from, size) = (skip ?? 0, take ?? 20);
        if (from < 0 || size is < 1 or > TargetQuery.MaxTake)
        {
            return TargetProblems.Invalid("take", $"skip must be 0 or more and take between 1 and {TargetQuery.MaxTake}.").ToProblem();
        }

        var goals = await tracker.QueryAsync(new HierarchyQuery { Kind = HierarchyKind.Goal, Skip = from, Take = size }, cancellationToken).ConfigureAwait(false);
        var progress = await tracker.GetProgressAsync(HierarchyKind.Goal, goals.Items.Select(g => g.Id), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new GoalListResponse([.. goals.Items.Zip(progress, (goal, p) => new GoalSummary(goal, p))], goals.TotalCount));
    }

    private static async Task<IResult> TreeAsync(Guid id, int? skip, int? take, HierarchyTracker tracker, CancellationToken cancellationToken)
    {
        var (from, size) = (skip ?? 0, take ?? 50);
        if (from < 0 || size is < 1 or > TargetQuery.MaxTake)
        {
            return TargetProblems.Invalid("take", $"skip must be 0 or more and take between 1 and {TargetQuery.MaxTake}.").ToProblem();
        }

        var tree = await tracker.GetTreeAsync(id, from, size, cancellationToken).ConfigureAwait(false);
        if (!tree.IsSuccess)
        {
            return tree.Error.ToProblem();
        }

        var progress = await tracker.GetProgressAsync(HierarchyKind.Goal, [id], cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new GoalTreeResponse(tree.Value, progress[0]));
    }

    private static async Task<IResult> LinkAsync(LinkAction action, Guid targetId, Guid itemId, HierarchyTracker tracker, CancellationToken cancellationToken)
    {
        var outcome = action == LinkAction.Link
            ? await tracker.LinkAsync(new TargetId(targetId), itemId, cancellationToken: cancellationToken).ConfigureAwait(false)
            : await tracker.UnlinkAsync(new TargetId(targetId), itemId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return outcome.Error is { } error ? error.ToProblem() : TypedResults.Ok(new LinkResponse(outcome.State, outcome.Link));
    }
}

/// <summary>A goal, sprint or commitment to create: the fields that apply to its kind.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ItemRequest(
    string? Title, string? Description, string? Status, DateOnly? TargetDate, string? SprintName, DateOnly? StartDate, DateOnly? EndDate, int? Priority, DateOnly? DueDate);

/// <summary>A goal and its progress (<see cref="ItemProgress.Percent"/> is <c>null</c> until an outcome counts).</summary>
internal sealed record GoalSummary(HierarchyItem Goal, ItemProgress Progress);

internal sealed record GoalListResponse(IReadOnlyList<GoalSummary> Items, long TotalCount);

internal sealed record GoalTreeResponse(GoalTree Tree, ItemProgress Progress);

internal sealed record LinkResponse(BulkItemState State, OutcomeLink? Link);
