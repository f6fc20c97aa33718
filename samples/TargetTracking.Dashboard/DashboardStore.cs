using Microsoft.Data.Sqlite;
using Npgsql;

namespace TargetTracking.Dashboard;

/// <summary>
/// Chooses the store: PostgreSQL when <c>ConnectionStrings:TargetTracking</c> is set (in the schema
/// <c>Dashboard:PostgreSqlSchema</c>, when given); otherwise the embedded default, a SQLite file next to the app
/// (<c>Dashboard:SqliteFile</c>, relative to the app's directory).
/// </summary>
internal static class DashboardStore
{
    /// <summary>Registers the store and returns a description of it, without secrets, for the start-up banner.</summary>
    public static string Configure(TargetTrackingBuilder tracking, IConfiguration configuration)
    {
        if (configuration.GetConnectionString("TargetTracking") is { Length: > 0 } postgres)
        {
            var schema = configuration["Dashboard:PostgreSqlSchema"];
            tracking.UsePostgreSql(postgres, options =>
            {
                if (!string.IsNullOrWhiteSpace(schema))
                {
                    options.Schema = schema;
                }
            });
            var where = new NpgsqlConnectionStringBuilder(postgres);
            return $"PostgreSQL, {where.Host}:{where.Port}/{where.Database}";
        }

        var file = Path.Combine(AppContext.BaseDirectory, configuration["Dashboard:SqliteFile"] is { Length: > 0 } name ? name : "targettracking-demo.db");
        tracking.UseSqlite(new SqliteConnectionStringBuilder { DataSource = file }.ToString());
        return $"SQLite, {file}";
    }
}
