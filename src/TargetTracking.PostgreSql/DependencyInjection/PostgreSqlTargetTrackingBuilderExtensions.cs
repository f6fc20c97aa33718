using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using TargetTracking;
using TargetTracking.PostgreSql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL store of TargetTracking.</summary>
public static class PostgreSqlTargetTrackingBuilderExtensions
{
    /// <summary>
    /// Uses PostgreSQL as the store, connecting with a connection string. The store creates and owns its
    /// <see cref="NpgsqlDataSource"/> (disposed with the container). Options are validated at start-up, and
    /// pending migrations are applied at start-up unless <see cref="TargetTracking.Linq2Db.Linq2DbStoreOptions.ApplyMigrations"/> is off.
    /// </summary>
    /// <param name="builder">The builder <c>AddTargetTracking</c> returned.</param>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="configure">Configures the store's options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The connection string is empty or not a valid Npgsql connection string.</exception>
    public static TargetTrackingBuilder UsePostgreSql(this TargetTrackingBuilder builder, string connectionString, Action<PostgreSqlStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);

        // Fail at registration, naming the problem, rather than at the first query.
        _ = new NpgsqlConnectionStringBuilder(connectionString);
        return Register(builder, configure, sp =>
        {
            var dataSource = new NpgsqlDataSourceBuilder(connectionString);
            if (sp.GetService<ILoggerFactory>() is { } loggerFactory)
            {
                dataSource.UseLoggerFactory(loggerFactory);
            }

            return new DataSourceHolder(dataSource.Build(), owned: true);
        });
    }

    /// <summary>
    /// Uses PostgreSQL as the store, taking connections from <paramref name="dataSource"/>, which stays the
    /// caller's to dispose. Options are validated at start-up, and pending migrations are applied at start-up
    /// unless <see cref="TargetTracking.Linq2Db.Linq2DbStoreOptions.ApplyMigrations"/> is off.
    /// </summary>
    /// <param name="builder">The builder <c>AddTargetTracking</c> returned.</param>
    /// <param name="dataSource">Where connections come from.</param>
    /// <param name="configure">Configures the store's options.</param>
    /// <returns>The builder.</returns>
    public static TargetTrackingBuilder UsePostgreSql(this TargetTrackingBuilder builder, NpgsqlDataSource dataSource, Action<PostgreSqlStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(dataSource);
        return Register(builder, configure, _ => new DataSourceHolder(dataSource, owned: false));
    }

    private static TargetTrackingBuilder Register(TargetTrackingBuilder builder, Action<PostgreSqlStoreOptions>? configure, Func<IServiceProvider, DataSourceHolder> dataSource)
    {
        var services = builder.Services;
        var options = services.AddOptions<PostgreSqlStoreOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgreSqlStoreOptions>, PostgreSqlStoreOptionsValidator>());
        services.TryAddSingleton(dataSource);
        services.TryAddSingleton(sp => new PostgreSqlTargetRepository(
            sp.GetRequiredService<DataSourceHolder>().DataSource,
            sp.GetRequiredService<IOptions<PostgreSqlStoreOptions>>().Value,
            sp.GetService<ILogger<PostgreSqlTargetRepository>>()));
        services.TryAddSingleton<ITargetRepository>(sp => sp.GetRequiredService<PostgreSqlTargetRepository>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PostgreSqlSchemaInitializer>());
        return builder;
    }

    /// <summary>Keeps the data source, and disposes it with the container when the store created it.</summary>
    private sealed class DataSourceHolder(NpgsqlDataSource dataSource, bool owned) : IAsyncDisposable
    {
        public NpgsqlDataSource DataSource { get; } = dataSource;

        public ValueTask DisposeAsync() => owned ? DataSource.DisposeAsync() : ValueTask.CompletedTask;
    }

    private sealed class PostgreSqlStoreOptionsValidator : IValidateOptions<PostgreSqlStoreOptions>
    {
        public ValidateOptionsResult Validate(string? name, PostgreSqlStoreOptions options)
        {
            var problems = options.Validate();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }

    /// <summary>Prepares the store when the host starts (migrations, query compilation), so a broken database stops the start instead of the first request.</summary>
    private sealed class PostgreSqlSchemaInitializer(PostgreSqlTargetRepository repository) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => repository.InitializeAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
