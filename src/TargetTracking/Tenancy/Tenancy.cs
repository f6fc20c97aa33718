namespace TargetTracking;

/// <summary>
/// Supplies the tenant of the current call: a host resolves it per request (a header, a claim, Finbuckle's tenant context)
/// and registers the accessor in DI. TargetTracking asks it once at the start of every read and every unit of work.
/// </summary>
public interface ITenantAccessor
{
    /// <summary>Gets the tenant of the current call, or <see langword="null"/> when the call has none.</summary>
    string? Tenant { get; }
}

/// <summary>Options of tenancy: whether every call must name its tenant.</summary>
public sealed class TenancyOptions
{
    /// <summary>
    /// Gets or sets a value indicating whether a call must have a tenant: from a tracker pinned with
    /// <see cref="TargetTracker.ForTenant"/>, or from the <see cref="ITenantAccessor"/>. A call without one throws
    /// <see cref="TenantRequiredException"/>; it never means "all tenants" nor the default tenant.
    /// </summary>
    /// <value>The default value is <see langword="false"/>: a call without a tenant works in <see cref="TenantIds.Default"/>.</value>
    public bool Required { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the library's metrics carry the call's tenant as a tag
    /// (<see cref="TargetTrackingTelemetry.TenantTag"/>). Switch it off when the host has so many tenants that a series per
    /// tenant costs too much (cardinality); the metrics are then summed over all tenants.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool TagMetrics { get; set; } = true;
}

/// <summary>The rules of tenant ids, in one place.</summary>
public static class TenantIds
{
    /// <summary>The longest tenant id, in characters.</summary>
    public const int MaxLength = 64;

    /// <summary>The tenant of a host that never names one, and of the rows a store held before tenancy.</summary>
    public const string Default = "default";

    /// <summary>
    /// Tells whether a tenant id is valid: 1 to <see cref="MaxLength"/> characters, each an ASCII letter, digit, <c>-</c>,
    /// <c>_</c> or <c>.</c> (so it is the same on every database and safe in a setting, a schema name or a log).
    /// </summary>
    /// <param name="tenant">The tenant id.</param>
    /// <returns><see langword="true"/> when valid.</returns>
    public static bool IsValid(string? tenant) =>
        tenant is { Length: > 0 and <= MaxLength } && tenant.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>Returns a tenant id after checking it.</summary>
    /// <param name="tenant">The tenant id.</param>
    /// <returns>The tenant id.</returns>
    /// <exception cref="ArgumentException">The tenant id is not valid (<see cref="IsValid"/>).</exception>
    public static string Check(string? tenant) =>
        IsValid(tenant)
            ? tenant!
            : throw new ArgumentException($"A tenant id has 1 to {MaxLength} characters, each an ASCII letter, digit, '-', '_' or '.'.", nameof(tenant));
}

/// <summary>A call reached the store without a tenant where <see cref="TenancyOptions.Required"/> is set. Nothing was read or written.</summary>
public sealed class TenantRequiredException : InvalidOperationException
{
    /// <summary>Initializes a new instance with the standard message.</summary>
    public TenantRequiredException()
        : base("This call has no tenant, and tenancy is required (TargetTrackingOptions.Tenancy.Required): pin a tracker with TargetTracker.ForTenant(...) or let the registered ITenantAccessor supply one. Nothing was read or written.")
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    public TenantRequiredException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public TenantRequiredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
