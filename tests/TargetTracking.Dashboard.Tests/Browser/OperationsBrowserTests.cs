using System.Runtime.CompilerServices;
using Microsoft.Playwright;
using static TargetTracking.Dashboard.Tests.Browser.DashboardBrowserTests;

namespace TargetTracking.Dashboard.Tests.Browser;

/// <summary>
/// Tracked operations and the integrity check, in chromium, on the fixture's dashboard (its operations pause 400 ms
/// between batches, so progress can be seen and an operation cancelled halfway). Each test ends with a screenshot.
/// </summary>
[Collection(nameof(BrowserCollection))]
public sealed class OperationsBrowserTests(BrowserFixture browser)
{
    [Fact]
    public Task TrackedOperation_StartedFromThePage_ShowsItsProgress_EndsCompleted_AndIsListed() => Run(async page =>
    {
        var market = Unique("Sweep");
        var names = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            names.Add((await browser.CreateAsync(Unique($"Sweep {i}"), "Cold", [market])).Name);
        }

        // Every text the progress line shows is kept, to see that it moved through partial counts.
        await page.EvaluateAsync("""
            window.seen = [];
            new MutationObserver(() => { const c = document.querySelector('[data-testid=op-count]'); if (c) window.seen.push(c.textContent); })
              .observe(document.getElementById('op-current'), { childList: true, subtree: true, characterData: true });
            """);
        await StartAsync(page, "Cold", market, "Passed", steps: 1);

        await Assertions.Expect(page.GetByTestId("op-message")).ToHaveTextAsync("Started: 5 targets to move to Passed.");
        await Assertions.Expect(page.GetByTestId("op-state")).ToHaveTextAsync("Completed", new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("op-count")).ToHaveTextAsync("5 of 5 processed · 5 moved · 0 failed");
        var seen = await page.EvaluateAsync<string[]>("window.seen");
        Assert.Contains(seen, s => s.StartsWith("1 of 5", StringComparison.Ordinal) || s.StartsWith("2 of 5", StringComparison.Ordinal) || s.StartsWith("3 of 5", StringComparison.Ordinal));

        await page.FillAsync("#filter-market", market);
        await Assertions.Expect(page.Locator("[data-testid=column][data-status='Passed'] [data-testid=count]")).ToHaveTextAsync("5 found");
        await Assertions.Expect(page.Locator("[data-testid=column][data-status='Cold'] [data-testid=count]")).ToHaveTextAsync("0 found");
        var listed = page.GetByTestId("op-row").First;
        await Assertions.Expect(listed).ToContainTextAsync("Completed");
        await Assertions.Expect(listed).ToContainTextAsync("5 of 5");
        await Assertions.Expect(listed).ToContainTextAsync("Olga");
    }, actor: "Olga");

    [Fact]
    public Task TrackedOperation_CancelledHalfway_StopsAfterItsStep_AndLeavesTheRestWhereTheyWere() => Run(async page =>
    {
        var market = Unique("Halt");
        for (var i = 0; i < 30; i++)
        {
            await browser.CreateAsync(Unique($"Halt {i}"), "Cold", [market]);
        }

        await StartAsync(page, "Cold", market, "Passed", steps: 1);
        await Assertions.Expect(page.GetByTestId("op-state")).ToHaveTextAsync("Running", new() { Timeout = 60_000 });
        await page.GetByTestId("op-cancel").ClickAsync();

        await Assertions.Expect(page.GetByTestId("op-message")).ToContainTextAsync("Cancel requested");
        await Assertions.Expect(page.GetByTestId("op-state")).ToHaveTextAsync("Cancelled", new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("op-cancel")).ToHaveCountAsync(0);
        var counted = System.Text.RegularExpressions.Regex.Match(await page.GetByTestId("op-count").InnerTextAsync(), @"^(\d+) of 30 processed · (\d+) moved · 0 failed$");
        Assert.True(counted.Success, await page.GetByTestId("op-count").InnerTextAsync());
        var moved = int.Parse(counted.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(moved, 1, 29);

        await page.FillAsync("#filter-market", market);
        await Assertions.Expect(page.Locator("[data-testid=column][data-status='Passed'] [data-testid=count]")).ToHaveTextAsync($"{moved} found");
        await Assertions.Expect(page.Locator("[data-testid=column][data-status='Cold'] [data-testid=count]")).ToHaveTextAsync($"{30 - moved} found");
        await Assertions.Expect(page.GetByTestId("op-row").First).ToContainTextAsync("Cancelled");
    });

    [Fact]
    public Task IntegrityCheck_ShowsAPlantedProblem_AndRepairTrustingTheHistory_FixesIt() => Run(async page =>
    {
        var target = await browser.CreateAsync(Unique("Drifted"), "Cold");
        await Saboteur.PlantStatusAsync(browser.DatabaseFile, target.Id, "Hot");
        page.Dialog += (_, dialog) => dialog.AcceptAsync();

        await page.ClickAsync("#integrity summary");
        await page.ClickAsync("#check");
        var problem = page.Locator($"[data-testid=problem][data-target='{target.Id}']");
        await Assertions.Expect(problem).ToHaveAttributeAsync("data-kind", "StatusDisagreesWithHistory");
        await Assertions.Expect(problem).ToContainTextAsync("Status Disagrees With History");
        await Assertions.Expect(problem).ToContainTextAsync("repairable");
        await Assertions.Expect(page.GetByTestId("integrity-summary")).ToContainTextAsync("1 problem");

        await page.SelectOptionAsync("#repair-policy", "trustHistory");
        await page.ClickAsync("#repair");
        await Assertions.Expect(page.GetByTestId("repair-message")).ToHaveTextAsync("Repaired 1 target (1 history entry appended).");
        await Assertions.Expect(page.GetByTestId("integrity-summary")).ToContainTextAsync("No problem");
        await Assertions.Expect(page.GetByTestId("problem")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#repair")).ToBeDisabledAsync();
        await page.FillAsync("#filter-name", target.Name);
        await Assertions.Expect(Card(page, "Cold", target.Name)).ToBeVisibleAsync();
    });

    private static async Task StartAsync(IPage page, string from, string market, string to, int steps)
    {
        var form = page.Locator("#op-form");
        await form.Locator("select[name=from]").SelectOptionAsync(from);
        await form.Locator("input[name=market]").FillAsync(market);
        await form.Locator("select[name=to]").SelectOptionAsync(to);
        await form.Locator("input[name=batch]").FillAsync(steps.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await form.Locator("button").ClickAsync();
    }

    private Task Run(Func<IPage, Task> test, string? actor = null, [CallerMemberName] string name = "") => browser.RunAsync(test, name, actor);
}
