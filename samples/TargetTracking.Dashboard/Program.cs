using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Json;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using TargetTracking;
using TargetTracking.Dashboard;
using TargetTracking.Dashboard.Api;

const string DefaultUrl = "http://127.0.0.1:5080";

var builder = WebApplication.CreateBuilder(args);

// A plain `dotnet run`, with or without the launch profile, in any environment, listens on the documented address.
if (string.IsNullOrWhiteSpace(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
{
    builder.WebHost.UseUrls(DefaultUrl);
}

var tracking = builder.Services.AddTargetTracking();
var store = DashboardStore.Configure(tracking, builder.Configuration);

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

builder.Services.AddHttpContextAccessor();
builder.Services.AddSingleton<IAuditContextAccessor, HttpAuditContextAccessor>();
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ApiExceptionHandler>();
builder.Services.AddOpenApi();
builder.Services.Configure<JsonOptions>(options => ApiJson.Configure(options.SerializerOptions));

// Binding failures (malformed JSON, an unknown property, a number that is not one) reach ApiExceptionHandler, which
// answers 400 problem details with a code and the field in every environment.
builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);

// Tracked operations started from the page run in the background, batch by batch (see OperationPump).
builder.Services.AddSingleton<OperationPump>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<OperationPump>());

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
app.MapTargetsApi();
app.MapPipelineApi();
app.MapGoalsApi();
app.MapFeedApi();
app.MapReportsApi();
app.MapIntegrityApi();
app.MapOperationsApi();
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
