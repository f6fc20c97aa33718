using Microsoft.Data.Sqlite;

namespace TargetTracking.Dashboard;

/// <summary>
/// Chooses the store: PostgreSQL when <c>ConnectionStrings:TargetTracking</c> is set; otherwise the embedded
/// default, a SQLite file next to the app (<c>Dashboard:SqliteFile</c>, relative to the app's directory).
/// </summary>
internal static class DashboardStore
{
    /// <summary>Registers the store and returns a description of it for the start-up banner.</summary>
    public static string Configure(TargetTrackingBuilder tracking, IConfiguration configuration)
    {
        var file = Path.Combine(AppContext.BaseDirectory, configuration["Dashboard:SqliteFile"] is { Length: > 0 } name ? name : "targettracking-demo.db");
        tracking.UseSqlite(new SqliteConnectionStringBuilder { DataSource = file }.ToString());
        return $"SQLite, {file}";
    }
}
