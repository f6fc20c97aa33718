using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TargetTracking;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the TargetTracking health checks.</summary>
public static class TargetTrackingHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds the TargetTracking health checks, tagged <c>targettracking</c>: <c>targettracking.store</c> (the store answers;
    /// Unhealthy when not), <c>targettracking.operations</c> (tracked operations stuck or failed beyond the thresholds;
    /// Degraded), <c>targettracking.feed</c> (change feed lag; Degraded), <c>targettracking.statuses</c> (stored statuses
    /// the pipeline does not have; Degraded) and <c>targettracking.integrity</c> (the last integrity check; Unhealthy).
    /// Needs <c>AddTargetTracking()</c>. Thresholds: <see cref="TargetTrackingHealthCheckOptions"/>, validated at start-up.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="configure">Sets the thresholds.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddTargetTracking(this IHealthChecksBuilder builder, Action<TargetTrackingHealthCheckOptions>? configure = null)
    {
        Guard.Against.Null(builder);
        var options = builder.Services.AddOptions<TargetTrackingHealthCheckOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TargetTrackingHealthCheckOptions>, Validator>());
        builder.Services.TryAddSingleton(sp => new TargetTrackingHealthChecks(
            sp.GetRequiredService<TargetTracker>(),
            sp.GetRequiredService<ChangeFeed>(),
            sp.GetRequiredService<TargetHealth>(),
            sp.GetRequiredService<IOptions<TargetTrackingHealthCheckOptions>>().Value,
            sp.GetService<Ledger>()));
        string[] tags = ["targettracking"];
        return builder
            .Add(Check(TargetTrackingHealthChecks.Store, HealthStatus.Unhealthy, tags, (c, ct) => c.StoreAsync(ct)))
            .Add(Check(TargetTrackingHealthChecks.Operations, HealthStatus.Degraded, tags, (c, ct) => c.OperationsAsync(ct)))
            .Add(Check(TargetTrackingHealthChecks.Feed, HealthStatus.Degraded, tags, (c, ct) => c.FeedAsync(ct)))
            .Add(Check(TargetTrackingHealthChecks.Statuses, HealthStatus.Degraded, tags, (c, ct) => c.StatusesAsync(ct)))
            .Add(Check(TargetTrackingHealthChecks.Integrity, HealthStatus.Unhealthy, tags, (c, ct) => c.IntegrityAsync(ct)))
            .Add(Check(TargetTrackingHealthChecks.LedgerCheck, HealthStatus.Unhealthy, tags, (c, ct) => c.LedgerAsync(ct)));
    }

    private static HealthCheckRegistration Check(string name, HealthStatus failure, string[] tags, Func<TargetTrackingHealthChecks, CancellationToken, Task<HealthCheckResult>> check) =>
        new(name, sp => new DelegateCheck(sp.GetRequiredService<TargetTrackingHealthChecks>(), check), failure, tags);

    private sealed class DelegateCheck(TargetTrackingHealthChecks checks, Func<TargetTrackingHealthChecks, CancellationToken, Task<HealthCheckResult>> check) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) => check(checks, cancellationToken);
    }

    private sealed class Validator : IValidateOptions<TargetTrackingHealthCheckOptions>
    {
        public ValidateOptionsResult Validate(string? name, TargetTrackingHealthCheckOptions options)
        {
            var problems = options.Validate().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
