using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace TargetTracking.Dashboard.Tests;

/// <summary>
/// Hosts the dashboard in memory, in the Production environment, on a SQLite file of its own in the temp
/// directory that starts empty (no demo data unless <see cref="SeedDemoData"/>). Configured from outside,
/// through the settings any deployment would use.
/// </summary>
public class DashboardFactory : WebApplicationFactory<Program>
{
    private readonly string _databaseFile = Path.Combine(Path.GetTempPath(), $"targettracking-dashboard-{Guid.NewGuid():N}.db");

    protected virtual bool SeedDemoData => false;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Dashboard:SqliteFile", _databaseFile);
        builder.UseSetting("Dashboard:SeedDemoData", SeedDemoData ? "true" : "false");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
        foreach (var file in new[] { _databaseFile, _databaseFile + "-wal", _databaseFile + "-shm" })
        {
            File.Delete(file);
        }
    }
}

/// <summary>A dashboard whose empty store is seeded with the demo pipeline at start-up.</summary>
public sealed class SeededDashboardFactory : DashboardFactory
{
    protected override bool SeedDemoData => true;
}

/// <summary>
/// A dashboard on PostgreSQL, chosen the way a deployment chooses it (<c>ConnectionStrings:TargetTracking</c>),
/// in a schema of its own on the test run's server.
/// </summary>
public sealed class PostgreSqlDashboardFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    private string? _connectionString;

    public string Schema { get; } = $"dashboard_{Guid.NewGuid():N}";

    public async Task InitializeAsync() => _connectionString = await TargetTracking.PostgreSql.Tests.PostgreSqlServer.GetConnectionStringAsync();

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("ConnectionStrings:TargetTracking", _connectionString ?? throw new InvalidOperationException("The factory is not initialized."));
        builder.UseSetting("Dashboard:PostgreSqlSchema", Schema);
        builder.UseSetting("Dashboard:SeedDemoData", "true");
    }
}
