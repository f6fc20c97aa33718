using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace TargetTracking;

/// <summary>
/// The library's one <see cref="Meter"/> and one <see cref="ActivitySource"/>, both named <see cref="Name"/>, and every
/// instrument on them (docs/observability.md lists them). Tags are low-cardinality only: kinds, outcomes, modes and
/// statuses of operations, never ids or names; and the tenant (<see cref="TenantTag"/>), which a host with many tenants
/// switches off (<see cref="TenancyOptions.TagMetrics"/>). Durations are in seconds, with the buckets the OpenTelemetry HTTP
/// conventions advise. Code elsewhere records through the static methods here, so each instrument is defined once.
/// </summary>
public static class TargetTrackingTelemetry
{
    /// <summary>The name of the meter and of the activity source: <c>TargetTracking</c>.</summary>
    public const string Name = "TargetTracking";

    /// <summary>The tag of every metric that names the call's tenant, unless <see cref="TenancyOptions.TagMetrics"/> is off: <c>targettracking.tenant</c>.</summary>
    public const string TenantTag = "targettracking.tenant";

    // OpenTelemetry's advised boundaries for request durations, in seconds.
    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    // Feed lag spans milliseconds (caught up) to hours (a reader that was down).
    private static readonly double[] LagBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

    private static readonly string? Version = typeof(TargetTrackingTelemetry).Assembly.GetName().Version?.ToString();

    internal static readonly ActivitySource Source = new(Name, Version);

    internal static readonly Meter Meter = new(Name, Version);

    private static readonly Histogram<double> WriteDuration = Meter.CreateHistogram(
        "targettracking.write.duration", "s", "Duration of single-target writes (create, update, status change, delete), by kind and outcome.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    private static readonly Counter<long> Retries = Meter.CreateCounter<long>(
        "targettracking.unit_of_work.retries", "{retry}", "Units of work re-run after a transient failure or a concurrent write.");

    private static readonly Histogram<double> UnitOfWorkDuration = Meter.CreateHistogram(
        "targettracking.unit_of_work.duration", "s", "Duration of units of work, retries included, by outcome.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    private static readonly Counter<long> BulkItems = Meter.CreateCounter<long>(
        "targettracking.bulk.items", "{item}", "Items of bulk units of work, by mode and outcome.");

    private static readonly Counter<long> OperationItems = Meter.CreateCounter<long>(
        "targettracking.operation.items", "{item}", "Items tracked operations processed, by outcome (progress).");

    private static readonly Histogram<double> OperationDuration = Meter.CreateHistogram(
        "targettracking.operation.duration", "s", "Duration of tracked operations from creation to their final status, by status.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200, 21600, 86400] });

    private static readonly Counter<long> OperationResumes = Meter.CreateCounter<long>(
        "targettracking.operation.resumes", "{resume}", "Tracked operations resumed after an interruption.");

    private static readonly Counter<long> StagnantTargets = Meter.CreateCounter<long>(
        "targettracking.stagnation.targets", "{target}", "Stagnant targets found by stagnation checks.");

    private static readonly Counter<long> StagnationNotifications = Meter.CreateCounter<long>(
        "targettracking.stagnation.notifications", "{notification}", "Stagnant stays notified to the host by the stagnation monitor, once per stay.");

    private static readonly Counter<long> IntegrityProblems = Meter.CreateCounter<long>(
        "targettracking.integrity.problems", "{problem}", "Problems found by integrity checks, by kind.");

    private static readonly Histogram<double> FeedLag = Meter.CreateHistogram(
        "targettracking.feed.lag", "s", "Change feed lag at each read: now minus when the oldest new entry was written; 0 when caught up.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LagBuckets });

    private static readonly Counter<long> WebhookAttempts = Meter.CreateCounter<long>(
        "targettracking.webhook.attempts", "{attempt}", "Webhook posts to subscribers, by subscription and outcome (delivered, failed).");

    private static readonly Histogram<double> WebhookDuration = Meter.CreateHistogram(
        "targettracking.webhook.duration", "s", "Duration of webhook posts until the subscriber answered or the timeout, by subscription and outcome.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    private static readonly Counter<long> WebhookDeadLetters = Meter.CreateCounter<long>(
        "targettracking.webhook.dead_letters", "{event}", "Webhook events moved to the dead letters after their last attempt, by subscription.");

    private static readonly Counter<long> FeedEntries = Meter.CreateCounter<long>(
        "targettracking.feed.entries", "{entry}", "Entries the change feed delivered.");

    /// <summary>Starts the span of one unit of work (<c>targettracking.unit_of_work</c>); store spans (Npgsql's) nest under it.</summary>
    internal static Activity? StartUnitOfWork(string kind)
    {
        var activity = Source.StartActivity("targettracking.unit_of_work", ActivityKind.Internal);
        activity?.SetTag("targettracking.unit_of_work.kind", kind);
        return activity;
    }

    /// <summary>Ends a unit of work: its span's outcome and the duration histogram.</summary>
    internal static void EndUnitOfWork(Activity? activity, string kind, string outcome, TimeSpan elapsed, string? tenant, Exception? error = null)
    {
        if (activity is not null)
        {
            activity.SetTag("targettracking.unit_of_work.outcome", outcome);
            if (error is not null)
            {
                activity.SetStatus(ActivityStatusCode.Error, error.GetType().Name);
                activity.SetTag("error.type", error.GetType().FullName);
            }

            activity.Dispose();
        }

        UnitOfWorkDuration.Record(elapsed.TotalSeconds, Tags(tenant, "targettracking.unit_of_work.kind", kind, "targettracking.unit_of_work.outcome", outcome));
    }

    internal static void Retry(string kind, string? tenant) => Retries.Add(1, Tags(tenant, "targettracking.unit_of_work.kind", kind));

    internal static void Write(string kind, string outcome, TimeSpan elapsed, string? tenant) =>
        WriteDuration.Record(elapsed.TotalSeconds, Tags(tenant, "targettracking.write.kind", kind, "targettracking.write.outcome", outcome));

    internal static void BulkItem(BulkMode mode, string outcome, long count, string? tenant) =>
        BulkItems.Add(count, Tags(tenant, "targettracking.bulk.mode", mode == BulkMode.Partial ? "partial" : "all_or_nothing", "targettracking.write.outcome", outcome));

    internal static void OperationProgress(long succeeded, long failed, string? tenant)
    {
        if (succeeded > 0)
        {
            OperationItems.Add(succeeded, Tags(tenant, "targettracking.write.outcome", "applied"));
        }

        if (failed > 0)
        {
            OperationItems.Add(failed, Tags(tenant, "targettracking.write.outcome", "failed"));
        }
    }

    internal static void OperationFinished(OperationStatus status, TimeSpan elapsed, string? tenant) =>
        OperationDuration.Record(elapsed.TotalSeconds, Tags(tenant, "targettracking.operation.status", Lower(status.ToString())));

    internal static void OperationResumed(string? tenant) => OperationResumes.Add(1, Tags(tenant));

    /// <summary>Counts stagnant targets a stagnation check found (the stagnation monitor calls it).</summary>
    internal static void StagnantTargetsFound(long count, string? tenant)
    {
        if (count > 0)
        {
            StagnantTargets.Add(count, Tags(tenant));
        }
    }

    /// <summary>Counts one delivery attempt of a webhook and its duration, tagged with the subscription and the outcome.</summary>
    internal static void WebhookAttempt(string subscription, string outcome, TimeSpan elapsed)
    {
        var tags = new TagList { { "subscription", subscription }, { "outcome", outcome } };
        WebhookAttempts.Add(1, tags);
        WebhookDuration.Record(elapsed.TotalSeconds, tags);
    }

    /// <summary>Counts one event a subscription gave up on (a dead letter).</summary>
    internal static void WebhookDeadLettered(string subscription) => WebhookDeadLetters.Add(1, new KeyValuePair<string, object?>("subscription", subscription));

    /// <summary>Counts one stagnant stay the monitor notified, tagged with its status (a configured status: low cardinality).</summary>
    internal static void StagnationNotified(string status, string? tenant) => StagnationNotifications.Add(1, Tags(tenant, "status", status));

    /// <summary>Counts problems an integrity check found, by kind.</summary>
    internal static void IntegrityProblemsFound(IReadOnlyDictionary<IntegrityProblemKind, long> byKind, string? tenant)
    {
        foreach (var (kind, count) in byKind)
        {
            if (count > 0)
            {
                IntegrityProblems.Add(count, Tags(tenant, "targettracking.integrity.problem_kind", Lower(kind.ToString())));
            }
        }
    }

    internal static void FeedRead(int entries, TimeSpan lag, string? tenant)
    {
        FeedLag.Record(lag.TotalSeconds, Tags(tenant));
        if (entries > 0)
        {
            FeedEntries.Add(entries, Tags(tenant));
        }
    }

    /// <summary>The tags of one measurement: the given pairs (name, value), and the tenant's when it is tagged (<see langword="null"/> when the host switched it off).</summary>
    private static TagList Tags(string? tenant, string? name1 = null, object? value1 = null, string? name2 = null, object? value2 = null)
    {
        var list = default(TagList);
        if (name1 is not null)
        {
            list.Add(name1, value1);
        }

        if (name2 is not null)
        {
            list.Add(name2, value2);
        }

        if (tenant is not null)
        {
            list.Add(TenantTag, tenant);
        }

        return list;
    }

    /// <summary>The outcome tag of one item: applied, unchanged, conflict, not_found, rejected (by the pipeline), invalid, rolled_back.</summary>
    internal static string Outcome(BulkItemOutcome item) => item.State switch
    {
        BulkItemState.Applied => "applied",
        BulkItemState.Unchanged => "unchanged",
        BulkItemState.RolledBack => "rolled_back",
        _ => item.Error switch
        {
            VersionConflictError => "conflict",
            NotFoundError => "not_found",
            TransitionNotAllowedError or StatusNotConfiguredError => "rejected",
            _ => "invalid",
        },
    };

    private static string Lower(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : string.Empty) + char.ToLowerInvariant(c) : c.ToString()));
}
