using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using TargetTracking;
using TargetTracking.AspNetCore;
using TargetTracking.Dashboard;

const string DefaultUrl = "http://127.0.0.1:5080";

var builder = WebApplication.CreateBuilder(args);

// A plain `dotnet run`, with or without the launch profile, in any environment, listens on the documented address.
if (string.IsNullOrWhiteSpace(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
{
    builder.WebHost.UseUrls(DefaultUrl);
}

var tracking = builder.Services.AddTargetTracking();
var store = DashboardStore.Configure(tracking, builder.Configuration);

// The whole HTTP API comes from TargetTracking.AspNetCore; the sample only chooses its settings. It trusts the X-User-Id and
// X-User-Name headers for the actor (the page has no sign-in), and its tracked operations can pause between batches so a
// person can watch one and cancel it halfway.
tracking.AddEndpoints(options =>
{
    options.TrustActorHeaders = true;
    options.OperationPauseBetweenBatches = TimeSpan.FromMilliseconds(builder.Configuration.GetValue("Dashboard:Operations:PauseBetweenBatchesMs", 0));
    options.OperationPollInterval = TimeSpan.FromSeconds(builder.Configuration.GetValue("Dashboard:Operations:PollSeconds", 5.0));
    options.RequireIfMatch = builder.Configuration.GetValue("Dashboard:RequireIfMatch", false);
    foreach (var setting in builder.Configuration.GetSection("Dashboard:StuckAfterDays").GetChildren())
    {
        options.StuckAfter[setting.Key] = TimeSpan.FromDays(double.Parse(setting.Value!, System.Globalization.CultureInfo.InvariantCulture));
    }
});

builder.Services.AddHealthChecks().AddTargetTracking();

// Metrics and traces go out over OTLP when an endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT), and nowhere otherwise.
if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
{
    #region sample_opentelemetry
    builder.Services.AddOpenTelemetry()
        .WithMetrics(metrics => metrics.AddMeter(TargetTrackingTelemetry.Name).AddAspNetCoreInstrumentation())
        .WithTracing(tracing => tracing.AddSource(TargetTrackingTelemetry.Name).AddAspNetCoreInstrumentation().AddSource("Npgsql"))
        .UseOtlpExporter();
    #endregion
}

builder.Services.AddOpenApi();

if (builder.Configuration.GetValue("Dashboard:SeedDemoData", defaultValue: true))
{
    builder.Services.AddHostedService<DemoData>();
}

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapOpenApi();
app.MapTargetTracking("/api");
app.MapHealthChecks("/health");

app.Lifetime.ApplicationStarted.Register(() =>
{
    var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
    foreach (var address in addresses)
    {
        Console.WriteLine($"TargetTracking Dashboard is running at {address}  (store: {store}; press Ctrl+C to stop)");
    }
});

await app.RunAsync();

/// <summary>The entry point, public for <c>WebApplicationFactory&lt;Program&gt;</c> in the integration tests.</summary>
public partial class Program;
