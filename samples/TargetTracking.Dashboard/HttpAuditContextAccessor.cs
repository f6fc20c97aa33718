namespace TargetTracking.Dashboard;

/// <summary>
/// Fills the audit context of every write from the current request, so no endpoint passes one: the actor
/// from <c>X-User-Id</c> / <c>X-User-Name</c> (plain, or <c>UTF-8''</c> and percent-encoded UTF-8 for any other text), the correlation id from <c>X-Correlation-Id</c> (or the
/// request's trace identifier), the client address and user agent from the connection.
/// </summary>
/// <remarks>A sample trusts these headers; a real host takes the actor from its authenticated user.</remarks>
internal sealed class HttpAuditContextAccessor(IHttpContextAccessor http) : IAuditContextAccessor
{
    public AuditContext? Current => http.HttpContext is not { } context
        ? null
        : new AuditContext
        {
            ActorId = Header(context, "X-User-Id"),
            ActorName = Header(context, "X-User-Name"),
            CorrelationId = Header(context, "X-Correlation-Id") ?? context.TraceIdentifier,
            ClientAddress = context.Connection.RemoteIpAddress?.ToString(),
            UserAgent = Header(context, "User-Agent"),
        };

    private static string? Header(HttpContext context, string name) =>
        context.Request.Headers[name].ToString() is { Length: > 0 } value ? Decode(value) : null;

    /// <summary>
    /// Header values are Latin-1 on the wire, so a browser cannot send "Zoë" or "Łukasz" as is: the page sends
    /// <c>UTF-8''</c> and the percent-encoded UTF-8 bytes, as RFC 8187 writes extended values.
    /// </summary>
    private static string Decode(string value) =>
        value.StartsWith(Utf8Prefix, StringComparison.OrdinalIgnoreCase) ? Uri.UnescapeDataString(value[Utf8Prefix.Length..]) : value;

    private const string Utf8Prefix = "UTF-8''";
}
