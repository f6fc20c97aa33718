using Ardalis.GuardClauses;
using LinqToDB;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TargetTracking;
using TargetTracking.Linq2Db;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the linq2db store of TargetTracking with a host's own linq2db options.</summary>
public static class Linq2DbTargetTrackingBuilderExtensions
{
    /// <summary>
    /// Uses the linq2db store with the host's own <see cref="DataOptions"/> (provider and connection) and the
    /// dialect of its database, for example <c>PostgreSqlDialect.Create()</c> or <c>SqliteDialect.Create()</c>.
    /// The store is initialized when the host starts: pending migrations are applied (unless
    /// <paramref name="applyMigrations"/> is off) and the hot queries are compiled.
    /// </summary>
    /// <param name="builder">The builder <c>AddTargetTracking</c> returned.</param>
    /// <param name="options">How linq2db connects.</param>
    /// <param name="dialect">The database's dialect.</param>
    /// <param name="applyMigrations">Whether pending schema migrations are applied at start-up.</param>
    /// <returns>The builder.</returns>
    public static TargetTrackingBuilder UseLinq2Db(this TargetTrackingBuilder builder, DataOptions options, Linq2DbDialect dialect, bool applyMigrations = true)
    {
        Guard.Against.Null(builder);
        Guard.Against.Null(options);
        Guard.Against.Null(dialect);
        return builder.UseLinq2DbStore<Linq2DbStoreOptions>(
            o => o.ApplyMigrations = applyMigrations,
            (sp, o) => new Linq2DbTargetStore(options, dialect, o.ApplyMigrations, sp.GetService<ILogger<Linq2DbTargetStore>>(), owned: null));
    }

    /// <summary>
    /// Uses a database per tenant (<see cref="Linq2DbTargetStore.DatabasePerTenant"/>): every call works in the database of its
    /// tenant (from the <see cref="ITenantAccessor"/> or a tracker pinned with <see cref="TargetTracker.ForTenant"/>), which
    /// <paramref name="openDatabase"/> opens on the tenant's first call and the store migrates then, once, as that store's
    /// options say. Nothing is opened at start-up. The container disposes the tenants' stores.
    /// </summary>
    /// <param name="builder">The builder <c>AddTargetTracking</c> returned.</param>
    /// <param name="dialect">The dialect of every tenant's database, for example <c>SqliteDialect.Create()</c>.</param>
    /// <param name="openDatabase">Opens the store of a tenant's database, for example with <c>SqliteDialect.CreateStore</c> or <c>PostgreSqlDialect.CreateStore</c>.</param>
    /// <returns>The builder.</returns>
    public static TargetTrackingBuilder UseDatabasePerTenant(this TargetTrackingBuilder builder, Linq2DbDialect dialect, Func<IServiceProvider, string, Linq2DbTargetStore> openDatabase)
    {
        Guard.Against.Null(builder);
        Guard.Against.Null(dialect);
        Guard.Against.Null(openDatabase);
        return builder.UseLinq2DbStore<Linq2DbStoreOptions>(
            null,
            (sp, _) => Linq2DbTargetStore.DatabasePerTenant(dialect, tenant => openDatabase(sp, tenant), sp.GetService<ILogger<Linq2DbTargetStore>>()));
    }

    /// <summary>
    /// The one registration path of every relational store: the options (configured, validated at start-up with their own
    /// messages), the store as a singleton that the container disposes (with a data source it owns), the store as the
    /// tracker's repository, and a hosted service that initializes it when the host starts.
    /// </summary>
    /// <typeparam name="TOptions">The store package's options.</typeparam>
    /// <param name="builder">The builder <c>AddTargetTracking</c> returned.</param>
    /// <param name="configure">The host's configuration of the options, if any.</param>
    /// <param name="create">Builds the store from the validated options.</param>
    /// <returns>The builder.</returns>
    internal static TargetTrackingBuilder UseLinq2DbStore<TOptions>(this TargetTrackingBuilder builder, Action<TOptions>? configure, Func<IServiceProvider, TOptions, Linq2DbTargetStore> create)
        where TOptions : Linq2DbStoreOptions
    {
        var services = builder.Services;
        var options = services.AddOptions<TOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, StoreOptionsValidator<TOptions>>());
        services.TryAddSingleton(sp => create(sp, sp.GetRequiredService<IOptions<TOptions>>().Value));
        services.TryAddSingleton<ITargetRepository>(sp => sp.GetRequiredService<Linq2DbTargetStore>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, Linq2DbStoreInitializer>());
        return builder;
    }

    private sealed class StoreOptionsValidator<TOptions> : IValidateOptions<TOptions>
        where TOptions : Linq2DbStoreOptions
    {
        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            var problems = options.Validate();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }

    /// <summary>Prepares the store when the host starts, so a broken database stops the start instead of the first request, and no request pays query compilation.</summary>
    private sealed class Linq2DbStoreInitializer(Linq2DbTargetStore store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => store.InitializeAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
