using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace TargetTracking.Conformance;

/// <summary>Starts a service provider the way the generic host does, without a host.</summary>
public static class HostStart
{
    /// <summary>Validates the options registered to be validated at start, then starts every hosted service (the store's initializer among them).</summary>
    /// <param name="services">The built provider.</param>
    /// <returns>A task that completes when every hosted service has started.</returns>
    public static async Task StartAsync(IServiceProvider services)
    {
        services.GetRequiredService<IStartupValidator>().Validate();
        foreach (var hosted in services.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }
    }
}
