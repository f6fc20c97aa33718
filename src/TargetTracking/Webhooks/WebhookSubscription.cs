namespace TargetTracking;

/// <summary>
/// A subscriber of webhooks: where the events go, the secret they are signed with, whose events they are and which. Its
/// <see cref="Id"/> keys its position, lease and dead letters in the store, so keep it when the URL or the secret changes.
/// </summary>
public sealed class WebhookSubscription
{
    /// <summary>Gets or sets the subscription's stable id: 1 to 64 ASCII letters, digits, <c>-</c>, <c>_</c> or <c>.</c>, unique among the subscriptions.</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>Gets or sets the URL events are posted to (http or https).</summary>
    public Uri? Url { get; set; }

    /// <summary>
    /// Gets or sets the signing secret in the Standard Webhooks form, <c>whsec_</c> and the base64 of 24 to 64 random bytes
    /// (<see cref="WebhookSignature.NewSecret"/>). The subscriber keeps the same text to verify.
    /// </summary>
    public string Secret { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets the tenant whose events go to this subscriber; its position and dead letters are kept in that tenant.
    /// </summary>
    /// <value>The default value is <see cref="TenantIds.Default"/>.</value>
    public string Tenant { get; set; } = TenantIds.Default;

    /// <summary>
    /// Gets or sets a value indicating whether every tenant's events go to this subscriber (the host's own back office,
    /// never a tenant's): each event names its tenant (the CloudEvents extension attribute <c>tenant</c>). Its position and
    /// dead letters are kept in <see cref="TenantIds.Default"/>; <see cref="Tenant"/> must stay the default.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool AllTenants { get; set; }

    /// <summary>Gets the actions delivered; empty for every action.</summary>
    public ISet<HistoryAction> Actions { get; } = new HashSet<HistoryAction>();

    /// <summary>
    /// Gets the statuses delivered: an entry goes when its status before or after is one of them (case-insensitive;
    /// <see langword="null"/> is Not Set). Empty for every status.
    /// </summary>
    public ISet<string?> Statuses { get; } = new HashSet<string?>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Tells whether an entry goes to this subscriber (<see cref="Actions"/> and <see cref="Statuses"/>).</summary>
    /// <param name="entry">The entry.</param>
    /// <returns><see langword="true"/> when it goes.</returns>
    public bool Wants(HistoryEntry entry)
    {
        Guard.Against.Null(entry);
        return (Actions.Count == 0 || Actions.Contains(entry.Action))
            && (Statuses.Count == 0 || Statuses.Contains(entry.OldStatus) || Statuses.Contains(entry.NewStatus));
    }

    internal IEnumerable<string> Validate(string name)
    {
        if (!TenantIds.IsValid(Id))
        {
            yield return $"{name}:Id must have 1 to {TenantIds.MaxLength} characters, each an ASCII letter, digit, '-', '_' or '.'; it is '{Id}'.";
        }

        if (Url is null || !Url.IsAbsoluteUri || (Url.Scheme != Uri.UriSchemeHttp && Url.Scheme != Uri.UriSchemeHttps))
        {
            yield return $"{name}:Url must be an absolute http or https URL; it is '{Url}'.";
        }

        if (!WebhookSignature.TryReadSecret(Secret, out _))
        {
            yield return $"{name}:Secret must be 'whsec_' followed by the base64 of 24 to 64 bytes (WebhookSignature.NewSecret() makes one).";
        }

        if (!TenantIds.IsValid(Tenant))
        {
            yield return $"{name}:Tenant is not a valid tenant id; it is '{Tenant}'.";
        }
        else if (AllTenants && Tenant != TenantIds.Default)
        {
            yield return $"{name}: a subscription is either one tenant's (Tenant) or every tenant's (AllTenants), not both; it names '{Tenant}'.";
        }
    }
}
