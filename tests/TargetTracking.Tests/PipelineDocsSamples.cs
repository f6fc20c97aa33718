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
    public async Task LostReasonsAndWinLossByReason()
    {
        var services = new ServiceCollection();

        #region sample_pipeline_lost_reasons
        services.AddTargetTracking(options =>
        {
            options.Pipeline.LostReasons.Add("Price");
            options.Pipeline.LostReasons.Add("Timing");
            options.Pipeline.LostReasons.Add("Competitor");
        }).UseInMemory();
        #endregion

        await using var provider = services.BuildServiceProvider();
        var tracker = provider.GetRequiredService<TargetTracker>();
        var anna = new AuditContext { ActorId = "anna", ActorName = "Anna" };
        var deal = (await tracker.CreateAsync(new NewTarget("Valves for Acme", Status: "Active", Amount: new Money(125_000m, "EUR")), anna)).Value!;
        var start = DateTimeOffset.UtcNow.AddDays(-1);

        #region sample_pipeline_lose
        // Passed is closed-lost: without a reason the move is refused (LostReasonError, code lost_reason_required).
        var refused = await tracker.ChangeStatusAsync(deal.Id, deal.Version, "Passed", anna);

        // The code goes in the entry's Reason, the free text in its Note.
        deal = (await tracker.ChangeStatusAsync(deal.Id, deal.Version, "Passed",
            new LostReason("Competitor", "Acme took Globex's offer"), anna)).Value!;

        // Win/loss by reason: per won or lost status and reason, how many targets and their amounts per currency.
        var report = await new TargetReports(tracker).GetPipelineReportAsync(new ReportPeriod(start, start.AddDays(2)));
        foreach (var line in report.Outcomes)
        {
            Console.WriteLine($"{line.Outcome} {line.Status} {line.Reason}: {line.Count}, {string.Join(" + ", line.Amounts)}");
        }
        // Lost Passed Competitor: 1, 125000 EUR
        #endregion

        Assert.Equal("lost_reason_required", refused.Error!.Code);
        var line0 = Assert.Single(report.Outcomes);
        Assert.Equal((StatusOutcome.Lost, "Passed", "Competitor", 1L), (line0.Outcome, line0.Status, line0.Reason, line0.Count));
        Assert.Equal([new Money(125_000m, "EUR")], line0.Amounts);
        var entry = (await tracker.GetHistoryAsync(deal.Id))[0];
        Assert.Equal(("Competitor", "Acme took Globex's offer"), (entry.Reason, entry.Note));
    }

    #region sample_pipeline_guard_type
    /// <summary>No deal moves to Closed while the customer's credit check fails (a call to another system).</summary>
    public sealed class CreditGuard(ICreditService credit) : ITransitionGuard
    {
        public async ValueTask<GuardVerdict> CheckAsync(GuardedMove move, CancellationToken cancellationToken) =>
            move.To == "Closed" && !await credit.IsApprovedAsync(move.Target.Name, cancellationToken)
                ? GuardVerdict.Refuse("the credit check failed")
                : GuardVerdict.Allow;
    }
    #endregion

    /// <summary>The other system of the sample.</summary>
    public interface ICreditService
    {
        /// <summary>Answers whether a customer's credit is approved.</summary>
        Task<bool> IsApprovedAsync(string customer, CancellationToken cancellationToken);
    }

    private sealed class Credit : ICreditService
    {
        public Task<bool> IsApprovedAsync(string customer, CancellationToken cancellationToken) => Task.FromResult(!customer.Contains("Acme", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Guards()
    {
        var services = new ServiceCollection();
        services.AddSingleton<ICreditService, Credit>();

        #region sample_pipeline_guards
        services.AddSingleton<ITransitionGuard, CreditGuard>();       // or options.Pipeline.Guards.Add(...)
        services.AddTargetTracking(options => options.Pipeline.GuardBudget = TimeSpan.FromSeconds(2)).UseInMemory();
        #endregion

        await using var provider = services.BuildServiceProvider();
        var tracker = provider.GetRequiredService<TargetTracker>();
        var deal = (await tracker.CreateAsync(new NewTarget("Valves for Acme", Status: "Hot"))).Value!;

        #region sample_pipeline_guard_refusal
        var result = await tracker.ChangeStatusAsync(deal.Id, deal.Version, "Closed");
        if (result.Error is GuardRefusedError refused)
        {
            Console.WriteLine($"{refused.Guard}: {refused.Reason}");   // CreditGuard: the credit check failed
        }
        #endregion

        Assert.Equal((nameof(CreditGuard), "the credit check failed"), (((GuardRefusedError)result.Error!).Guard, ((GuardRefusedError)result.Error!).Reason));
        var other = (await tracker.CreateAsync(new NewTarget("Pumps for Globex", Status: "Hot"))).Value!;
        Assert.True((await tracker.ChangeStatusAsync(other.Id, other.Version, "Closed")).IsSuccess);
    }

    [Fact]
    public void TimedMoves()
    {
        var services = new ServiceCollection();

        #region sample_pipeline_timed_moves
        services.AddTargetTracking(options =>
        {
            options.Pipeline.MoveAfter("Hot", TimeSpan.FromDays(30), "Cold");   // Hot → Cold after 30 days in Hot
            options.Pipeline.TimedMoveActor = new AuditContext { ActorId = "system:pipeline", ActorName = "Pipeline rules" };
        }).UseInMemory();
        #endregion

        using var provider = services.BuildServiceProvider();
        var tracker = provider.GetRequiredService<TargetTracker>();
        Assert.Equal([new TimedMove("Hot", TimeSpan.FromDays(30), "Cold")], tracker.Pipeline.TimedMoves);
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
    [InlineData("sample_pipeline_lost_reasons")]
    [InlineData("sample_pipeline_lose")]
    [InlineData("sample_pipeline_guard_type")]
    [InlineData("sample_pipeline_guards")]
    [InlineData("sample_pipeline_guard_refusal")]
    [InlineData("sample_pipeline_timed_moves")]
    [InlineData("sample_pipeline_effective_time")]
    public void TheDocsShowTheSamplesVerbatim(string region) => DocSync.AssertShown("PipelineDocsSamples.cs.txt", "pipeline.md", region);
}
