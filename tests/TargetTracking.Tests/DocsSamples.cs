using Microsoft.Extensions.DependencyInjection;

namespace TargetTracking.Tests;

/// <summary>The code shown in README.md and docs/, compiled and run so it cannot drift from the API.</summary>
public sealed class DocsSamples
{
    [Fact]
    public void ReadmeQuickStart_IsTheConsumerProgram_ThatCiRunsAgainstThePackedPackages()
    {
        var readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Docs", "README.md"));
        var program = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Docs", "QuickStart.Program.cs"));
        var quickStart = readme[readme.IndexOf("## Quick start", StringComparison.Ordinal)..];
        var start = quickStart.IndexOf("```csharp\n", StringComparison.Ordinal) + "```csharp\n".Length;
        var end = quickStart.IndexOf("```", start, StringComparison.Ordinal);

        Assert.Equal(program.ReplaceLineEndings("\n"), quickStart[start..end].ReplaceLineEndings("\n"));
        Assert.StartsWith("using Microsoft.Extensions.DependencyInjection;", program, StringComparison.Ordinal);
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
