using Microsoft.Extensions.DependencyInjection;
using TargetTracking.Conformance;

namespace TargetTracking.Tests;

/// <summary>The code shown in docs/pipeline.md, compiled and run, and checked verbatim against the page.</summary>
public sealed class PipelineDocsSamples
{
    [Fact]
    public async Task MetadataAmountsOwnersAndRequiredFields()
    {
        var services = new ServiceCollection();

        #region sample_pipeline_options
        services.AddTargetTracking(options =>
        {
            options.Pipeline
                .Describe("Active", 40, "Pipeline")
                .Describe("Hot", 75, "Commit")                           // 75 %, forecast as Commit
                .Require("Hot", TargetField.Amount, TargetField.Owner);  // no Hot deal without a value and an owner
        }).UseInMemory();
        #endregion

        await using var provider = services.BuildServiceProvider();
        var tracker = provider.GetRequiredService<TargetTracker>();
        var anna = new AuditContext { ActorId = "anna", ActorName = "Anna" };

        #region sample_pipeline_amount_and_owner
        var deal = (await tracker.CreateAsync(new NewTarget("Valves for Acme", Status: "Active"), anna)).Value!;

        // Hot requires an amount and an owner: the move is refused, naming both, and nothing is written.
        var refused = await tracker.ChangeStatusAsync(deal.Id, deal.Version, "Hot", anna);
        // refused.Error is RequiredFieldsMissingError { Missing: [Amount, Owner] }

        deal = (await tracker.UpdateAsync(deal.Id, deal.Version,
            TargetUpdate.From(deal) with { Amount = new Money(125_000.50m, "EUR"), OwnerId = "anna" }, anna)).Value!;
        deal = (await tracker.ChangeStatusAsync(deal.Id, deal.Version, "Hot", anna)).Value!;

        // Anna's deals of 100,000 EUR or more, largest first.
        var mine = await tracker.QueryAsync(new TargetQuery
        {
            OwnerId = "anna", Currency = "EUR", AmountAtLeast = 100_000m, SortBy = TargetSort.Amount, Descending = true,
        });
        #endregion

        Assert.Equal([TargetField.Amount, TargetField.Owner], Assert.IsType<RequiredFieldsMissingError>(refused.Error).Missing);
        Assert.Equal(deal.Id, Assert.Single(mine.Items).Id);
        var history = await tracker.GetHistoryAsync(deal.Id);
        Assert.Equal(new Money(125_000.5m, "EUR"), history.Single(h => h.Action == HistoryAction.Updated).NewAmount);
        Assert.Equal(new StatusMetadata(75, "Commit"), tracker.Pipeline.MetadataOf("Hot"));
        Assert.Equal(new StatusMetadata(40, "Pipeline"), tracker.Pipeline.MetadataOf("Active"));
    }

    [Fact]
    public async Task WhenItReallyHappened()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 13, 9, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddTargetTracking().UseInMemory();
        await using var provider = services.BuildServiceProvider();
        var tracker = provider.GetRequiredService<TargetTracker>();
        var anna = new AuditContext { ActorId = "anna", ActorName = "Anna" };
        var deal = (await tracker.CreateAsync(new NewTarget("Valves for Acme", Status: "Active"), anna)).Value!;
        clock.Advance(TimeSpan.FromDays(7));

        #region sample_pipeline_effective_time
        // The deal really went Hot last Tuesday; Anna records it today (Friday).
        var tuesday = new DateTimeOffset(2026, 3, 17, 15, 30, 0, TimeSpan.Zero);
        var hot = (await tracker.ChangeStatusAsync(deal.Id, deal.Version, "Hot", tuesday, anna)).Value!;
        // hot.StatusChangedAt == tuesday; its entry: OccurredAt = now (Friday), EffectiveAt = tuesday

        // Not in the future, not before the previous effective change: refused, naming the bound, nothing written.
        var refused = await tracker.ChangeStatusAsync(deal.Id, hot.Version, "Closed", tuesday.AddDays(-1), anna);
        // refused.Error is EffectiveTimeOutOfRangeError { NotBefore: tuesday }

        // In bulk, each item carries its own time; a tracked operation carries one for all its moves.
        var bulk = tracker.BeginBulk().ChangeStatus(deal.Id, hot.Version, "Closed", tuesday.AddDays(1));
        #endregion

        Assert.Equal(tuesday, hot.StatusChangedAt);
        var entry = (await tracker.GetHistoryAsync(deal.Id))[0];
        Assert.Equal((clock.GetUtcNow(), tuesday), (entry.OccurredAt, entry.EffectiveAt));
        Assert.Equal(tuesday, Assert.IsType<EffectiveTimeOutOfRangeError>(refused.Error).NotBefore);
        Assert.True((await bulk.CommitAsync()).Succeeded);
        Assert.Equal(tuesday.AddDays(1), (await tracker.GetAsync(deal.Id)).Value!.StatusChangedAt);
    }

    [Theory]
    [InlineData("sample_pipeline_options")]
    [InlineData("sample_pipeline_amount_and_owner")]
    [InlineData("sample_pipeline_effective_time")]
    public void TheDocsShowTheSamplesVerbatim(string region) => DocSync.AssertShown("PipelineDocsSamples.cs.txt", "pipeline.md", region);
}
