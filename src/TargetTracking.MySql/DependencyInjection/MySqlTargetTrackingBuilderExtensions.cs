using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;
using TargetTracking;
using TargetTracking.MySql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the MariaDB/MySQL store of TargetTracking.</summary>
public static class MySqlTargetTrackingBuilderExtensions
{
    /// <summary>
    /// Uses MariaDB (or MySQL) as the store, connecting with a connection string that names the database holding the
    /// tables. The store creates and owns its <see cref="MySqlDataSource"/> (disposed with the container). Options are
    /// validated at start-up, and pending migrations are applied at start-up unless
    /// <see cref="MySqlStoreOptions.ApplyMigrations"/> is off.
    /// </summary>
    /// <param name="builder">The builder <c>AddTargetTracking</c> returned.</param>
    /// <param name="connectionString">A MySqlConnector connection string with a <c>Database</c>.</param>
    /// <param name="configure">Configures the store's options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The connection string is empty, not a valid MySqlConnector connection string, or names no database.</exception>
    public static TargetTrackingBuilder UseMySql(this TargetTrackingBuilder builder, string connectionString, Action<MySqlStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);

        // Fail at registration, naming the problem, rather than at the first query.
        MySqlTargetRepository.RequireDatabase(connectionString, nameof(connectionString));
        return Register(builder, configure, sp =>
        {
            var dataSource = new MySqlDataSourceBuilder(connectionString);
            if (sp.GetService<ILoggerFactory>() is { } loggerFactory)
            {
                dataSource.UseLoggerFactory(loggerFactory);
            }

            return new DataSourceHolder(dataSource.Build(), owned: true);
        });
    }

    /// <summary>
    /// Uses MariaDB (or MySQL) as the store, taking connections from <paramref name="dataSource"/>, which stays the
    /// caller's to dispose; its connection string names the database holding the tables. Options are validated at
    /// start-up, and pending migrations are applied at start-up unless <see cref="MySqlStoreOptions.ApplyMigrations"/> is off.
    /// </summary>
    /// <param name="builder">The builder <c>AddTargetTracking</c> returned.</param>
    /// <param name="dataSource">Where connections come from.</param>
    /// <param name="configure">Configures the store's options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The data source's connection string names no database.</exception>
    public static TargetTrackingBuilder UseMySql(this TargetTrackingBuilder builder, MySqlDataSource dataSource, Action<MySqlStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(dataSource);
        MySqlTargetRepository.RequireDatabase(dataSource.ConnectionString, nameof(dataSource));
        return Register(builder, configure, _ => new DataSourceHolder(dataSource, owned: false));
    }

    private static TargetTrackingBuilder Register(TargetTrackingBuilder builder, Action<MySqlStoreOptions>? configure, Func<IServiceProvider, DataSourceHolder> dataSource)
    {
        var services = builder.Services;
        var options = services.AddOptions<MySqlStoreOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MySqlStoreOptions>, MySqlStoreOptionsValidator>());
        services.TryAddSingleton(dataSource);
        services.TryAddSingleton(sp => new MySqlTargetRepository(
            sp.GetRequiredService<DataSourceHolder>().DataSource,
            sp.GetRequiredService<IOptions<MySqlStoreOptions>>().Value,
            sp.GetService<ILogger<MySqlTargetRepository>>()));
        services.TryAddSingleton<ITargetRepository>(sp => sp.GetRequiredService<MySqlTargetRepository>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MySqlStoreInitializer>());
        return builder;
    }

    /// <summary>Keeps the data source, and disposes it with the container when the store created it.</summary>
    private sealed class DataSourceHolder(MySqlDataSource dataSource, bool owned) : IAsyncDisposable
    {
        public MySqlDataSource DataSource { get; } = dataSource;

        public ValueTask DisposeAsync() => owned ? DataSource.DisposeAsync() : ValueTask.CompletedTask;
    }

    private sealed class MySqlStoreOptionsValidator : IValidateOptions<MySqlStoreOptions>
    {
        public ValidateOptionsResult Validate(string? name, MySqlStoreOptions options)
        {
            var problems = options.Validate();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }

    /// <summary>Prepares the store when the host starts (migrations, query compilation), so a broken database stops the start instead of the first request.</summary>
    private sealed class MySqlStoreInitializer(MySqlTargetRepository repository) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => repository.InitializeAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
