using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace TargetTracking.AspNetCore;

/// <summary>
/// The lifecycle of the call's tenant under <c>tenant</c> (administration) (<see cref="TenantPurge"/>): its deletion through the
/// store's privileged purge path, recorded outside the tenant with the request's audit context, and the records of its deletions.
/// </summary>
internal static class TenantEndpoints
{
    public static void Map(ApiGroups groups)
    {
        var tenant = groups.Administration("/tenant", "Tenant");

        // Deletes every row of the call's tenant in one transaction; the reason is required and kept with who asked.
        tenant.MapPost("/delete", async (TenantDeleteRequest body, TenantPurge purge, CancellationToken cancellationToken) =>
        {
            if (TargetProblems.Missing(body.Reason, "reason", "reason is required: why the tenant is deleted (kept in its deletion record).") is { } refused)
            {
                return refused;
            }

            var deletion = await purge.DeleteAsync(body.Reason!, cancellationToken: cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(TenantDeletionLine.Of(deletion));
        })
            .WithSummary("Deletes every row of the call's tenant through the store's purge path and records the deletion outside the tenant.")
            .Produces<TenantDeletionLine>().Problems(400);

        tenant.MapGet("/deletions", async (TenantPurge purge, CancellationToken cancellationToken) =>
            TypedResults.Ok((await purge.GetDeletionsAsync(cancellationToken).ConfigureAwait(false)).Select(TenantDeletionLine.Of).ToList()))
            .WithSummary("Lists the recorded deletions of the call's tenant, oldest first.")
            .Produces<List<TenantDeletionLine>>().Problems();
    }
}

/// <summary>The body of a tenant's deletion.</summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
internal sealed record TenantDeleteRequest(string? Reason);

/// <summary>A tenant's deletion as recorded.</summary>
internal sealed record TenantDeletionLine(Guid Id, string Tenant, DateTimeOffset DeletedAt, string Reason, string? ActorId, string? ActorName, string? CorrelationId, long Targets, long HistoryEntries)
{
    public static TenantDeletionLine Of(TenantDeletion d) =>
        new(d.Id, d.Tenant, d.DeletedAt, d.Reason, d.Audit.ActorId, d.Audit.ActorName, d.Audit.CorrelationId, d.Targets, d.HistoryEntries);
}
