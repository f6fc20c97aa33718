namespace TargetTracking.Dashboard.Api;

/// <summary>The pipeline endpoints under <c>/api/pipeline</c>: statuses, allowed moves, Mermaid graph.</summary>
internal static class PipelineApi
{
    public static IEndpointRouteBuilder MapPipelineApi(this IEndpointRouteBuilder app)
    {
        var pipeline = app.MapGroup("/api/pipeline").WithTags("Pipeline");

        pipeline.MapGet("/", (StatusStateMachine machine) => TypedResults.Ok(new PipelineResponse(
            machine.Statuses,
            [.. new string?[] { null }.Concat(machine.Statuses).Select(s => new PipelineStep(s, machine.NextStatuses(s)))])));

        pipeline.MapGet("/statuses/{status}/next", (string status, StatusStateMachine machine) =>
            machine.TryNormalize(ApiStatus.Parse(status), out var from)
                ? TypedResults.Ok(new PipelineStep(from, machine.NextStatuses(from)))
                : new UnknownStatusError(status, machine.Statuses).ToProblem());

        pipeline.MapGet("/mermaid", (StatusStateMachine machine) => TypedResults.Text(machine.ToMermaid(), "text/plain"));
        return app;
    }
}

/// <summary>The pipeline: statuses in display order, and for each (Not Set is <c>null</c>) where it may move.</summary>
internal sealed record PipelineResponse(IReadOnlyList<string> Statuses, IReadOnlyList<PipelineStep> Transitions);

internal sealed record PipelineStep(string? From, IReadOnlyList<string?> AllowedNext);

/// <summary>How the API spells Not Set: <c>null</c> in JSON, <c>NotSet</c> (or <c>Not Set</c>) where text is needed.</summary>
internal static class ApiStatus
{
    public static string? Parse(string? status) => status is not null && PipelineOptions.IsNotSet(status) ? null : status;
}
