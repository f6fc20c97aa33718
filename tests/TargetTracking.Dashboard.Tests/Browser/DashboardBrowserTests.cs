using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using Microsoft.Playwright;

namespace TargetTracking.Dashboard.Tests.Browser;

/// <summary>
/// What a sales lead does on the dashboard, in chromium: every test ends with a screenshot named after it in
/// <c>screenshots/</c> next to the test assembly, taken also when it fails.
/// </summary>
[Collection(nameof(BrowserCollection))]
public sealed class DashboardBrowserTests(BrowserFixture browser)
{
    [Fact]
    public Task CreateEditAndMove_ShowTheTargetWhereItIs_WithItsHistory_AndNoNullText() => Run(async page =>
    {
        var name = Unique("Fjord Freight");
        await page.ClickAsync("summary:has-text('New target')");
        await page.FillAsync("#create input[name=name]", name);
        await page.FillAsync("#create input[name=markets]", "Nordics");
        await page.SelectOptionAsync("#create select[name=status]", "Cold");
        await page.ClickAsync("#create button");

        var drawer = page.GetByTestId("detail");
        await Assertions.Expect(drawer.Locator("h2")).ToHaveTextAsync(name);
        await Assertions.Expect(Card(page, "Cold", name)).ToBeVisibleAsync();

        await drawer.Locator("summary:has-text('Edit')").ClickAsync();
        await drawer.Locator("textarea[name=description]").FillAsync("Cold-chain freight, Oslo to Gothenburg.");
        await drawer.Locator("input[name=markets]").FillAsync("Nordics, DACH");
        await drawer.Locator("button:has-text('Save')").ClickAsync();
        await Assertions.Expect(drawer.GetByTestId("description")).ToHaveTextAsync("Cold-chain freight, Oslo to Gothenburg.");

        await drawer.Locator(".moves button:has-text('Active')").ClickAsync();
        await Assertions.Expect(drawer.GetByTestId("status")).ToHaveTextAsync("Active");
        await Assertions.Expect(Card(page, "Active", name)).ToBeVisibleAsync();
        await Assertions.Expect(Card(page, "Cold", name)).ToHaveCountAsync(0);
        await Assertions.Expect(drawer.GetByTestId("history").Locator("tr")).ToHaveCountAsync(3);
        await Assertions.Expect(drawer.GetByTestId("history").Locator("tr").First).ToContainTextAsync("Cold → Active");
        Assert.DoesNotContain("null", await page.InnerTextAsync("body"), StringComparison.Ordinal);
    });

    [Fact]
    public Task BulkMove_ShowsTheOutcomeOfEachItem_IncludingAForbiddenMove() => Run(async page =>
    {
        var market = Unique("Bulk");
        var a = await browser.CreateAsync(Unique("Bulk A"), "Cold", [market]);
        var b = await browser.CreateAsync(Unique("Bulk B"), "Cold", [market]);
        var closed = await browser.CreateAsync(Unique("Bulk Closed"), "Active", [market]);
        using (var api = browser.Api())
        {
            (await api.PutAsJsonAsync($"/api/targets/{closed.Id}/status", new { status = "Closed", expectedVersion = 1 })).EnsureSuccessStatusCode();
        }

        await page.FillAsync("#filter-market", market);
        await Assertions.Expect(page.GetByTestId("card")).ToHaveCountAsync(3);
        await Card(page, "Cold", a.Name).Locator("input[type=checkbox]").CheckAsync();
        await Card(page, "Cold", b.Name).Locator("input[type=checkbox]").CheckAsync();
        await Card(page, "Closed", closed.Name).Locator("input[type=checkbox]").CheckAsync();

        await Assertions.Expect(page.Locator("#bulk-count")).ToHaveTextAsync("3 selected");
        await page.SelectOptionAsync("#bulk-status", "Hot");
        await page.ClickAsync("#bulk-move");

        var outcome = page.GetByTestId("bulk-message");
        await Assertions.Expect(outcome).ToContainTextAsync("Moved 2 of 3");
        await Assertions.Expect(outcome).ToContainTextAsync($"{a.Name}: moved to Hot.");
        await Assertions.Expect(outcome).ToContainTextAsync($"{b.Name}: moved to Hot.");
        await Assertions.Expect(outcome).ToContainTextAsync($"{closed.Name}: Closed cannot move to Hot. Closed is a final status.");
        await Assertions.Expect(Card(page, "Hot", a.Name)).ToBeVisibleAsync();
        await Assertions.Expect(Card(page, "Closed", closed.Name)).ToBeVisibleAsync();
    });

    [Fact]
    public Task TwoPages_TheSecondMoveOfAStaleTarget_IsAConflictThatOffersAReload() => RunTwo(async (first, second) =>
    {
        var target = await browser.CreateAsync(Unique("Contested"), "Cold");
        await Open(first, target.Name);
        await Open(second, target.Name);

        await first.GetByTestId("detail").Locator(".moves button:has-text('Active')").ClickAsync();
        await Assertions.Expect(first.GetByTestId("detail").GetByTestId("status")).ToHaveTextAsync("Active");
        await second.GetByTestId("detail").Locator(".moves button:has-text('Hot')").ClickAsync();

        var message = second.GetByTestId("detail-message");
        await Assertions.Expect(message).ToContainTextAsync("Someone changed");
        await Assertions.Expect(message).ToContainTextAsync("it is now Active. Nothing was saved.");
        await message.Locator("button:has-text('Reload')").ClickAsync();
        await Assertions.Expect(second.GetByTestId("detail").GetByTestId("status")).ToHaveTextAsync("Active");
    });

    [Fact]
    public Task DeleteOnOnePage_IsExplainedOnTheOther_WhenItActsOnTheTarget() => RunTwo(async (deleter, other) =>
    {
        var target = await browser.CreateAsync(Unique("Gone Soon"), "Cold");
        await Open(deleter, target.Name);
        await Open(other, target.Name);

        deleter.Dialog += (_, dialog) => dialog.AcceptAsync();
        await deleter.GetByTestId("detail").Locator("button:has-text('Delete')").ClickAsync();
        await Assertions.Expect(deleter.GetByTestId("board-message")).ToContainTextAsync($"Deleted “{target.Name}”.");
        await Assertions.Expect(deleter.GetByTestId("card").Filter(new() { HasText = target.Name })).ToHaveCountAsync(0);

        await other.GetByTestId("detail").Locator(".moves button:has-text('Active')").ClickAsync();
        await Assertions.Expect(other.GetByTestId("detail-message")).ToContainTextAsync($"“{target.Name}” was deleted by someone else meanwhile.");
        await Assertions.Expect(other.GetByTestId("card").Filter(new() { HasText = target.Name })).ToHaveCountAsync(0);
    });

    [Fact]
    public Task NonAsciiActorName_KeepsTheBoard_AndLandsInTheHistoryAsTyped() => Run(
        async page =>
        {
            var name = Unique("Łódź Ventures");
            await page.ClickAsync("summary:has-text('New target')");
            await page.FillAsync("#create input[name=name]", name);
            await page.ClickAsync("#create button");

            var drawer = page.GetByTestId("detail");
            await Assertions.Expect(drawer.Locator("h2")).ToHaveTextAsync(name);
            await Assertions.Expect(page.GetByTestId("column")).ToHaveCountAsync(6);
            await Assertions.Expect(drawer.GetByTestId("history").Locator("tr").First).ToContainTextAsync("Zoë Łukasz 🚀");
        },
        actor: "Zoë Łukasz 🚀");

    [Fact]
    public Task Board_CountsEveryTarget_PagesLongColumns_AndFitsEveryStatusIn1400Pixels() => Run(async page =>
    {
        var market = Unique("Paging");
        using (var api = browser.Api())
        {
            for (var i = 0; i < 30; i++)
            {
                (await api.PostAsJsonAsync("/api/targets", new { name = $"Lead {i:00} {market}", status = "Hot", markets = new[] { market } })).EnsureSuccessStatusCode();
            }
        }

        await page.FillAsync("#filter-market", market);
        var hot = page.Locator("[data-testid=column][data-status=Hot]");
        await Assertions.Expect(hot.GetByTestId("count")).ToHaveTextAsync("30 found");
        await Assertions.Expect(hot.GetByTestId("card")).ToHaveCountAsync(25);
        await hot.Locator("button:has-text('Show 5 more of 5')").ClickAsync();
        await Assertions.Expect(hot.GetByTestId("card")).ToHaveCountAsync(30);

        // Measured in one go in the page, so a redraw between two measurements cannot detach a column under the test.
        var boxes = await page.EvaluateAsync<double[][]>(
            "() => [...document.querySelectorAll('[data-testid=column]')].map(c => { const r = c.getBoundingClientRect(); return [r.x, r.width]; })");
        Assert.Equal(6, boxes.Length);
        Assert.All(boxes, box => Assert.True(box[0] >= 0 && box[0] + box[1] <= 1400, $"column at {box[0]}+{box[1]} fits 1,400 px"));

        Assert.DoesNotContain("offer every status", await page.InnerTextAsync("body"), StringComparison.OrdinalIgnoreCase);
    }, live: false);

    [Fact]
    public Task PipelineGraph_IsAnSvgWithEveryStatusAndItsCount() => Run(async page =>
    {
        var graph = page.GetByTestId("graph").Locator("svg");
        await Assertions.Expect(graph).ToBeVisibleAsync();
        foreach (var status in new[] { "Not Set", "Passed", "Cold", "Active", "Hot", "Closed" })
        {
            await Assertions.Expect(graph.Locator($"g[data-status='{status}'] text")).ToContainTextAsync(status + " · ");
        }

        Assert.True(await graph.Locator("path[marker-end]").CountAsync() >= 10, "an arrow per allowed move");
    });

    [Fact]
    public Task AColleaguesMove_AppearsWithoutAReload_InTheBoardAndInRecentChanges() => Run(async page =>
    {
        var target = await browser.CreateAsync(Unique("Live Deal"), "Cold");
        await page.FillAsync("#filter-name", target.Name);
        await Assertions.Expect(Card(page, "Cold", target.Name)).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("live")).ToHaveTextAsync("live");

        using (var colleague = browser.Api())
        {
            colleague.DefaultRequestHeaders.Add("X-User-Name", "Priya");
            (await colleague.PutAsJsonAsync($"/api/targets/{target.Id}/status", new { status = "Hot", expectedVersion = 1 })).EnsureSuccessStatusCode();
        }

        await Assertions.Expect(Card(page, "Hot", target.Name)).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("change").First).ToContainTextAsync($"{target.Name}: Priya moved Cold → Hot");
    });

    [Fact]
    public Task GoalsView_ShowsEachGoalsProgress_AndOpensToItsOutcomesSprintsAndCommitments() => Run(async page =>
    {
        var title = Unique("Grow DACH");
        using (var api = browser.Api())
        {
            var goal = await CreateItemAsync(api, "goals", new { title, targetDate = "2027-03-31" });
            var sprint = await CreateItemAsync(api, "sprints", new { title = "Sprint 15", sprintName = "S15", startDate = "2026-11-02", endDate = "2026-12-18" });
            var commitment = await CreateItemAsync(api, "commitments", new { title = "Book the Munich fair" });
            var outcome = await browser.CreateAsync(Unique("Alpenwerk"), "Hot");
            foreach (var item in new[] { goal, sprint, commitment })
            {
                (await api.PutAsync($"/api/targets/{outcome.Id}/links/{item}", null)).EnsureSuccessStatusCode();
            }
        }

        await page.ReloadAsync();
        await page.WaitForSelectorAsync("body[data-ready=true]");
        var goalRow = page.GetByTestId("goal").Filter(new() { HasText = title });
        await Assertions.Expect(goalRow.GetByTestId("progress")).ToHaveTextAsync("75%");
        await goalRow.Locator("summary").ClickAsync();
        var outcomeRow = goalRow.GetByTestId("outcome");
        await Assertions.Expect(outcomeRow).ToHaveCountAsync(1);
        await Assertions.Expect(outcomeRow).ToContainTextAsync("Hot");
        await Assertions.Expect(outcomeRow).ToContainTextAsync("Sprints: S15");
        await Assertions.Expect(outcomeRow).ToContainTextAsync("Commitments: Book the Munich fair");
    });

    private static async Task<Guid> CreateItemAsync(HttpClient api, string kind, object body)
    {
        var response = await api.PostAsJsonAsync($"/api/{kind}", body, Tests.Api.Json);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Tests.Api.Json)).GetProperty("id").GetGuid();
    }

    internal static ILocator Card(IPage page, string status, string name) =>
        page.Locator($"[data-testid=column][data-status='{status}']").GetByTestId("card").Filter(new() { HasText = name });

    private static async Task Open(IPage page, string name)
    {
        await page.FillAsync("#filter-name", name);
        await page.GetByTestId("card").Filter(new() { HasText = name }).Locator("button.open").ClickAsync();
        await Assertions.Expect(page.GetByTestId("detail").Locator("h2")).ToHaveTextAsync(name);
    }

    internal static string Unique(string name) => $"{name} {Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>
    /// Two people at two desks: the second page's screenshot is the test's, the first's gets ".first". The second page
    /// is off the feed (its connection dropped), so it acts on what it loaded, the case these tests are about.
    /// </summary>
    private async Task RunTwo(Func<IPage, IPage, Task> test, [CallerMemberName] string name = "")
    {
        var first = await browser.OpenAsync("Ana");
        try
        {
            await Run(second => test(first, second), "Ben", name, live: false);
        }
        finally
        {
            await Screenshot.TakeAsync(first, name + ".first");
            await first.Context.CloseAsync();
        }
    }

    private Task Run(Func<IPage, Task> test, string? actor = null, [CallerMemberName] string name = "", bool live = true) =>
        browser.RunAsync(test, name, actor, live);
}

[CollectionDefinition(nameof(BrowserCollection))]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>;
