using Microsoft.Extensions.DependencyInjection;
using TargetTracking;

var services = new ServiceCollection();
services.AddTargetTracking(options =>
{
    options.Pipeline.Permit("Closed", "Active"); // allow re-opening closed deals
}).UseInMemory();                                // or .UseSqlite(...) / .UsePostgreSql(...) from their packages
await using var provider = services.BuildServiceProvider();
var tracker = provider.GetRequiredService<TargetTracker>();
var who = new AuditContext { ActorId = "u-42", ActorName = "Dana" };

var created = await tracker.CreateAsync(new NewTarget("Acme GmbH", "Family-owned maker of valves", ["EU", "Nordics"]), who);
var acme = created.Value!;
Console.WriteLine($"Created {acme.Name}: {acme.Status ?? "Not Set"}, v{acme.Version}");

var refused = await tracker.ChangeStatusAsync(acme.Id, acme.Version, "Closed", who); // not a move from Not Set: nothing is written
Console.WriteLine($"Not Set -> Closed: {refused.Error?.Message}");

var moved = await tracker.ChangeStatusAsync(acme.Id, acme.Version, "Active", who);
Console.WriteLine(moved.Match(
    target => $"Moved to {target.Status}, v{target.Version}",
    error => error switch
    {
        VersionConflictError conflict => $"Changed meanwhile; now v{conflict.Current.Version}",
        TransitionNotAllowedError refused => $"Not allowed; try {string.Join(", ", refused.AllowedNext)}",
        _ => error.Message,
    }));

var bulk = tracker.BeginBulk();
bulk.ChangeStatus(acme.Id, expectedVersion: 2, "Hot");
var result = await bulk.CommitAsync(BulkMode.AllOrNothing, who); // one transaction, one outcome per item
Console.WriteLine($"Bulk: {(result.Succeeded ? "committed" : "rolled back")}, {result.Items.Count} item(s)");

foreach (var entry in await tracker.GetHistoryAsync(acme.Id)) // newest first
{
    Console.WriteLine($"v{entry.Version} {entry.Action}: {entry.OldStatus ?? "Not Set"} -> {entry.NewStatus ?? "Not Set"} by {entry.ActorName}");
}
