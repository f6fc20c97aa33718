using Microsoft.Extensions.Options;

namespace TargetTracking.Dashboard;

/// <summary>
/// Seeds an empty store with a demo pipeline on start-up: three dozen targets across markets and statuses,
/// moved by a handful of people over the last four months, so the history has something to show.
/// Runs through the façade like any other caller, with a clock it moves forward event by event.
/// </summary>
internal sealed partial class DemoData(
    TargetTracker tracker,
    ITargetRepository repository,
    IOptions<TargetTrackingOptions> options,
    TimeProvider time,
    ILogger<DemoData> logger) : IHostedService
{
    private static readonly (string Name, string Description, string[] Markets)[] Companies =
    [
        ("Fjordline Logistics", "Cold-chain freight across Norway and Sweden.", ["Nordics"]),
        ("Alpenwerk Robotics", "Industrial cobots for mid-size factories.", ["DACH", "Nordics"]),
        ("Harbourview Analytics", "Port throughput forecasting as a service.", ["UK & Ireland", "Benelux"]),
        ("Lumen Dental Group", "Twelve clinics, one booking platform.", ["Iberia"]),
        ("Kestrel Payments", "Card acquiring for marketplaces.", ["UK & Ireland", "France"]),
        ("Brightwater Foods", "Plant-based dairy, private label.", ["Benelux", "DACH"]),
        ("Northgate Software", "Field-service scheduling SaaS.", ["US East", "Canada"]),
        ("Sakura Precision", "Machined parts for medical devices.", ["Japan"]),
        ("Coral Bay Resorts", "Boutique hotels on the east coast.", ["Australia"]),
        ("Verde Energia", "Rooftop solar installer.", ["Brazil", "Iberia"]),
        ("Atlas Cold Storage", "Temperature-controlled warehouses.", ["US West", "US East"]),
        ("Meridian Health IT", "Hospital bed management software.", ["UK & Ireland"]),
        ("Polaris Drones", "Inspection drones for utilities.", ["Nordics", "Canada"]),
        ("Rheinland Textil", "Technical fabrics for automotive.", ["DACH"]),
        ("Cascade Water Tech", "Leak detection sensors for cities.", ["US West"]),
        ("Orchid Biosciences", "Contract research for biologics.", ["Singapore", "Japan"]),
        ("Granite Ledger", "Accounting practice roll-up.", ["UK & Ireland"]),
        ("Tidewater Marine", "Ship repair yards.", ["Benelux", "France"]),
        ("Quokka Learning", "K-12 tutoring marketplace.", ["Australia", "Singapore"]),
        ("Bellwether Insurance Tech", "Claims automation for SME insurers.", ["France", "Benelux"]),
        ("Summit Outdoor Gear", "Direct-to-consumer camping equipment.", ["US West", "Canada"]),
        ("Iberia Vet Clinics", "Veterinary clinic group.", ["Iberia"]),
        ("Nimbus Data Centers", "Edge colocation sites.", ["Nordics", "DACH"]),
        ("Saffron Kitchens", "Ready meals for supermarkets.", ["UK & Ireland"]),
        ("Copperleaf Mining Services", "Drilling contractor.", ["Australia", "Canada"]),
        ("Lisboa Mobility", "E-scooter fleet operator.", ["Iberia", "France"]),
        ("Kanto Logistics", "Last-mile delivery in Greater Tokyo.", ["Japan"]),
        ("Prairie Agritech", "Grain storage monitoring.", ["Canada", "US East"]),
        ("Aurora Eyewear", "Optician chain.", ["Nordics"]),
        ("Baltic Timber", "Sawmills and engineered wood.", ["Nordics", "DACH"]),
        ("Sentinel Cyber", "Managed detection and response.", ["US East", "UK & Ireland"]),
        ("Rio Verde Coffee", "Specialty coffee roaster and exporter.", ["Brazil"]),
        ("Helix Lab Supplies", "Lab consumables distributor.", ["DACH", "France"]),
        ("Marlin Boats", "Aluminium fishing boats.", ["Australia"]),
        ("Zephyr HVAC Services", "Commercial heating and cooling maintenance.", ["US East"]),
        ("Lotus Payments Asia", "QR payments for merchants.", ["Singapore"]),
    ];

    // Journeys through the default pipeline; each step is allowed from the one before (the first from Not Set).
    private static readonly string[][] Journeys =
    [
        [],
        ["Cold"],
        ["Cold", "Active"],
        ["Cold", "Active", "Hot"],
        ["Active", "Hot", "Closed"],
        ["Cold", "Passed"],
        ["Active", "Passed", "Cold"],
        ["Hot", "Passed"],
        ["Cold", "Active", "Hot", "Active"],
        ["Active", "Hot"],
        ["Cold", "Active", "Hot", "Closed"],
        ["Active"],
    ];

    private static readonly AuditContext[] People =
    [
        new() { ActorId = "u-anna", ActorName = "Anna Lindqvist", ClientAddress = "10.0.4.17", UserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/128.0" },
        new() { ActorId = "u-marc", ActorName = "Marc Dubois", ClientAddress = "10.0.7.42", UserAgent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15" },
        new() { ActorId = "u-priya", ActorName = "Priya Raman", ClientAddress = "10.0.2.8", UserAgent = "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0" },
        new() { ActorId = "u-tom", ActorName = "Tom Becker", ClientAddress = "10.0.9.101", UserAgent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5) Mobile Safari" },
        new() { ActorId = "svc-crm", ActorName = "CRM sync", ClientAddress = "10.0.0.5", UserAgent = "crm-sync/2.3" },
    ];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if ((await tracker.QueryAsync(new TargetQuery { Take = 1 }, cancellationToken)).TotalCount > 0)
        {
            return;
        }

        var random = new Random(2024);
        var clock = new SeedClock();
        var seeder = new TargetTracker(repository, options.Value, clock);
        var start = time.GetUtcNow().AddDays(-120);

        // Plan every event first, then play them in time order, so the clock only moves forward.
        var events = new List<(DateTimeOffset At, int Company, string? Status)>();
        for (var i = 0; i < Companies.Length; i++)
        {
            var at = start.AddHours(random.Next(0, 60 * 24));
            events.Add((at, i, null));
            foreach (var status in Journeys[i % Journeys.Length])
            {
                at = at.AddHours(random.Next(24, 14 * 24));
                events.Add((at, i, status));
            }
        }

        var targets = new Target?[Companies.Length];
        foreach (var (at, company, status) in events.OrderBy(e => e.At))
        {
            clock.Now = at;
            var audit = People[random.Next(People.Length)];
            var result = targets[company] is not { } current
                ? await seeder.CreateAsync(new NewTarget(Companies[company].Name, Companies[company].Description, Companies[company].Markets), audit, cancellationToken)
                : await seeder.ChangeStatusAsync(current.Id, current.Version, status, audit, cancellationToken);
            targets[company] = result.Value;

            // Now and then someone also edits the description, so history shows field updates too.
            if (status is not null && random.Next(6) == 0)
            {
                clock.Now = at.AddMinutes(random.Next(5, 90));
                var edited = TargetUpdate.From(result.Value!) with { Description = Companies[company].Description + " Met management in person." };
                targets[company] = (await seeder.UpdateAsync(result.Value!.Id, result.Value.Version, edited, audit, cancellationToken)).Value;
            }
        }

        LogSeeded(logger, Companies.Length, events.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded the empty store with {Targets} demo targets ({Events} creates and status changes).")]
    private static partial void LogSeeded(ILogger logger, int targets, int events);

    private sealed class SeedClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
