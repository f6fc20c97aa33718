using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace TargetTracking.AspNetCore;

/// <summary>The three inner groups of the API, each with its own policy: reads, writes, administration.</summary>
internal sealed record ApiGroups(RouteGroupBuilder Read, RouteGroupBuilder Write, RouteGroupBuilder Admin)
{
    /// <summary>A group of reads under <paramref name="prefix"/>, its endpoints tagged <paramref name="tag"/> in the OpenAPI document.</summary>
    public RouteGroupBuilder Reads(string prefix, string tag) => Read.MapGroup(prefix).WithTags(tag);

    /// <summary>A group of writes under <paramref name="prefix"/>, tagged <paramref name="tag"/>.</summary>
    public RouteGroupBuilder Writes(string prefix, string tag) => Write.MapGroup(prefix).WithTags(tag);

    /// <summary>A group of administration under <paramref name="prefix"/>, tagged <paramref name="tag"/>.</summary>
    public RouteGroupBuilder Administration(string prefix, string tag) => Admin.MapGroup(prefix).WithTags(tag);
}
