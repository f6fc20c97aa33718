using Microsoft.Extensions.Time.Testing;

namespace TargetTracking.Dashboard.Tests;

/// <summary>
/// A history with known times, written through the API on a dashboard whose clock is fake (<see cref="TimedDashboardFactory"/>):
/// three targets created in Cold at <see cref="Start"/> (noon UTC, 20 days ago, so "the last 30 days" of a browser covers it).
/// <list type="bullet">
/// <item>day 2: Acme Cold → Active;</item>
/// <item>day 4: Birch Cold → Active, Acme Active → Hot;</item>
/// <item>day 6: Cedar Cold → Passed, Acme Hot → Closed;</item>
/// <item>the clock then stands at day 10.</item>
/// </list>
/// So finished stays: Cold 2, 4 and 6 days (median 4, p90 6), Active 2 (Acme), Hot 2 (Acme); open at day 10: Birch 6 days in
/// Active, Cedar 4 in Passed, Acme 4 in Closed. Funnel Cold, Active, Hot, Closed reached 3, 2, 1, 1; won 1, lost 1.
/// </summary>
public static class KnownHistory
{
    public static DateTimeOffset Start { get; } = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(-20).AddHours(12);

    public static DateTimeOffset Day(double day) => Start.AddDays(day);

    public static async Task<Seeded> WriteAsync(HttpClient client, FakeTimeProvider clock)
    {
        var acme = await client.CreateAsync("Acme Logistics", status: "Cold");
        var birch = await client.CreateAsync("Birch Foods", status: "Cold");
        var cedar = await client.CreateAsync("Cedar Mills", status: "Cold");

        clock.SetUtcNow(Day(2));
        acme = await client.ChangeStatusOkAsync(acme.Id, "Active", acme.Version);
        clock.SetUtcNow(Day(4));
        birch = await client.ChangeStatusOkAsync(birch.Id, "Active", birch.Version);
        acme = await client.ChangeStatusOkAsync(acme.Id, "Hot", acme.Version);
        clock.SetUtcNow(Day(6));
        cedar = await client.ChangeStatusOkAsync(cedar.Id, "Passed", cedar.Version);
        acme = await client.ChangeStatusOkAsync(acme.Id, "Closed", acme.Version);
        clock.SetUtcNow(Day(10));
        return new Seeded(acme, birch, cedar);
    }

    public sealed record Seeded(TargetDto Acme, TargetDto Birch, TargetDto Cedar);
}
