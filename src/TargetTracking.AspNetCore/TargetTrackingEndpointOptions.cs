namespace TargetTracking.AspNetCore;

/// <summary>
/// How <c>MapTargetTracking</c> serves the API: who may read, write and administer, whether writes must send
/// <c>If-Match</c>, where the audit context comes from, and how tracked operations started over HTTP run. Set with
/// <c>AddEndpoints(options =&gt; …)</c> on the TargetTracking builder; validated at start-up.
/// </summary>
public sealed class TargetTrackingEndpointOptions
{
    /// <summary>
    /// Gets or sets the authorization policy of the read endpoints (every <c>GET</c>: targets, history, stays, pipeline,
    /// hierarchy, reports, operations, feed, health).
    /// </summary>
    /// <value>The default value is <see langword="null"/>: only what the host puts on the whole group applies.</value>
    public string? ReadPolicy { get; set; }

    /// <summary>Gets or sets the authorization policy of the write endpoints (create, update, status changes, bulk, delete, goals and links).</summary>
    /// <value>The default value is <see langword="null"/>: only what the host puts on the whole group applies.</value>
    public string? WritePolicy { get; set; }

    /// <summary>Gets or sets the authorization policy of the administration endpoints (integrity check and repair; starting, cancelling and resuming tracked operations).</summary>
    /// <value>The default value is <see langword="null"/>: only what the host puts on the whole group applies.</value>
    public string? AdminPolicy { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether a write to an existing target must name the version it read in
    /// <c>If-Match</c>: without it the answer is <c>428 Precondition Required</c>, even when the body gives
    /// <c>expectedVersion</c>.
    /// </summary>
    /// <value>The default value is <see langword="false"/>: <c>If-Match</c> or <c>expectedVersion</c> in the body or query.</value>
    public bool RequireIfMatch { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the default audit context trusts the <c>X-User-Id</c> and <c>X-User-Name</c>
    /// request headers for the actor. Only for samples and hosts behind a gateway that sets them; otherwise the actor is the
    /// authenticated user (its <c>NameIdentifier</c> or <c>sub</c> claim and its name).
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool TrustActorHeaders { get; set; }

    /// <summary>
    /// Gets or sets how long a target may stay in a status before <c>GET pipeline/stuck</c> lists it, per status
    /// (<c>NotSet</c> for Not Set); a status not named is never stuck.
    /// </summary>
    /// <value>The default value is Not Set and Hot 14 days, Active 30 days, Cold 60 days.</value>
    public IDictionary<string, TimeSpan> StuckAfter { get; } = new Dictionary<string, TimeSpan>(StringComparer.OrdinalIgnoreCase)
    {
        [PipelineOptions.NotSet] = TimeSpan.FromDays(14), ["Cold"] = TimeSpan.FromDays(60), ["Active"] = TimeSpan.FromDays(30), ["Hot"] = TimeSpan.FromDays(14),
    };

    /// <summary>
    /// Gets or sets a value indicating whether this host runs tracked operations in the background: the ones started over
    /// HTTP at once, and pending or interrupted ones found every <see cref="OperationPollInterval"/>. Turn it off when
    /// another process (or <c>AddOperationRunner()</c>) runs them.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool RunOperations { get; set; } = true;

    /// <summary>Gets or sets how often the background runner looks for pending or interrupted operations.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan OperationPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets a pause after each committed batch of an operation, so a person can watch its progress and cancel it
    /// halfway (demos); zero runs batches back to back.
    /// </summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>.</value>
    public TimeSpan OperationPauseBetweenBatches { get; set; } = TimeSpan.Zero;
}
