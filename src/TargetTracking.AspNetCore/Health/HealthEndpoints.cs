using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TargetTracking.AspNetCore;

/// <summary>
/// <c>GET health</c>: the host's health checks (with <c>AddHealthChecks().AddTargetTracking()</c>, the store, operations,
/// feed lag, statuses and integrity) as JSON: 200 when Healthy or Degraded, 503 when Unhealthy.
/// </summary>
internal static class HealthEndpoints
{
    public static void Map(ApiGroups groups) =>
        groups.Read.MapGet("/health", async (HealthCheckService health, CancellationToken cancellationToken) =>
        {
            var report = await health.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
            var body = new HealthResponse(
                report.Status,
                report.Entries.ToDictionary(e => e.Key, e => new HealthEntry(e.Value.Status, e.Value.Description)));
            return report.Status == HealthStatus.Unhealthy
                ? Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable)
                : Results.Ok(body);
        })
            .WithTags("Health")
            .WithSummary("The health checks: 200 when Healthy or Degraded, 503 when Unhealthy, with each check's status.")
            .Produces<HealthResponse>()
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
}

/// <summary>The overall status and each check's.</summary>
internal sealed record HealthResponse(HealthStatus Status, IReadOnlyDictionary<string, HealthEntry> Checks);

/// <summary>One check's status and what it says.</summary>
internal sealed record HealthEntry(HealthStatus Status, string? Description);
