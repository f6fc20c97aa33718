using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TargetTracking.InMemory;

namespace TargetTracking.Dashboard.Tests;

/// <summary>
/// Hosts the dashboard in memory, in the Production environment, on a store of its own that starts empty
/// (no demo data unless <see cref="SeedDemoData"/>). Configured from outside, as any deployment would be.
/// </summary>
public class DashboardFactory : WebApplicationFactory<Program>
{
    protected virtual bool SeedDemoData => false;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Dashboard:SeedDemoData", SeedDemoData ? "true" : "false");
        builder.ConfigureTestServices(services => services.Replace(ServiceDescriptor.Singleton<ITargetRepository, InMemoryTargetRepository>()));
    }
}

/// <summary>A dashboard whose empty store is seeded with the demo pipeline at start-up.</summary>
public sealed class SeededDashboardFactory : DashboardFactory
{
    protected override bool SeedDemoData => true;
}
