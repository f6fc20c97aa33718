using Microsoft.Extensions.Logging;
using MySqlConnector;
using TargetTracking.Linq2Db;
using TargetTracking.MySql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the MariaDB/MySQL store of TargetTracking.</summary>
public static class MySqlTargetTrackingBuilderExtensions
{
    /// <summary>
    /// Uses MariaDB (or MySQL) as the store, connecting with a connection string that names the database holding the
    /// tables. The store creates and owns its <see cref="MySqlDataSource"/> (disposed with the container). Options are
    /// validated at start-up, and pending migrations are applied at start-up unless
    /// <see cref="TargetTracking.Linq2Db.Linq2DbStoreOptions.ApplyMigrations"/> is off.
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
        MySqlDialect.RequireDatabase(connectionString, nameof(connectionString));
        return builder.UseLinq2DbStore<MySqlStoreOptions>(configure, (sp, options) =>
        {
            var dataSource = new MySqlDataSourceBuilder(connectionString);
            if (sp.GetService<ILoggerFactory>() is { } loggerFactory)
            {
                dataSource.UseLoggerFactory(loggerFactory);
            }

            return MySqlDialect.BuildStore(dataSource.Build(), options, sp.GetService<ILogger<Linq2DbTargetStore>>(), owned: true);
        });
    }

    /// <summary>
    /// Uses MariaDB (or MySQL) as the store, taking connections from <paramref name="dataSource"/>, which stays the
    /// caller's to dispose; its connection string names the database holding the tables. Options are validated at
    /// start-up, and pending migrations are applied at start-up unless <see cref="TargetTracking.Linq2Db.Linq2DbStoreOptions.ApplyMigrations"/> is off.
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
        MySqlDialect.RequireDatabase(dataSource.ConnectionString, nameof(dataSource));
        return builder.UseLinq2DbStore<MySqlStoreOptions>(configure, (sp, options) => MySqlDialect.BuildStore(dataSource, options, sp.GetService<ILogger<Linq2DbTargetStore>>(), owned: false));
    }
}
