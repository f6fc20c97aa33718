namespace TargetTracking;

/// <summary>
/// Who makes a change and from where, copied into every history entry of the change. Pass it per call,
/// or register an <see cref="IAuditContextAccessor"/> (a web host fills it per request).
/// </summary>
public sealed record AuditContext
{
    /// <summary>
    /// The longest value kept for any field, in UTF-16 code units; longer values are cut on a character boundary, and text no
    /// store keeps (NUL, unpaired surrogates) is cleaned the same way on every store: audit metadata is never a reason to refuse a change.
    /// </summary>
    public const int MaxFieldLength = 512;

    /// <summary>Gets the id of the actor.</summary>
    public string? ActorId { get; init; }

    /// <summary>Gets the name of the actor, as it is at the time of the change.</summary>
    public string? ActorName { get; init; }

    /// <summary>Gets the correlation id; when <see langword="null"/>, each unit of work gets a new one.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Gets the client address.</summary>
    public string? ClientAddress { get; init; }

    /// <summary>Gets the client user agent.</summary>
    public string? UserAgent { get; init; }

    /// <summary>Gets a context that names nobody.</summary>
    public static AuditContext Anonymous { get; } = new();

    /// <summary>
    /// Returns a copy whose fields every store keeps as given (<see cref="TargetRules"/>): NUL characters removed, unpaired
    /// surrogates replaced by U+FFFD, at most <see cref="MaxFieldLength"/> UTF-16 code units, cut on a character boundary.
    /// </summary>
    internal AuditContext Sanitized() => new()
    {
        ActorId = Clean(ActorId),
        ActorName = Clean(ActorName),
        CorrelationId = Clean(CorrelationId),
        ClientAddress = Clean(ClientAddress),
        UserAgent = Clean(UserAgent),
    };

    private static string? Clean(string? value) => value is null ? null : TargetRules.ToStorable(value, MaxFieldLength);
}

/// <summary>Supplies the audit context of the current call when none is passed explicitly.</summary>
public interface IAuditContextAccessor
{
    /// <summary>Gets the audit context of the current call, or <see langword="null"/> when there is none.</summary>
    AuditContext? Current { get; }
}
