using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseUrls("http://127.0.0.1:0");
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddTargetTracking().UseInMemory().AddEndpoints();

var app = builder.Build();
app.UseExceptionHandler();
app.MapTargetTracking("/api");
await app.StartAsync();

// One request as a client makes it, then the answer it reads back.
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
using var client = new HttpClient { BaseAddress = new Uri(address) };
var created = await client.PostAsJsonAsync("/api/targets", new { name = "Acme GmbH", status = "Active" });
var read = await client.GetAsync(created.Headers.Location);
Console.WriteLine($"POST /api/targets: {(int)created.StatusCode}; GET its Location: {(int)read.StatusCode}, ETag {read.Headers.ETag}");
await app.StopAsync();
