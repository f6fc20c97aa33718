namespace TargetTracking;

/// <summary>Options of the webhook sender (<see cref="WebhookSender"/>, <c>AddWebhooks</c>).</summary>
public sealed class WebhookOptions
{
    /// <summary>Gets the subscribers.</summary>
    public IList<WebhookSubscription> Subscriptions { get; } = [];

    /// <summary>Gets or sets the CloudEvents <c>source</c> of every event: a URI reference that names this host's pipeline.</summary>
    /// <value>The default value is <c>/targettracking</c>.</value>
    public string Source { get; set; } = "/targettracking";

    /// <summary>Gets or sets the name of this sender in leases; unique per host instance.</summary>
    /// <value>The default value is the machine name and a random suffix, new for each process.</value>
    public string InstanceId { get; set; } = $"{Environment.MachineName}-{Guid.NewGuid():N}";

    /// <summary>Gets or sets how many feed entries one pass reads per subscription at most.</summary>
    /// <value>The default value is 100.</value>
    public int BatchSize { get; set; } = 100;

    /// <summary>Gets or sets how long a pass waits after it found nothing to do.</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long a subscriber has to answer one request; no answer in time is a failed attempt.</summary>
    /// <value>The default value is 15 seconds.</value>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Gets or sets how long a sender's lease on a subscription lasts; it is renewed before every request, so it must
    /// outlast one (at least twice <see cref="RequestTimeout"/>). A sender that dies holds its subscriptions this long.
    /// </summary>
    /// <value>The default value is 1 minute.</value>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets how many attempts an event gets before it goes to the dead letters.</summary>
    /// <value>The default value is 8.</value>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Gets or sets the wait after the first failed attempt; each further failure doubles it, up to <see cref="MaxRetryDelay"/>.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the longest wait between attempts.</summary>
    /// <value>The default value is 10 minutes.</value>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The wait after <paramref name="attempts"/> failed attempts: <see cref="FirstRetryDelay"/> doubled per further failure, capped.</summary>
    internal TimeSpan RetryDelay(int attempts)
    {
        // In seconds, as a double: a long back-off doubled many times must cap, not overflow.
        var seconds = FirstRetryDelay.TotalSeconds * Math.Pow(2, Math.Max(attempts - 1, 0));
        return seconds < MaxRetryDelay.TotalSeconds ? TimeSpan.FromSeconds(seconds) : MaxRetryDelay;
    }

    internal IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        for (var i = 0; i < Subscriptions.Count; i++)
        {
            if (Subscriptions[i] is { } subscription)
            {
                problems.AddRange(subscription.Validate($"Webhooks:Subscriptions:{i}"));
            }
            else
            {
                problems.Add($"Webhooks:Subscriptions:{i} is null.");
            }
        }

        foreach (var twice in Subscriptions.Where(s => s is not null).GroupBy(s => s.Id, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"Webhooks:Subscriptions: the id '{twice.Key}' is used {twice.Count()} times; each subscription keeps its own position under its id.");
        }

        if (!Uri.TryCreate(Source, UriKind.RelativeOrAbsolute, out _) || string.IsNullOrWhiteSpace(Source))
        {
            problems.Add($"Webhooks:Source must be a non-empty URI reference; it is '{Source}'.");
        }

        if (string.IsNullOrWhiteSpace(InstanceId) || InstanceId.Length > 200)
        {
            problems.Add("Webhooks:InstanceId must have 1 to 200 characters.");
        }

        if (BatchSize is < 1 or > ChangeFeedOptions.MaxBatchSize)
        {
            problems.Add($"Webhooks:BatchSize must be between 1 and {ChangeFeedOptions.MaxBatchSize}; it is {BatchSize}.");
        }

        if (PollInterval <= TimeSpan.Zero || RequestTimeout <= TimeSpan.Zero || FirstRetryDelay <= TimeSpan.Zero)
        {
            problems.Add($"Webhooks:PollInterval, RequestTimeout and FirstRetryDelay must be positive; they are {PollInterval}, {RequestTimeout} and {FirstRetryDelay}.");
        }

        if (LeaseDuration < RequestTimeout * 2)
        {
            problems.Add($"Webhooks:LeaseDuration must be at least twice Webhooks:RequestTimeout ({RequestTimeout}), so a lease outlasts a request; it is {LeaseDuration}.");
        }

        if (MaxRetryDelay < FirstRetryDelay)
        {
            problems.Add($"Webhooks:MaxRetryDelay must be at least Webhooks:FirstRetryDelay ({FirstRetryDelay}); it is {MaxRetryDelay}.");
        }

        if (MaxAttempts < 1)
        {
            problems.Add($"Webhooks:MaxAttempts must be at least 1; it is {MaxAttempts}.");
        }

        return problems;
    }
}
