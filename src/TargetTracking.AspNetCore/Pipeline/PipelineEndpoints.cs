using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace TargetTracking.AspNetCore;

/// <summary>The pipeline endpoints under <c>pipeline</c>: statuses, allowed moves, Mermaid graph, counts, stuck targets.</summary>
internal static class PipelineEndpoints
{
    public static void Map(ApiGroups groups)
    {
        var pipeline = groups.Reads("/pipeline", "Pipeline");

        pipeline.MapGet("/", (StatusStateMachine machine) => TypedResults.Ok(new PipelineResponse(
            machine.Statuses,
            [.. new string?[] { null }.Concat(machine.Statuses).Select(s => new PipelineStep(s, machine.NextStatuses(s)))])))
            .WithSummary("The statuses in display order and, for each (Not Set is null), where it may move.")
            .Produces<PipelineResponse>();

        pipeline.MapGet("/statuses/{status}/next", (string status, StatusStateMachine machine) =>
            machine.TryNormalize(ApiStatus.Parse(status), out var from)
                ? TypedResults.Ok(new PipelineStep(from, machine.NextStatuses(from)))
                : new UnknownStatusError(status, machine.Statuses).ToProblem())
            .WithSummary("Where a status may move (NotSet for Not Set).")
            .Produces<PipelineStep>().Problems(422);

        pipeline.MapGet("/mermaid", (StatusStateMachine machine) => TypedResults.Text(machine.ToMermaid(), "text/plain"))
            .WithSummary("The pipeline as a Mermaid state diagram.")
            .Produces<string>(contentType: "text/plain");

        // True counts per stored status (not the length of a page): the board's column headers.
        pipeline.MapGet("/counts", async (TargetTracker tracker, CancellationToken cancellationToken) =>
            TypedResults.Ok(await tracker.CountByStatusAsync(cancellationToken).ConfigureAwait(false)))
            .WithSummary("How many targets are in each stored status.")
            .Produces<IReadOnlyList<StatusCount>>().Problems();

        // Targets longer in their status than TargetTrackingEndpointOptions.StuckAfter allows, longest first.
        pipeline.MapGet("/stuck", async (TargetHealth health, IOptions<TargetTrackingEndpointOptions> options, CancellationToken cancellationToken) =>
        {
            var limits = new Dictionary<string, TimeSpan>(options.Value.StuckAfter, StringComparer.OrdinalIgnoreCase);
            var stuck = await health.FindStagnantAsync(limits, cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(new StuckResponse(
                limits.ToDictionary(l => l.Key, l => l.Value.TotalDays),
                [.. stuck.Select(s => new StuckTarget(s.Target.Id, s.Target.Name, s.Target.Status, s.InStatusSince, Math.Floor(s.Age.TotalDays)))]));
        })
            .WithSummary("Targets longer in their status than allowed (StuckAfter), longest first.")
            .Produces<StuckResponse>().Problems();
    }
}

/// <summary>How long a target may stay in each status before the board calls it stuck.</summary>
internal sealed record StuckResponse(IReadOnlyDictionary<string, double> StuckAfterDays, IReadOnlyList<StuckTarget> Targets);

/// <summary>A stuck target: how long it has been in its status, in whole days.</summary>
internal sealed record StuckTarget(TargetId Id, string Name, string? Status, DateTimeOffset InStatusSince, double Days);

/// <summary>The pipeline: statuses in display order, and for each (Not Set is <c>null</c>) where it may move.</summary>
internal sealed record PipelineResponse(IReadOnlyList<string> Statuses, IReadOnlyList<PipelineStep> Transitions);

internal sealed record PipelineStep(string? From, IReadOnlyList<string?> AllowedNext);

/// <summary>How the API spells Not Set: <c>null</c> in JSON, <c>NotSet</c> (or <c>Not Set</c>) where text is needed.</summary>
internal static class ApiStatus
{
    public static string? Parse(string? status) => status is not null && PipelineOptions.IsNotSet(status) ? null : status;
}
