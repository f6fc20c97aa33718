using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TargetTracking.AspNetCore;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the TargetTracking HTTP API.</summary>
public static class TargetTrackingEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the whole TargetTracking API on a route group under <paramref name="prefix"/>: targets (CRUD, query, history,
    /// stays), status changes and bulk, the pipeline, goals/sprints/commitments and links, reports, tracked operations,
    /// integrity check and repair, the tenant's deletion, the change feed as Server-Sent Events, and health. Read, write and administration
    /// endpoints sit in three inner groups with the policies of <see cref="TargetTrackingEndpointOptions"/>. Needs
    /// <c>AddEndpoints()</c> on the TargetTracking builder.
    /// </summary>
    /// <param name="endpoints">The application or a route group.</param>
    /// <param name="prefix">The route prefix, for example <c>/api</c>.</param>
    /// <returns>The group's builder: <c>RequireAuthorization</c>, <c>RequireRateLimiting</c>, <c>WithGroupName</c> apply to every endpoint.</returns>
    /// <exception cref="InvalidOperationException"><c>AddEndpoints()</c> was not called.</exception>
    public static RouteGroupBuilder MapTargetTracking(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string prefix = "/api")
    {
        Guard.Against.Null(endpoints);
        Guard.Against.Null(prefix);
        if (endpoints.ServiceProvider.GetService<Preconditions>() is null)
        {
            throw new InvalidOperationException("MapTargetTracking needs the API's services: call services.AddTargetTracking().AddEndpoints() first.");
        }

        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<TargetTrackingEndpointOptions>>().Value;
        var api = endpoints.MapGroup(prefix);
        var groups = new ApiGroups(
            Group(api, options.ReadPolicy),
            Group(api, options.WritePolicy),
            Group(api, options.AdminPolicy));
        TargetsEndpoints.Map(groups);
        PipelineEndpoints.Map(groups);
        HierarchyEndpoints.Map(groups);
        ReportsEndpoints.Map(groups);
        OperationsEndpoints.Map(groups);
        IntegrityEndpoints.Map(groups);
        TenantEndpoints.Map(groups);
        ErasureEndpoints.Map(groups);
        FeedEndpoints.Map(groups);
        HealthEndpoints.Map(groups);
        return api;
    }

    private static RouteGroupBuilder Group(RouteGroupBuilder api, string? policy)
    {
        var group = api.MapGroup(string.Empty);
        if (policy is not null)
        {
            group.RequireAuthorization(policy);
        }

        return group;
    }
}
