using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TargetTracking;
using TargetTracking.Sqlite;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SQLite store of TargetTracking.</summary>
public static class SqliteTargetTrackingBuilderExtensions
{
    /// <summary>
    /// Uses SQLite as the store: <c>services.AddTargetTracking().UseSqlite("Data Source=targets.db")</c>.
    /// The options are validated at start-up, and a hosted service prepares the database (WAL mode, schema
    /// migrations) when the host starts; without a host, the store does so on first use.
    /// </summary>
    /// <param name="builder">The builder <c>AddTargetTracking</c> returned.</param>
    /// <param name="connectionString">The connection string, e.g. <c>Data Source=targets.db</c>, or <c>Data Source=name;Mode=Memory;Cache=Shared</c> for an in-memory database.</param>
    /// <param name="configure">Configures the other options (migrations, busy timeout).</param>
    /// <returns>The builder.</returns>
    public static TargetTrackingBuilder UseSqlite(this TargetTrackingBuilder builder, string connectionString, Action<SqliteStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<SqliteStoreOptions>()
            .Configure(options =>
            {
                options.ConnectionString = connectionString;
                configure?.Invoke(options);
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqliteStoreOptions>, SqliteStoreOptionsValidator>());
        services.TryAddSingleton(sp => new SqliteTargetRepository(sp.GetRequiredService<IOptions<SqliteStoreOptions>>().Value));
        services.TryAddSingleton<ITargetRepository>(sp => sp.GetRequiredService<SqliteTargetRepository>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SqliteStoreInitializer>());
        return builder;
    }

    private sealed class SqliteStoreOptionsValidator : IValidateOptions<SqliteStoreOptions>
    {
        public ValidateOptionsResult Validate(string? name, SqliteStoreOptions options)
        {
            var problems = options.Validate();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }

    /// <summary>Prepares the database when the host starts, so a bad path or schema fails at start-up, not on the first request.</summary>
    private sealed class SqliteStoreInitializer(SqliteTargetRepository repository) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => repository.InitializeAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
