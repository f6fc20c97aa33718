using Microsoft.Extensions.Logging;
using TargetTracking.Linq2Db;
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
        return builder.UseLinq2DbStore<SqliteStoreOptions>(
            options =>
            {
                options.ConnectionString = connectionString;
                configure?.Invoke(options);
            },
            (sp, options) => SqliteDialect.BuildStore(options, sp.GetService<ILogger<Linq2DbTargetStore>>(), null));
    }
}
