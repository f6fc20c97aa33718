namespace TargetTracking.Dashboard;

/// <summary>
/// Fills the audit context of every write from the current request, so no endpoint passes one: the actor
/// from <c>X-User-Id</c> / <c>X-User-Name</c>, the correlation id from <c>X-Correlation-Id</c> (or the
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
        context.Request.Headers[name].ToString() is { Length: > 0 } value ? value : null;
}
