using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace TargetTracking.AspNetCore;

/// <summary>
/// The reports under <c>reports</c> (from <see cref="TargetReports"/>, defined in docs/reports.md): the pipeline report
/// of a period or of a cohort, counts as of an instant, the operations report; and a target's stays under
/// <c>targets/{id}/stays</c>. Periods are half-open, <c>[from, to)</c>, as ISO 8601 instants.
/// </summary>
internal static class ReportsEndpoints
{
    /// <summary>The longest period a report may span: ten years keeps a typo ("0026") from scanning everything for nothing.</summary>
    private static readonly TimeSpan LongestPeriod = TimeSpan.FromDays(3660);

    public static void Map(ApiGroups groups)
    {
        var reports = groups.Reads("/reports", "Reports");

        // Moves, funnel, time in status, open stays and win rate of the events in [from, to); counts at its start and end.
        reports.MapGet("/pipeline", (DateTimeOffset? from, DateTimeOffset? to, TargetReports targetReports, CancellationToken cancellationToken) =>
            Period(from, to) is { } invalid
                ? Task.FromResult(invalid.ToProblem())
                : Ok(targetReports.GetPipelineReportAsync(new ReportPeriod(from!.Value, to!.Value), cancellationToken)))
            .WithSummary("Moves, funnel, time in status, open stays and win rate of the events in [from, to).")
            .Produces<PipelineReport>().Problems(400);

        // The targets created in [from, to), followed up to now.
        reports.MapGet("/cohort", (DateTimeOffset? from, DateTimeOffset? to, TargetReports targetReports, CancellationToken cancellationToken) =>
            Period(from, to) is { } invalid
                ? Task.FromResult(invalid.ToProblem())
                : Ok(targetReports.GetCohortReportAsync(new ReportPeriod(from!.Value, to!.Value), cancellationToken)))
            .WithSummary("The targets created in [from, to), followed up to now.")
            .Produces<PipelineReport>().Problems(400);

        // The pipeline as it stood at an instant, replayed from the history (targets deleted since are counted).
        reports.MapGet("/counts", async (DateTimeOffset? at, TargetReports targetReports, CancellationToken cancellationToken) =>
            at is not { } instant
                ? TargetProblems.Invalid("at", "at is required: the instant to count at, e.g. 2026-03-31T23:59:59Z.").ToProblem()
                : TypedResults.Ok(new CountsAsOfResponse(instant, await targetReports.CountAsOfAsync(instant, cancellationToken).ConfigureAwait(false))))
            .WithSummary("The targets per status at an instant, replayed from the history.")
            .Produces<CountsAsOfResponse>().Problems(400);

        // The tracked operations created in [from, to): who, outcome, affected, failed, duration; per actor; targets touched.
        reports.MapGet("/operations", (DateTimeOffset? from, DateTimeOffset? to, int? maxLines, TargetReports targetReports, CancellationToken cancellationToken) =>
        {
            if (Period(from, to) is { } invalid)
            {
                return Task.FromResult(invalid.ToProblem());
            }

            return maxLines is < 0 or > 10_000
                ? Task.FromResult(TargetProblems.Invalid("maxLines", "maxLines must be between 0 and 10000.").ToProblem())
                : Ok(targetReports.GetOperationsReportAsync(new ReportPeriod(from!.Value, to!.Value), maxLines ?? 100, cancellationToken));
        })
            .WithSummary("The tracked operations created in [from, to): who, outcome, affected, failed, duration.")
            .Produces<OperationsReport>().Problems(400);

        // One target's stays: when it entered and left each status, its latest and cumulative time in each.
        groups.Read.MapGet("/targets/{id:guid}/stays", async (Guid id, TargetReports targetReports, CancellationToken cancellationToken) =>
            TypedResults.Ok(await targetReports.GetStaysAsync(new TargetId(id), cancellationToken).ConfigureAwait(false)))
            .WithTags("Reports")
            .WithSummary("A target's stays: when it entered and left each status, its latest and cumulative time in each.")
            .Produces<TargetStays>().Problems();
    }

    private static async Task<IResult> Ok<T>(Task<T> report) => TypedResults.Ok(await report.ConfigureAwait(false));

    /// <summary>The one check of a period's bounds, naming the field at fault.</summary>
    private static InvalidInputError? Period(DateTimeOffset? from, DateTimeOffset? to)
    {
        var errors = new List<FieldError>();
        if (from is null)
        {
            errors.Add(new FieldError("from", "from is required: the period's start (inclusive), e.g. 2026-01-01T00:00:00Z."));
        }

        if (to is null)
        {
            errors.Add(new FieldError("to", "to is required: the period's end (exclusive), e.g. 2026-04-01T00:00:00Z."));
        }
        else if (from is { } start && to <= start)
        {
            errors.Add(new FieldError("to", "to must be after from."));
        }
        else if (from is { } begin && to - begin > LongestPeriod)
        {
            errors.Add(new FieldError("to", "A period spans at most ten years."));
        }

        return errors.Count > 0 ? new InvalidInputError([.. errors]) : null;
    }
}

/// <summary>The targets per status at an instant.</summary>
internal sealed record CountsAsOfResponse(DateTimeOffset At, IReadOnlyList<StatusCount> Counts);
