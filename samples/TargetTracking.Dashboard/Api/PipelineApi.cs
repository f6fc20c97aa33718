namespace TargetTracking.Dashboard.Api;

/// <summary>The pipeline endpoints under <c>/api/pipeline</c>: statuses, allowed moves, Mermaid graph.</summary>
internal static class PipelineApi
{
    /// <summary>The board's defaults: a deal that sits a month in Active or two weeks in Hot needs a look.</summary>
    private static readonly Dictionary<string, double> DefaultStuckAfterDays = new(StringComparer.OrdinalIgnoreCase)
    {
        [PipelineOptions.NotSet] = 14, ["Cold"] = 60, ["Active"] = 30, ["Hot"] = 14,
    };

    private static Dictionary<string, TimeSpan> StuckAfter(IConfiguration configuration)
    {
        var days = new Dictionary<string, double>(DefaultStuckAfterDays, StringComparer.OrdinalIgnoreCase);
        foreach (var setting in configuration.GetSection("Dashboard:StuckAfterDays").GetChildren())
        {
            days[setting.Key] = double.Parse(setting.Value!, System.Globalization.CultureInfo.InvariantCulture);
        }

        return days.ToDictionary(d => d.Key, d => TimeSpan.FromDays(d.Value));
    }

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

        // True counts per stored status (not the length of a page): the board's column headers.
        pipeline.MapGet("/counts", async (TargetTracker tracker, CancellationToken cancellationToken) =>
            TypedResults.Ok(await tracker.CountByStatusAsync(cancellationToken)));

        // Targets longer in their status than Dashboard:StuckAfterDays allows, longest first.
        pipeline.MapGet("/stuck", async (TargetHealth health, IConfiguration configuration, CancellationToken cancellationToken) =>
        {
            var limits = StuckAfter(configuration);
            var stuck = await health.FindStagnantAsync(limits, cancellationToken);
            return TypedResults.Ok(new StuckResponse(
                limits.ToDictionary(l => l.Key, l => l.Value.TotalDays),
                [.. stuck.Select(s => new StuckTarget(s.Target.Id, s.Target.Name, s.Target.Status, s.InStatusSince, Math.Floor(s.Age.TotalDays)))]));
        });
        return app;
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
