using System.Runtime.CompilerServices;
using Microsoft.Playwright;

namespace TargetTracking.Dashboard.Tests.Browser;

/// <summary>
/// The report charts and the counts as of a day, in chromium, on a dashboard of their own that holds only
/// <see cref="KnownHistory"/> (on a fake clock), so every number on the page is known. Each test ends with a screenshot.
/// </summary>
[Collection(nameof(BrowserCollection))]
public sealed class ReportsBrowserTests(BrowserFixture browser, KnownHistoryBrowserDashboard history) : IClassFixture<KnownHistoryBrowserDashboard>
{
    [Fact]
    public Task Charts_ShowTimeInStatusAndTheFunnel_WithTheNumbersOfAKnownHistory_ForTheChosenPeriod() => Run(async page =>
    {
        // The last 30 days hold the whole history: Cold stays of 2, 4 and 6 days, Acme 2 days in Active and in Hot.
        var time = page.GetByTestId("time-chart");
        var row = (string status) => time.Locator($"[data-testid=time-row][data-status='{status}']");
        await Assertions.Expect(row("Cold").GetByTestId("median")).ToHaveTextAsync("median 4.0 d (3 finished)");
        await Assertions.Expect(row("Cold").GetByTestId("p90")).ToHaveTextAsync("p90 6.0 d");
        await Assertions.Expect(row("Active").GetByTestId("median")).ToHaveTextAsync("median 2.0 d (1 finished)");
        await Assertions.Expect(row("Active").GetByTestId("open")).ToHaveTextAsync("1 open, median age 6.0 d");
        await Assertions.Expect(row("Hot").GetByTestId("p90")).ToHaveTextAsync("p90 2.0 d");
        await Assertions.Expect(row("Passed").GetByTestId("median")).ToHaveTextAsync("no finished stay");
        await Assertions.Expect(row("Closed").GetByTestId("open")).ToHaveTextAsync("1 open, median age 4.0 d");
        await Assertions.Expect(time.GetByTestId("time-row")).ToHaveCountAsync(5);

        var funnel = page.GetByTestId("funnel-chart").GetByTestId("funnel-label");
        await Assertions.Expect(funnel).ToHaveTextAsync(["3 reached · 67% to next", "2 reached · 50% to next", "1 reached · 100% to next", "1 reached"]);
        await Assertions.Expect(page.GetByTestId("funnel-chart").GetByTestId("funnel-step")).ToHaveCountAsync(4);
        await Assertions.Expect(page.GetByTestId("win-rate")).ToHaveTextAsync("win rate 50% (1 won, 1 lost)");

        // The last 7 days hold no event: no stay ended and no target entered the funnel; three stays are open.
        await page.SelectOptionAsync("#period", "7");
        await Assertions.Expect(row("Cold")).ToHaveCountAsync(0);
        await Assertions.Expect(row("Active").GetByTestId("median")).ToHaveTextAsync("no finished stay");
        await Assertions.Expect(funnel).ToHaveTextAsync(["0 reached", "0 reached", "0 reached", "0 reached"]);
        await Assertions.Expect(page.GetByTestId("win-rate")).ToHaveTextAsync("no deal won or lost in this period");
    });

    [Fact]
    public Task CountsAsOfAChosenDay_ShowThePipelineAsItStoodAtTheEndOfThatDay() => Run(async page =>
    {
        var asOf = page.GetByTestId("asof");
        var count = (string status) => asOf.Locator($"[data-testid=asof-count][data-status='{status}']");

        // Today: every move is in the past.
        await Assertions.Expect(count("Passed")).ToHaveTextAsync("Passed 1");
        await Assertions.Expect(count("Active")).ToHaveTextAsync("Active 1");
        await Assertions.Expect(count("Closed")).ToHaveTextAsync("Closed 1");
        await Assertions.Expect(count("Cold")).ToHaveTextAsync("Cold 0");

        // The end of day 1: all three were still Cold.
        await page.FillAsync("#asof-date", Day(1));
        await Assertions.Expect(asOf).ToContainTextAsync("3 targets");
        await Assertions.Expect(count("Cold")).ToHaveTextAsync("Cold 3");
        await Assertions.Expect(count("Active")).ToHaveTextAsync("Active 0");

        // The end of day 4 (the moves were at its noon): Acme Hot, Birch Active, Cedar still Cold.
        await page.FillAsync("#asof-date", Day(4));
        await Assertions.Expect(count("Cold")).ToHaveTextAsync("Cold 1");
        await Assertions.Expect(count("Active")).ToHaveTextAsync("Active 1");
        await Assertions.Expect(count("Hot")).ToHaveTextAsync("Hot 1");
        await Assertions.Expect(count("Passed")).ToHaveTextAsync("Passed 0");

        // The day before the first target: nothing.
        await page.FillAsync("#asof-date", Day(-1));
        await Assertions.Expect(asOf).ToContainTextAsync("0 targets");
    });

    private static string Day(int day) => KnownHistory.Day(day).UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private Task Run(Func<IPage, Task> test, [CallerMemberName] string name = "") => browser.RunAsync(test, name, dashboard: history.BaseAddress);
}
