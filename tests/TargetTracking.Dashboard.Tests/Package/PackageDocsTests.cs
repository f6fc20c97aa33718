using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;

namespace TargetTracking.Dashboard.Tests.Package;

/// <summary>docs/aspnetcore.md shows compiled samples, and the host it shows runs.</summary>
public sealed class PackageDocsTests
{
    [Theory]
    [InlineData("sample_aspnetcore_host")]
    public void AspNetCorePage_ShowsTheSample(string region) =>
        TargetTracking.Conformance.DocSync.AssertShown("PackageDocsSamples.cs.txt", "aspnetcore.md", region);

    [Fact]
    public async Task TheDocumentedHost_MapsTheApi_BehindAuthentication()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        await using var app = DocsSamples.Build(builder);
        await app.StartAsync();
        var client = app.GetTestClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/deals/targets")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/openapi/v1.json")).StatusCode);
        await app.StopAsync();
    }
}
