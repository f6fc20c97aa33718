using Microsoft.Extensions.DependencyInjection;

namespace TargetTracking.Tests;

/// <summary>The code shown in README.md and docs/, compiled and run so it cannot drift from the API.</summary>
public sealed class DocsSamples
{
    [Fact]
    public async Task QuickStart()
    {
        #region sample_quickstart
        var services = new ServiceCollection();
        services.AddTargetTracking(options =>
        {
            options.Pipeline.Permit("Closed", "Active"); // allow re-opening closed deals
        }).UseInMemory();                                // or .UseSqlite("Data Source=targets.db") / .UsePostgreSql(connectionString)
        await using var provider = services.BuildServiceProvider();
        var tracker = provider.GetRequiredService<TargetTracker>();
        var who = new AuditContext { ActorId = "u-42", ActorName = "Dana" };

        var created = await tracker.CreateAsync(new NewTarget("Acme GmbH", "Family-owned maker of valves", ["EU", "Nordics"]), who);
        var acme = created.Value!;                                   // version 1, status Not Set

        var moved = await tracker.ChangeStatusAsync(acme.Id, acme.Version, "Active", who);
        var message = moved.Match(
            target => $"{target.Name} is {target.Status} (v{target.Version})",
            error => error switch
            {
                VersionConflictError conflict => $"Changed meanwhile; now v{conflict.Current.Version}",
                TransitionNotAllowedError refused => $"Not allowed; try {string.Join(", ", refused.AllowedNext)}",
                _ => error.Message,
            });

        var bulk = tracker.BeginBulk();
        bulk.ChangeStatus(acme.Id, expectedVersion: 2, "Hot");
        var result = await bulk.CommitAsync(BulkMode.AllOrNothing, who); // one transaction, one outcome per item

        var history = await tracker.GetHistoryAsync(acme.Id);              // newest first: StatusChanged, StatusChanged, Created
        #endregion

        Assert.Equal("Acme GmbH is Active (v2)", message);
        Assert.True(result.Succeeded);
        Assert.Equal([HistoryAction.StatusChanged, HistoryAction.StatusChanged, HistoryAction.Created], history.Select(h => h.Action));
        Assert.All(history, h => Assert.Equal("Dana", h.ActorName));
    }

    [Fact]
    public async Task TrackedOperation()
    {
        var services = new ServiceCollection();
        services.AddTargetTracking().UseInMemory();
        await using var provider = services.BuildServiceProvider();
        var tracker = provider.GetRequiredService<TargetTracker>();
        await tracker.CreateManyAsync(Enumerable.Range(0, 250).Select(i => new NewTarget($"Lead {i}", null, ["EU"], "Active")));

        #region sample_operation
        var operations = provider.GetRequiredService<TargetOperations>();
        var started = await operations.StartAsync(
            new StartOperationRequest("heat-up-eu-2026-11", "Hot", OperationSelection.Where(new TargetQuery { Statuses = ["Active"], Market = "EU" }))
            {
                BatchSize = 100,
            });
        var progress = new Progress<OperationProgress>(p => Console.WriteLine($"{p.Processed}/{p.Total} ({p.Percent}%)"));
        var finished = await operations.RunAsync(started.Value!.Id, progress); // resumable: run it again after a crash
        #endregion

        Assert.Equal((OperationStatus.Completed, 250L), (finished.Value!.Status, finished.Value.Succeeded));
    }
}
