using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

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

    /// <summary>Gets the SQLite file, for tests that damage the store behind the API's back (an integrity problem).</summary>
    public string DatabaseFile => _databaseFile;

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

/// <summary>
/// A dashboard whose clock is a <see cref="FakeTimeProvider"/> (the core's "now": history times, report ages), so a history
/// with known times can be written through the API; the tracked operations run in the background as in the sample.
/// </summary>
public class TimedDashboardFactory : DashboardFactory
{
    public FakeTimeProvider Clock { get; } = new(KnownHistory.Start);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }
}

/// <summary>A dashboard whose tracked operations pause between batches, so a test can act on one halfway.</summary>
public sealed class SlowOperationsFactory : DashboardFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Dashboard:Operations:PauseBetweenBatchesMs", "2000");
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
