using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TargetTracking;
using TargetTracking.InMemory;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers TargetTracking in a service collection.</summary>
public static class TargetTrackingServiceCollectionExtensions
{
    /// <summary>
    /// Adds TargetTracking: options (validated at start-up), the <see cref="TargetTracker"/> façade, the clock, and a
    /// start-up check that logs stored statuses the pipeline does not have (<see cref="TargetTracker.FindUnconfiguredStatusesAsync"/>). Choose a store on the returned builder (<c>UseInMemory()</c>, <c>UseSqlite(...)</c>, <c>UsePostgreSql(...)</c>).
    /// Calling it again adds the configuration and changes nothing else.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>A builder to choose the store with.</returns>
    public static TargetTrackingBuilder AddTargetTracking(this IServiceCollection services, Action<TargetTrackingOptions>? configure = null)
    {
        Guard.Against.Null(services);
        var options = services.AddOptions<TargetTrackingOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // Guards registered as services join those of the options, once each (a second call adds none twice).
        options.PostConfigure<IEnumerable<ITransitionGuard>>((o, guards) =>
        {
            foreach (var guard in guards.Where(g => !o.Pipeline.Guards.Contains(g)))
            {
                o.Pipeline.Guards.Add(guard);
            }
        });

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TargetTrackingOptions>, TargetTrackingOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var repository = sp.GetService<ITargetRepository>()
                ?? throw new InvalidOperationException(
                    "No TargetTracking store is registered. Call UseInMemory(), UseSqlite(...) or UsePostgreSql(...) on the builder AddTargetTracking returns.");
            return new TargetTracker(
                repository,
                sp.GetRequiredService<IOptions<TargetTrackingOptions>>().Value,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetService<IAuditContextAccessor>(),
                sp.GetService<ILogger<TargetTracker>>(),
                sp.GetService<ITenantAccessor>());
        });
        services.TryAddSingleton(sp => sp.GetRequiredService<TargetTracker>().Pipeline);
        // With AddLedger, the integrity check verifies the ledger too.
        services.TryAddSingleton(sp => new TargetHealth(sp.GetRequiredService<TargetTracker>(), sp.GetService<Ledger>()));
        services.TryAddSingleton(sp => new HierarchyTracker(sp.GetRequiredService<TargetTracker>()));
        services.TryAddSingleton(sp => new ChangeFeed(sp.GetRequiredService<TargetTracker>(), sp.GetService<ILogger<ChangeFeed>>()));
        services.TryAddSingleton(sp => new TargetReports(sp.GetRequiredService<TargetTracker>(), sp.GetService<IOptions<ReportOptions>>()?.Value));
        services.TryAddSingleton(sp => new TargetOperations(sp.GetRequiredService<TargetTracker>(), sp.GetService<ILogger<TargetOperations>>()));
        services.TryAddSingleton(sp => new TenantPurge(sp.GetRequiredService<TargetTracker>(), sp.GetService<ILogger<TenantPurge>>()));
        services.TryAddSingleton(sp => new PersonalDataErasure(sp.GetRequiredService<TargetTracker>(), sp.GetService<ILogger<PersonalDataErasure>>()));

        // At start-up, log the stored statuses the pipeline does not have (EventId 20); never stops the host.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, UnconfiguredStatusCheck>(
            sp => new UnconfiguredStatusCheck(
                sp.GetRequiredService<TargetTracker>(),
                sp.GetService<ILogger<UnconfiguredStatusCheck>>() ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<UnconfiguredStatusCheck>.Instance)));
        return new TargetTrackingBuilder(services);
    }

    private sealed class TargetTrackingOptionsValidator : IValidateOptions<TargetTrackingOptions>
    {
        public ValidateOptionsResult Validate(string? name, TargetTrackingOptions options)
        {
            var problems = options.Validate();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}

/// <summary>Chooses and configures the store of TargetTracking.</summary>
public sealed class TargetTrackingBuilder
{
    internal TargetTrackingBuilder(IServiceCollection services) => Services = services;

    /// <summary>Gets the services, for store adapters to register themselves in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Uses the in-memory store (tests, demos, single-process tools). Data lives as long as the container.</summary>
    /// <returns>This builder.</returns>
    public TargetTrackingBuilder UseInMemory()
    {
        Services.TryAddSingleton<ITargetRepository, InMemoryTargetStore>();
        return this;
    }

    /// <summary>Adds the hosted <see cref="OperationRunnerService"/>, which runs pending and interrupted tracked operations.</summary>
    /// <returns>This builder.</returns>
    public TargetTrackingBuilder AddOperationRunner()
    {
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, OperationRunnerService>());
        return this;
    }

    /// <summary>
    /// Adds the hosted <see cref="StagnationMonitor"/> (opt-in): it checks on a schedule and notifies the host's
    /// <see cref="IStagnationNotifier"/>, which the host registers, once per stay. Options are validated at start-up.
    /// </summary>
    /// <param name="configure">Sets the thresholds and the interval.</param>
    /// <returns>This builder.</returns>
    public TargetTrackingBuilder AddStagnationMonitor(Action<StagnationMonitorOptions> configure)
    {
        Guard.Against.Null(configure);
        Services.AddOptions<StagnationMonitorOptions>().Configure(configure).ValidateOnStart();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StagnationMonitorOptions>, StagnationMonitorOptionsValidator>());
        Services.TryAddSingleton(sp => new StagnationMonitor(
            sp.GetRequiredService<TargetTracker>(),
            sp.GetService<IStagnationNotifier>()
                ?? throw new InvalidOperationException($"The stagnation monitor needs an {nameof(IStagnationNotifier)}: register the host's implementation in the services."),
            sp.GetRequiredService<IOptions<StagnationMonitorOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<StagnationMonitor>>()));
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, StagnationMonitor>(sp => sp.GetRequiredService<StagnationMonitor>()));
        return this;
    }

    /// <summary>
    /// Adds the hosted <see cref="WebhookSender"/> (opt-in): it delivers history entries to the subscribers the options
    /// name, signed, at least once and in order, from the store's position of each subscription. Options are validated at
    /// start-up. Resolve <see cref="WebhookSender"/> to read and replay dead letters.
    /// </summary>
    /// <param name="configure">Adds the subscriptions and sets the delivery settings.</param>
    /// <returns>This builder.</returns>
    public TargetTrackingBuilder AddWebhooks(Action<WebhookOptions> configure)
    {
        Guard.Against.Null(configure);
        Services.AddOptions<WebhookOptions>().Configure(configure).ValidateOnStart();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>());
        Services.TryAddSingleton(sp => new WebhookSender(
            sp.GetRequiredService<TargetTracker>(),

            // The sender bounds each request with its own timeout (WebhookOptions.RequestTimeout), on the host's clock.
            new HttpClient { Timeout = Timeout.InfiniteTimeSpan },
            sp.GetRequiredService<IOptions<WebhookOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<WebhookSender>>()));
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, WebhookSender>(sp => sp.GetRequiredService<WebhookSender>()));
        return this;
    }

    /// <summary>
    /// Adds the ledger (opt-in, docs/ledger.md): the hosted <see cref="LedgerSealer"/>, which seals committed history entries
    /// shortly after their commit, every tenant under its own lease, and <see cref="Ledger"/> for verification (in the
    /// tracker's tenant), which the integrity check then runs too. Options are validated at start-up.
    /// </summary>
    /// <param name="configure">Sets the key of the personal fields' hash and the sealing settings.</param>
    /// <returns>This builder.</returns>
    public TargetTrackingBuilder AddLedger(Action<LedgerOptions> configure)
    {
        Guard.Against.Null(configure);
        Services.AddOptions<LedgerOptions>().Configure(configure).ValidateOnStart();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LedgerOptions>, LedgerOptionsValidator>());
        Services.TryAddSingleton(sp => new Ledger(sp.GetRequiredService<TargetTracker>(), sp.GetRequiredService<IOptions<LedgerOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        Services.TryAddSingleton(sp => new LedgerSealer(
            sp.GetRequiredService<TargetTracker>(),
            sp.GetRequiredService<IOptions<LedgerOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<LedgerSealer>>()));
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, LedgerSealer>(sp => sp.GetRequiredService<LedgerSealer>()));
        return this;
    }

    private sealed class LedgerOptionsValidator : IValidateOptions<LedgerOptions>
    {
        public ValidateOptionsResult Validate(string? name, LedgerOptions options)
        {
            var problems = options.Validate();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }

    private sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
    {
        public ValidateOptionsResult Validate(string? name, WebhookOptions options)
        {
            var problems = options.Validate();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }

    private sealed class StagnationMonitorOptionsValidator : IValidateOptions<StagnationMonitorOptions>
    {
        public ValidateOptionsResult Validate(string? name, StagnationMonitorOptions options)
        {
            var problems = options.Validate();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
