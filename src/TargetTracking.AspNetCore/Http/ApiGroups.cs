using Microsoft.AspNetCore.Routing;

namespace TargetTracking.AspNetCore;

/// <summary>The three inner groups of the API, each with its own policy: reads, writes, administration.</summary>
internal sealed record ApiGroups(RouteGroupBuilder Read, RouteGroupBuilder Write, RouteGroupBuilder Admin);
