using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TargetTracking.AspNetCore;

namespace TargetTracking.Dashboard.Tests.Package;

/// <summary>
/// A host of its own on the TargetTracking.AspNetCore package, not the sample: the in-memory store, the API under
/// <c>/tt</c>, a policy per group (roles <c>reader</c>, <c>writer</c>, <c>admin</c> from the <c>X-Test-Roles</c> header of a
/// test authentication scheme) and the OpenAPI document.
/// </summary>
internal sealed class PackageHost : IAsyncDisposable
{
    public const string Prefix = "/tt";
    public static readonly string[] AllRoles = ["reader", "writer", "admin"];

    private readonly WebApplication _app;

    private PackageHost(WebApplication app) => _app = app;

    public IServiceProvider Services => _app.Services;

    public static async Task<PackageHost> StartAsync(Action<TargetTrackingEndpointOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        services?.Invoke(builder.Services);
        builder.Services.AddTargetTracking().UseInMemory().AddEndpoints(options =>
        {
            options.ReadPolicy = "read";
            options.WritePolicy = "write";
            options.AdminPolicy = "admin";
            configure?.Invoke(options);
        });
        builder.Services.AddHealthChecks().AddTargetTracking();
        builder.Services.AddAuthentication(RoleHeaderAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, RoleHeaderAuthentication>(RoleHeaderAuthentication.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy("read", p => p.RequireRole("reader"))
            .AddPolicy("write", p => p.RequireRole("writer"))
            .AddPolicy("admin", p => p.RequireRole("admin"));
        builder.Services.AddOpenApi();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi();
        app.MapTargetTracking(Prefix);
        await app.StartAsync();
        return new PackageHost(app);
    }

    /// <summary>A client whose requests carry the roles (none: anonymous).</summary>
    public HttpClient Client(params string[] roles)
    {
        var client = _app.GetTestClient();
        if (roles.Length > 0)
        {
            client.DefaultRequestHeaders.Add(RoleHeaderAuthentication.Header, string.Join(',', roles));
        }

        return client;
    }

    /// <summary>Every endpoint the package mapped, as (method, route pattern).</summary>
    public IReadOnlyList<(string Method, string Route)> Endpoints() =>
        [.. _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith(Prefix + "/", StringComparison.Ordinal))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => (m, e.RoutePattern.RawText!)))];

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Signs in user <c>user-1</c> ("Test User") with the roles of the <c>X-Test-Roles</c> header; no header, no user.</summary>
    private sealed class RoleHeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string SchemeName = "Test", Header = "X-Test-Roles";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (Request.Headers[Header].ToString() is not { Length: > 0 } roles)
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var identity = new ClaimsIdentity(
                [new Claim(ClaimTypes.NameIdentifier, "user-1"), new Claim(ClaimTypes.Name, "Test User"),
                 .. roles.Split(',').Select(r => new Claim(ClaimTypes.Role, r))],
                SchemeName);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
        }
    }
}
