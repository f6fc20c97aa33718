using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace TargetTracking.AspNetCore;

/// <summary>
/// Erasure of personal data under <c>erasures</c> (administration) (<see cref="PersonalDataErasure"/>): an actor's personal
/// fields across the tenant's history and targets, or a target's name and description, through the store's privileged path
/// and recorded with the request's audit context; the ledger still verifies afterwards. And the records of the erasures.
/// </summary>
internal static class ErasureEndpoints
{
    public static void Map(ApiGroups groups)
    {
        var erasures = groups.Administration("/erasures", "Erasure");

        erasures.MapPost("/actor", async (ActorErasureRequest body, PersonalDataErasure erasure, CancellationToken cancellationToken) =>
        {
            if ((TargetProblems.Missing(body.ActorId, "actorId", "actorId is required: the actor whose personal data is erased, as history records it.")
                ?? Reasonless(body.Reason)) is { } refused)
            {
                return refused;
            }

            var erased = await erasure.EraseActorAsync(body.ActorId!, body.Reason!, cancellationToken: cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(ErasureLine.Of(erased));
        })
            .WithSummary("Erases an actor's personal data (every history entry the actor wrote or is named in, the targets the actor owns) and records the erasure; the ledger still verifies.")
            .Produces<ErasureLine>().Problems(400);

        erasures.MapPost("/target/{id:guid}", async (Guid id, TargetErasureRequest body, PersonalDataErasure erasure, CancellationToken cancellationToken) =>
        {
            if (Reasonless(body.Reason) is { } refused)
            {
                return refused;
            }

            var erased = await erasure.EraseTargetAsync(new TargetId(id), body.Reason!, cancellationToken: cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(ErasureLine.Of(erased));
        })
            .WithSummary("Erases a target's name and description and records the erasure; its status, version and history stay.")
            .Produces<ErasureLine>().Problems(400);

        erasures.MapGet("", async (PersonalDataErasure erasure, CancellationToken cancellationToken) =>
            TypedResults.Ok((await erasure.GetErasuresAsync(cancellationToken).ConfigureAwait(false)).Select(ErasureLine.Of).ToList()))
            .WithSummary("Lists the call's tenant's erasures, oldest first (never the erased values).")
            .Produces<List<ErasureLine>>().Problems();
    }

    private static IResult? Reasonless(string? reason) =>
        TargetProblems.Missing(reason, "reason", "reason is required: why the data is erased (kept in the erasure record).");
}

/// <summary>The body of an actor's erasure.</summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
internal sealed record ActorErasureRequest(string? ActorId, string? Reason);

/// <summary>The body of a target's erasure.</summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
internal sealed record TargetErasureRequest(string? Reason);

/// <summary>An erasure as recorded: what was erased, by whom and why, never the erased values.</summary>
internal sealed record ErasureLine(Guid Id, DateTimeOffset ErasedAt, string Subject, Guid? TargetId, string Reason, string? ActorId, string? ActorName, string? CorrelationId, long Entries, long Targets)
{
    public static ErasureLine Of(Erasure e) =>
        new(e.Id, e.ErasedAt, e.Subject.ToString(), e.TargetId?.Value, e.Reason, e.Audit.ActorId, e.Audit.ActorName, e.Audit.CorrelationId, e.Entries, e.Targets);
}
