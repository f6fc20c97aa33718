using Ardalis.GuardClauses;
using LinqToDB;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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
        return builder.UseLinq2DbStore(sp => new Linq2DbTargetStore(options, dialect, applyMigrations, sp.GetService<ILogger<Linq2DbTargetStore>>()));
    }

    /// <summary>Registers a store built by <paramref name="create"/> as the repository, initialized when the host starts (the store packages use it).</summary>
    internal static TargetTrackingBuilder UseLinq2DbStore(this TargetTrackingBuilder builder, Func<IServiceProvider, Linq2DbTargetStore> create)
    {
        var services = builder.Services;
        services.TryAddSingleton(create);
        services.TryAddSingleton<ITargetRepository>(sp => sp.GetRequiredService<Linq2DbTargetStore>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, Linq2DbStoreInitializer>());
        return builder;
    }

    /// <summary>Prepares the store when the host starts, so a broken database stops the start instead of the first request, and no request pays query compilation.</summary>
    private sealed class Linq2DbStoreInitializer(Linq2DbTargetStore store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => store.InitializeAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
