namespace TargetTracking.Dashboard.Api;

/// <summary>
/// Goals, sprints and commitments under <c>/api/goals</c>, <c>/api/sprints</c> and <c>/api/commitments</c>, linked to
/// targets (their outcomes) under <c>/api/targets/{id}/links</c>: the only way they relate to each other.
/// </summary>
internal static class GoalsApi
{
    public static IEndpointRouteBuilder MapGoalsApi(this IEndpointRouteBuilder app)
    {
        var hierarchy = app.MapGroup("/api").WithTags("Goals");
        hierarchy.MapPost("/goals", (ItemRequest body, HierarchyTracker tracker, CancellationToken cancellationToken) => CreateAsync(HierarchyKind.Goal, body, tracker, cancellationToken));
        hierarchy.MapPost("/sprints", (ItemRequest body, HierarchyTracker tracker, CancellationToken cancellationToken) => CreateAsync(HierarchyKind.Sprint, body, tracker, cancellationToken));
        hierarchy.MapPost("/commitments", (ItemRequest body, HierarchyTracker tracker, CancellationToken cancellationToken) => CreateAsync(HierarchyKind.Commitment, body, tracker, cancellationToken));
        hierarchy.MapGet("/goals", ListGoalsAsync);
        hierarchy.MapGet("/goals/{id:guid}/tree", TreeAsync);
        hierarchy.MapPut("/targets/{targetId:guid}/links/{itemId:guid}", (Guid targetId, Guid itemId, HierarchyTracker tracker, CancellationToken cancellationToken) =>
            LinkAsync(LinkAction.Link, targetId, itemId, tracker, cancellationToken));
        hierarchy.MapDelete("/targets/{targetId:guid}/links/{itemId:guid}", (Guid targetId, Guid itemId, HierarchyTracker tracker, CancellationToken cancellationToken) =>
            LinkAsync(LinkAction.Unlink, targetId, itemId, tracker, cancellationToken));
        return app;
    }

    private static async Task<IResult> CreateAsync(HierarchyKind kind, ItemRequest body, HierarchyTracker tracker, CancellationToken cancellationToken)
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
            cancellationToken: cancellationToken);
        return result.Match(item => TypedResults.Created($"/api/{kind.ToString().ToLowerInvariant()}s/{item.Id}", item), TargetProblems.ToProblem);
    }

    /// <summary>Goals by target date, each with its progress rolled up in the store from its outcomes' statuses.</summary>
    private static async Task<IResult> ListGoalsAsync(int? skip, int? take, HierarchyTracker tracker, CancellationToken cancellationToken)
    {
        var (from, size) = (skip ?? 0, take ?? 20);
        if (from < 0 || size is < 1 or > TargetQuery.MaxTake)
        {
            return TargetProblems.Invalid("take", $"skip must be 0 or more and take between 1 and {TargetQuery.MaxTake}.").ToProblem();
        }

        var goals = await tracker.QueryAsync(new HierarchyQuery { Kind = HierarchyKind.Goal, Skip = from, Take = size }, cancellationToken);
        var progress = await tracker.GetProgressAsync(HierarchyKind.Goal, goals.Items.Select(g => g.Id), cancellationToken);
        return TypedResults.Ok(new GoalListResponse([.. goals.Items.Zip(progress, (goal, p) => new GoalSummary(goal, p))], goals.TotalCount));
    }

    private static async Task<IResult> TreeAsync(Guid id, int? skip, int? take, HierarchyTracker tracker, CancellationToken cancellationToken)
    {
        var (from, size) = (skip ?? 0, take ?? 50);
        if (from < 0 || size is < 1 or > TargetQuery.MaxTake)
        {
            return TargetProblems.Invalid("take", $"skip must be 0 or more and take between 1 and {TargetQuery.MaxTake}.").ToProblem();
        }

        var tree = await tracker.GetTreeAsync(id, from, size, cancellationToken);
        if (!tree.IsSuccess)
        {
            return tree.Error.ToProblem();
        }

        var progress = await tracker.GetProgressAsync(HierarchyKind.Goal, [id], cancellationToken);
        return TypedResults.Ok(new GoalTreeResponse(tree.Value, progress[0]));
    }

    private static async Task<IResult> LinkAsync(LinkAction action, Guid targetId, Guid itemId, HierarchyTracker tracker, CancellationToken cancellationToken)
    {
        var outcome = action == LinkAction.Link
            ? await tracker.LinkAsync(new TargetId(targetId), itemId, cancellationToken: cancellationToken)
            : await tracker.UnlinkAsync(new TargetId(targetId), itemId, cancellationToken: cancellationToken);
        return outcome.Error is { } error ? error.ToProblem() : TypedResults.Ok(new LinkResponse(outcome.State, outcome.Link));
    }
}

/// <summary>A goal, sprint or commitment to create: the fields that apply to its kind.</summary>
internal sealed record ItemRequest(
    string? Title, string? Description, string? Status, DateOnly? TargetDate, string? SprintName, DateOnly? StartDate, DateOnly? EndDate, int? Priority, DateOnly? DueDate);

/// <summary>A goal and its progress (<see cref="ItemProgress.Percent"/> is <c>null</c> until an outcome counts).</summary>
internal sealed record GoalSummary(HierarchyItem Goal, ItemProgress Progress);

internal sealed record GoalListResponse(IReadOnlyList<GoalSummary> Items, long TotalCount);

internal sealed record GoalTreeResponse(GoalTree Tree, ItemProgress Progress);

internal sealed record LinkResponse(BulkItemState State, OutcomeLink? Link);
