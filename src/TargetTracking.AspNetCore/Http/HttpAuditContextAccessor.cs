using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace TargetTracking.AspNetCore;

/// <summary>
/// The default audit context of every write made over HTTP, so no endpoint passes one: the actor is the authenticated user
/// (its <c>NameIdentifier</c> or <c>sub</c> claim, and its name), or with <see cref="TargetTrackingEndpointOptions.TrustActorHeaders"/>
/// the <c>X-User-Id</c> / <c>X-User-Name</c> headers (plain, or <c>UTF-8''</c> and percent-encoded UTF-8); the correlation
/// id from <c>X-Correlation-Id</c> (or the request's trace identifier); the client address and user agent from the
/// connection. A host replaces it by registering its own <see cref="IAuditContextAccessor"/> before <c>AddEndpoints()</c>.
/// </summary>
internal sealed class HttpAuditContextAccessor(IHttpContextAccessor http, IOptions<TargetTrackingEndpointOptions> options) : IAuditContextAccessor
{
    private const string Utf8Prefix = "UTF-8''";

    public AuditContext? Current => http.HttpContext is not { } context ? null : Of(context);

    private AuditContext Of(HttpContext context)
    {
        var user = context.User.Identity?.IsAuthenticated == true ? context.User : null;
        var trustHeaders = options.Value.TrustActorHeaders;
        return new AuditContext
        {
            ActorId = (trustHeaders ? Header(context, "X-User-Id") : null) ?? user?.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? user?.FindFirst("sub")?.Value,
            ActorName = (trustHeaders ? Header(context, "X-User-Name") : null) ?? user?.Identity?.Name,
            CorrelationId = Header(context, "X-Correlation-Id") ?? context.TraceIdentifier,
            ClientAddress = context.Connection.RemoteIpAddress?.ToString(),
            UserAgent = Header(context, "User-Agent"),
        };
    }

    private static string? Header(HttpContext context, string name) =>
        context.Request.Headers[name].ToString() is { Length: > 0 } value ? Decode(value) : null;

    /// <summary>
    /// Header values are Latin-1 on the wire, so a browser cannot send "Zoë" or "Łukasz" as is: a client sends
    /// <c>UTF-8''</c> and the percent-encoded UTF-8 bytes, as RFC 8187 writes extended values.
    /// </summary>
    private static string Decode(string value) =>
        value.StartsWith(Utf8Prefix, StringComparison.OrdinalIgnoreCase) ? Uri.UnescapeDataString(value[Utf8Prefix.Length..]) : value;
}
