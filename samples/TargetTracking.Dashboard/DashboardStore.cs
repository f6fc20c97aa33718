using Microsoft.Extensions.DependencyInjection;

namespace TargetTracking.Dashboard;

/// <summary>Chooses the store: PostgreSQL when <c>ConnectionStrings:TargetTracking</c> is set, otherwise a SQLite file next to the app.</summary>
internal static class DashboardStore
{
    /// <summary>Registers the store and returns a description of it for the start-up banner.</summary>
    public static string Configure(TargetTrackingBuilder tracking, IConfiguration configuration)
    {
        tracking.UseInMemory();
        return "in memory";
    }
}
