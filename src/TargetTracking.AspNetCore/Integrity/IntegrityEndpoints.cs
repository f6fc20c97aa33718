using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace TargetTracking.AspNetCore;

/// <summary>
/// The integrity check and its repair under <c>integrity</c> (administration) (<see cref="TargetHealth"/>): the check lists what is
/// wrong, by kind, with a description per problem; the repair plans with a policy and applies, appending a
/// <c>Repaired</c> history entry per target it fixes (history is never rewritten).
/// </summary>
internal static class IntegrityEndpoints
{
    public static void Map(ApiGroups groups)
    {
        var integrity = groups.Administration("/integrity", "Integrity");

        // Runs the check in the store now (a read: it changes nothing); maxProblems caps the list, every problem is counted.
        integrity.MapPost("/check", async (int? maxProblems, TargetHealth health, CancellationToken cancellationToken) =>
        {
            if (maxProblems is < 1 or > TargetHealth.DefaultMaxProblems)
            {
                return TargetProblems.Invalid("maxProblems", $"maxProblems must be between 1 and {TargetHealth.DefaultMaxProblems}.").ToProblem();
            }

            var report = await health.CheckIntegrityAsync(maxProblems ?? 200, cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(new IntegrityCheckResponse(
                report.IsHealthy, report.TargetsChecked, report.EntriesChecked, report.ProblemCount, report.CountByKind,
                [.. report.Problems.Select(ProblemLine.Of)]));
        })
            .WithSummary("Runs the integrity check in the store now (it changes nothing); every problem is counted, maxProblems listed.")
            .Produces<IntegrityCheckResponse>().Problems(400);

        // Plans the repair with a policy and applies it: what was fixed, what was already sound, what no repair can fix.
        integrity.MapPost("/repair", async (RepairRequest body, TargetHealth health, CancellationToken cancellationToken) =>
        {
            if (body.Policy is not { } policy || !Enum.IsDefined(policy))
            {
                return TargetProblems.Invalid("policy", "policy is required: trustHistory (the status becomes what the history says) or trustTarget (the history follows the row).").ToProblem();
            }

            var plan = await health.PlanRepairAsync(policy, cancellationToken).ConfigureAwait(false);
            var result = await health.ApplyRepairAsync(plan, cancellationToken: cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(new RepairResponse(
                policy,
                [.. result.Applied.Select(r => new RepairLine(r.TargetId, [.. r.Problems.Select(ProblemLine.Of)], [.. r.Entries.Select(e => e.Note)]))],
                result.AlreadySound,
                [.. plan.NotRepairable.Select(ProblemLine.Of)],
                result.EntriesAppended));
        })
            .WithSummary("Plans the repair with a policy and applies it, appending a Repaired entry per target it fixes.")
            .Produces<RepairResponse>().Problems(400);
    }
}

/// <summary>The body of a repair: which side to believe.</summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
internal sealed record RepairRequest(RepairPolicy? Policy);

/// <summary>
/// One problem, generic over its kind so that kinds added later show without a change here: its kind, a sentence saying
/// what is wrong, the target (or the stored id of a row that is not readable) and whether a repair can fix it.
/// </summary>
internal sealed record ProblemLine(string Kind, string Description, string? TargetId, long? Version, bool Repairable)
{
    public static ProblemLine Of(IntegrityProblem p) =>
        new(p.Kind.ToString(), p.Detail, p.TargetId?.ToString() ?? p.Malformed?.StoredId, p.Version, p.IsRepairable);
}

internal sealed record IntegrityCheckResponse(
    bool Healthy, long TargetsChecked, long EntriesChecked, long ProblemCount, IReadOnlyDictionary<IntegrityProblemKind, long> CountByKind, IReadOnlyList<ProblemLine> Problems);

internal sealed record RepairLine(TargetId TargetId, IReadOnlyList<ProblemLine> Problems, IReadOnlyList<string> Notes);

internal sealed record RepairResponse(
    RepairPolicy Policy, IReadOnlyList<RepairLine> Repaired, IReadOnlyList<TargetId> AlreadySound, IReadOnlyList<ProblemLine> NotRepairable, long EntriesAppended);
