using Microsoft.Extensions.Logging;
using Npgsql;
using TargetTracking.Linq2Db;
using TargetTracking.PostgreSql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL store of TargetTracking.</summary>
public static class PostgreSqlTargetTrackingBuilderExtensions
{
    /// <summary>
    /// Uses PostgreSQL as the store, connecting with a connection string. The store creates and owns its
    /// <see cref="NpgsqlDataSource"/> (disposed with the container). Options are validated at start-up, and
    /// pending migrations are applied at start-up unless <see cref="Linq2DbStoreOptions.ApplyMigrations"/> is off.
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
        return builder.UseLinq2DbStore<PostgreSqlStoreOptions>(configure, (sp, options) =>
        {
            var dataSource = new NpgsqlDataSourceBuilder(connectionString);
            if (sp.GetService<ILoggerFactory>() is { } loggerFactory)
            {
                dataSource.UseLoggerFactory(loggerFactory);
            }

            return PostgreSqlDialect.BuildStore(dataSource.Build(), options, sp.GetService<ILogger<Linq2DbTargetStore>>(), owned: true);
        });
    }

    /// <summary>
    /// Uses PostgreSQL as the store, taking connections from <paramref name="dataSource"/>, which stays the
    /// caller's to dispose. Options are validated at start-up, and pending migrations are applied at start-up
    /// unless <see cref="Linq2DbStoreOptions.ApplyMigrations"/> is off.
    /// </summary>
    /// <param name="builder">The builder <c>AddTargetTracking</c> returned.</param>
    /// <param name="dataSource">Where connections come from.</param>
    /// <param name="configure">Configures the store's options.</param>
    /// <returns>The builder.</returns>
    public static TargetTrackingBuilder UsePostgreSql(this TargetTrackingBuilder builder, NpgsqlDataSource dataSource, Action<PostgreSqlStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(dataSource);
        return builder.UseLinq2DbStore<PostgreSqlStoreOptions>(configure, (sp, options) => PostgreSqlDialect.BuildStore(dataSource, options, sp.GetService<ILogger<Linq2DbTargetStore>>(), owned: false));
    }
}
