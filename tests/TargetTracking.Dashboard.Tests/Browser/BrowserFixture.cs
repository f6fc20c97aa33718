using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Playwright;

namespace TargetTracking.Dashboard.Tests.Browser;

/// <summary>
/// The dashboard on a real loopback port (Kestrel, a SQLite file of its own) and Debian's chromium driven by Playwright:
/// what a person gets from the README's first command, in a browser.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Debian's chromium; Playwright's own browser download cannot work on this machine.</summary>
    public const string Chromium = "/usr/bin/chromium";

    private readonly KestrelDashboard _dashboard = new();
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Gets the SQLite file of the fixture's dashboard, for a test that damages it behind the API's back.</summary>
    public string DatabaseFile => _dashboard.DatabaseFile;

    /// <summary>Where each test leaves the screenshot of its last moment (kept, so a failure shows what the page showed).</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        BaseAddress = ServeOnLoopback(_dashboard);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true });
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    /// <summary>Starts a dashboard on a free loopback port (it must set <c>urls</c> to port 0) and returns its address.</summary>
    public static Uri ServeOnLoopback(WebApplicationFactory<Program> dashboard)
    {
        dashboard.UseKestrel();
        dashboard.StartServer();
        return new Uri(dashboard.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    /// <summary>A new page in a browser context of its own (its own storage: another person at another desk).</summary>
    /// <param name="actor">The name typed into "Acting as", if any.</param>
    /// <param name="live">
    /// <see langword="false"/> cuts the page off the change feed, as when its connection dropped: it keeps what it loaded,
    /// so what it does with a target changed meanwhile is deterministic.
    /// </param>
    /// <param name="dashboard">Another dashboard than the fixture's, when a test needs a store of its own.</param>
    public async Task<IPage> OpenAsync(string? actor = null, bool live = true, Uri? dashboard = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = (dashboard ?? BaseAddress).ToString(), ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        if (!live)
        {
            await context.RouteAsync("**/api/feed**", route => route.AbortAsync());
        }

        var page = await context.NewPageAsync();
        if (actor is not null)
        {
            await page.AddInitScriptAsync($"localStorage.setItem('actor', {System.Text.Json.JsonSerializer.Serialize(actor)});");
        }

        await page.GotoAsync("/");
        await page.WaitForSelectorAsync("body[data-ready=true]");
        return page;
    }

    /// <summary>Runs a test on a new page and takes its screenshot, named after the test, whether it passed or failed.</summary>
    public async Task RunAsync(Func<IPage, Task> test, string name, string? actor = null, bool live = true, Uri? dashboard = null)
    {
        var page = await OpenAsync(actor, live, dashboard);
        try
        {
            await test(page);
        }
        finally
        {
            await Screenshot.TakeAsync(page, name);
            await page.Context.CloseAsync();
        }
    }

    /// <summary>An HTTP client of the same host, to arrange data the way another client would.</summary>
    public HttpClient Api() => new() { BaseAddress = BaseAddress };

    public async Task<TargetDto> CreateAsync(string name, string? status = null, string[]? markets = null)
    {
        using var client = Api();
        var response = await client.PostAsJsonAsync("/api/targets", new { name, status, markets }, Tests.Api.Json);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<TargetDto>(Tests.Api.Json))!;
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
        await _dashboard.DisposeAsync();
    }

    private sealed class KestrelDashboard : DashboardFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("urls", "http://127.0.0.1:0");

            // Tracked operations pause between batches, so a test sees one halfway and can cancel it.
            builder.UseSetting("Dashboard:Operations:PauseBetweenBatchesMs", "400");
        }
    }
}

/// <summary>
/// A dashboard of its own on a loopback port, on a fake clock, with <see cref="KnownHistory"/> written: the reports it
/// shows have known numbers, whatever the other browser tests do to the fixture's dashboard.
/// </summary>
public sealed class KnownHistoryBrowserDashboard : IAsyncLifetime
{
    private readonly KestrelTimedDashboard _dashboard = new();

    public Uri BaseAddress { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        BaseAddress = BrowserFixture.ServeOnLoopback(_dashboard);
        using var client = new HttpClient { BaseAddress = BaseAddress };
        await KnownHistory.WriteAsync(client, _dashboard.Clock);
    }

    public async Task DisposeAsync() => await _dashboard.DisposeAsync();

    private sealed class KestrelTimedDashboard : TimedDashboardFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("urls", "http://127.0.0.1:0");
        }
    }
}

/// <summary>Takes each test's last screenshot, named after the test, whether it passed or failed.</summary>
internal static class Screenshot
{
    public static async Task TakeAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });
}
