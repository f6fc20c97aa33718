using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace TargetTracking.Dashboard.Tests.Package;

/// <summary>The samples of docs/aspnetcore.md, compiled and run by <see cref="PackageDocsTests"/>; the page shows them verbatim.</summary>
public static class DocsSamples
{
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        #region sample_aspnetcore_host
        builder.Services.AddTargetTracking()
            .UseInMemory()                        // or UseSqlite(...), UsePostgreSql(...), UseMySql(...)
            .AddEndpoints(options =>
            {
                options.WritePolicy = "deals:write";
                options.AdminPolicy = "deals:admin";
                options.RequireIfMatch = true;    // writes without If-Match: 428
            });
        builder.Services.AddHealthChecks().AddTargetTracking();
        builder.Services.AddAuthentication().AddBearerToken();  // or JWT, cookies, …
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy("deals:write", policy => policy.RequireRole("sales"))
            .AddPolicy("deals:admin", policy => policy.RequireRole("ops"));
        builder.Services.AddOpenApi();

        var app = builder.Build();
        app.UseExceptionHandler();                // problem details for malformed requests and an unavailable store
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi();
        app.MapTargetTracking("/api/deals")
            .RequireAuthorization();              // every endpoint: a signed-in user; writes and admin: their policies too
        #endregion
        return app;
    }
}
