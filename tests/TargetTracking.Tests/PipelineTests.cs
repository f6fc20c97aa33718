using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TargetTracking.Conformance;

namespace TargetTracking.Tests;

public sealed class PipelineTests
{
    private static readonly StatusStateMachine Default = new(new PipelineOptions());

    [Fact]
    public void DefaultPipeline_HasTheDocumentedStatusesAndMoves()
    {
        Assert.Equal(["Passed", "Cold", "Active", "Hot", "Closed"], Default.Statuses);
        Assert.Equal(["Passed", "Cold", "Active", "Hot"], Default.NextStatuses(null));
        Assert.Equal(["Passed", "Active", "Hot"], Default.NextStatuses("Cold"));
        Assert.Equal(["Passed", "Cold", "Hot", "Closed"], Default.NextStatuses("Active"));
        Assert.Equal(["Passed", "Cold", "Active", "Closed"], Default.NextStatuses("Hot"));
        Assert.Equal(["Cold", "Active"], Default.NextStatuses("Passed"));
        Assert.Empty(Default.NextStatuses("Closed"));
    }

    [Theory]
    [InlineData(null, "Cold", true)]
    [InlineData("Cold", "Hot", true)]
    [InlineData("cold", "HOT", true)]
    [InlineData("Cold", "Closed", false)]
    [InlineData("Closed", "Active", false)]
    [InlineData("Hot", null, false)]
    [InlineData("Hot", "Hot", true)]
    [InlineData(null, null, true)]
    public void CanMove_FollowsTheTable_IgnoringCase(string? from, string? to, bool allowed) =>
        Assert.Equal(allowed, Default.CanMove(from, to));

    [Fact]
    public void Check_ExplainsWhyNot()
    {
        var id = new TargetId(Guid.CreateVersion7());
        var refused = Assert.IsType<TransitionNotAllowedError>(Default.Check(id, "Closed", "active"));
        Assert.Equal(("Closed", (string?)"Active"), (refused.From, refused.To));
        Assert.Empty(refused.AllowedNext);
        Assert.Contains("Closed is a final status", refused.Message, StringComparison.Ordinal);
        var unknown = Assert.IsType<UnknownStatusError>(Default.Check(id, "Cold", "Tepid"));
        Assert.Contains("Passed, Cold, Active, Hot, Closed", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("Allowed next: Passed, Active, Hot.", Assert.IsType<TransitionNotAllowedError>(Default.Check(id, "Cold", "Closed")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NextStatuses_OfAnUnknownStatus_Throws() =>
        Assert.Throws<ArgumentException>(() => Default.NextStatuses("Tepid"));

    [Fact]
    public void ToMermaid_DrawsEveryStatusAndMove()
    {
        var mermaid = Default.ToMermaid();
        Assert.StartsWith("stateDiagram-v2\n", mermaid, StringComparison.Ordinal);
        Assert.Contains("NotSet: Not Set", mermaid, StringComparison.Ordinal);
        Assert.Contains("S4_Closed: Closed", mermaid, StringComparison.Ordinal);
        Assert.Contains("S1_Cold --> S2_Active", mermaid, StringComparison.Ordinal);
        Assert.Contains("NotSet --> S0_Passed", mermaid, StringComparison.Ordinal);
        var edges = mermaid.Split('\n').Count(l => l.Contains("-->", StringComparison.Ordinal));
        Assert.Equal(4 + 3 + 4 + 4 + 2 + 0, edges);
    }

    [Fact]
    public void DefaultPipeline_HasTheDocumentedMetadata()
    {
        Assert.Equal(["Pipeline", "Best case", "Commit", "Closed", "Omitted"], Default.ForecastCategories);
        Assert.Equal(new StatusMetadata(0, "Omitted", StatusOutcome.Lost), Default.MetadataOf("passed"));
        Assert.Equal(new StatusMetadata(10, "Pipeline"), Default.MetadataOf("Cold"));
        Assert.Equal(new StatusMetadata(30, "Pipeline"), Default.MetadataOf("Active"));
        Assert.Equal(new StatusMetadata(60, "Best case"), Default.MetadataOf("Hot"));
        Assert.Equal(new StatusMetadata(100, "Closed", StatusOutcome.Won), Default.MetadataOf("Closed"));
        Assert.Equal(new StatusMetadata(0, "Pipeline"), Default.MetadataOf(null));
        Assert.Equal(["Closed"], Default.Won);
        Assert.Equal(["Passed"], Default.Lost);
        Assert.Throws<ArgumentException>(() => Default.MetadataOf("Tepid"));
    }

    [Fact]
    public void Metadata_WithoutAnEntry_IsOpenAtZeroInTheFirstCategory_AndKeepsTheConfiguredSpelling()
    {
        var options = new PipelineOptions();
        options.Metadata.Remove("Hot");
        options.ForecastCategories.Insert(0, "Upside");
        options.Describe("cold", 15, "COMMIT").Describe(PipelineOptions.NotSet, 5, "omitted");
        var machine = new StatusStateMachine(options);
        Assert.Equal(new StatusMetadata(0, "Upside"), machine.MetadataOf("Hot"));
        Assert.Equal(new StatusMetadata(15, "Commit"), machine.MetadataOf("Cold"));
        Assert.Equal(new StatusMetadata(5, "Omitted"), machine.MetadataOf("Not Set"));
    }

    [Fact]
    public void Metadata_Validation_NamesEverySetting()
    {
        var options = new PipelineOptions();
        options.ForecastCategories.Add("pipeline");
        options.ForecastCategories.Add(" ");
        options.Describe("Hot", 101, "Maybe").Describe("Tepid", 10, "Pipeline").Describe(PipelineOptions.NotSet, -1, "Pipeline", StatusOutcome.Won);
        options.Metadata["Cold"] = new StatusMetadata(10, "Pipeline", (StatusOutcome)7);
        Assert.Equal(
            [
                "Pipeline:ForecastCategories[5] 'pipeline' is listed twice (ignoring case).",
                "Pipeline:ForecastCategories[6] ' ' must be 1 to 64 characters without leading or trailing white space.",
                "Pipeline:Metadata:Cold:Outcome '7' is not a defined outcome.",
                "Pipeline:Metadata:Hot:WinProbability must be between 0 and 100 (percent); it is 101.",
                "Pipeline:Metadata:Hot:ForecastCategory 'Maybe' is not one of Pipeline:ForecastCategories (Pipeline, Best case, Commit, Closed, Omitted, pipeline,  ).",
                "Pipeline:Metadata:Tepid names an unknown status 'Tepid' (a custom pipeline clears Metadata with Statuses and Transitions).",
                "Pipeline:Metadata:NotSet:WinProbability must be between 0 and 100 (percent); it is -1.",
                "Pipeline:Metadata:NotSet:Outcome must be Open: Not Set cannot be closed-won or closed-lost.",
            ],
            options.Validate());
        options.ForecastCategories.Clear();
        Assert.Contains("Pipeline:ForecastCategories is empty: every status needs a forecast category.", options.Validate());
    }

    [Fact]
    public void RequiredFields_AreEmptyByDefault_AndValidatedByName()
    {
        Assert.Empty(new PipelineOptions().RequiredFields);
        Assert.Empty(Default.RequiredFieldsOf("Hot"));
        var options = new PipelineOptions().Require("hot", TargetField.Amount, TargetField.Owner, TargetField.Amount).Require("Tepid", TargetField.Owner).Require(PipelineOptions.NotSet, TargetField.Owner);
        options.RequiredFields["Cold"] = [(TargetField)9];
        Assert.Equal(
            [
                "Pipeline:RequiredFields:Tepid names an unknown status 'Tepid' (Not Set requires nothing).",
                "Pipeline:RequiredFields:NotSet names an unknown status 'NotSet' (Not Set requires nothing).",
                "Pipeline:RequiredFields:Cold lists '9', which is not a TargetField.",
            ],
            options.Validate());
        options.RequiredFields.Remove("Tepid");
        options.RequiredFields.Remove(PipelineOptions.NotSet);
        options.RequiredFields.Remove("Cold");
        Assert.Equal([TargetField.Amount, TargetField.Owner], new StatusStateMachine(options).RequiredFieldsOf("HOT"));
    }

    [Fact]
    public void LostReasons_AreEmptyByDefault_AndValidatedByName()
    {
        Assert.Empty(new PipelineOptions().LostReasons);
        Assert.Empty(Default.LostReasons);
        var options = new PipelineOptions { LostReasons = { "Price", " Timing", "price", "", new string('x', LostReason.MaxCodeLength + 1), "Competitor" } };
        Assert.Equal(
            [
                "Pipeline:LostReasons[1] ' Timing' must be 1 to 64 characters without leading or trailing white space.",
                "Pipeline:LostReasons[2] 'price' is listed twice (ignoring case).",
                "Pipeline:LostReasons[3] '' must be 1 to 64 characters without leading or trailing white space.",
                $"Pipeline:LostReasons[4] '{new string('x', 65)}' must be 1 to 64 characters without leading or trailing white space.",
            ],
            options.Validate());
        Assert.Equal(["Price", "Competitor"], new StatusStateMachine(new PipelineOptions { LostReasons = { "Price", "Competitor" } }).LostReasons);
    }

    [Fact]
    public void GuardBudget_DefaultsToFiveSeconds_AndMustBePositiveAndAtMostFiveMinutes()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), new PipelineOptions().GuardBudget);
        Assert.Contains("Pipeline:GuardBudget must be more than 0 and at most 5 minutes; it is 00:00:00.", new PipelineOptions { GuardBudget = TimeSpan.Zero }.Validate());
        Assert.Contains("Pipeline:GuardBudget must be more than 0 and at most 5 minutes; it is 00:05:01.", new PipelineOptions { GuardBudget = TimeSpan.FromSeconds(301) }.Validate());
        Assert.Empty(new PipelineOptions { GuardBudget = TimeSpan.FromMinutes(5) }.Validate());
    }

    [Fact]
    public void TimedMoves_AreEmptyByDefault_AndValidatedByName()
    {
        Assert.Empty(new PipelineOptions().TimedMoves);
        Assert.Equal("system:timed-moves", new PipelineOptions().TimedMoveActor.ActorId);
        var options = new PipelineOptions()
            .MoveAfter("Hot", TimeSpan.FromDays(30), "Cold")
            .MoveAfter("Tepid", TimeSpan.FromDays(1), "Cold")
            .MoveAfter("Closed", TimeSpan.FromDays(1), "Cold")
            .MoveAfter("Active", TimeSpan.Zero, "Cold")
            .MoveAfter("hot", TimeSpan.FromDays(9), "Active");
        Assert.Equal(
            [
                "Pipeline:TimedMoves[1] must move from a configured status to a configured status.",
                "Pipeline:TimedMoves[2] moves Closed to Cold, which Pipeline:Transitions does not allow.",
                "Pipeline:TimedMoves[3]:After must be positive; it is 00:00:00.",
                "Pipeline:TimedMoves[4] is a second timed move out of hot.",
            ],
            options.Validate());
        var machine = new StatusStateMachine(new PipelineOptions().MoveAfter("hot", TimeSpan.FromDays(30), "COLD"));
        Assert.Equal([new TimedMove("Hot", TimeSpan.FromDays(30), "Cold")], machine.TimedMoves);
    }

    private sealed class AllowAll : ITransitionGuard
    {
        public ValueTask<GuardVerdict> CheckAsync(GuardedMove move, CancellationToken cancellationToken) => ValueTask.FromResult(GuardVerdict.Allow);
    }

    [Fact]
    public void Guards_RegisteredAsServices_JoinTheOptions_OnceEach()
    {
        var services = new ServiceCollection();
        var inOptions = new AllowAll();
        var asService = new AllowAll();
        services.AddSingleton<ITransitionGuard>(asService);
        services.AddTargetTracking(o => o.Pipeline.Guards.Add(inOptions)).UseInMemory();
        services.AddTargetTracking();
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<TargetTrackingOptions>>().Value;
        Assert.Equal([inOptions, asService], options.Pipeline.Guards);
    }

    [Fact]
    public async Task Metadata_ThatIsInvalid_StopsTheHostAtStart_NamingTheSetting()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Services.AddTargetTracking(o => o.Pipeline.Statuses.Remove("Passed")).UseInMemory();
        using var host = builder.Build();
        var invalid = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Pipeline:Metadata:Passed names an unknown status 'Passed'", invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CustomPipeline_ReplacesTheDefault()
    {
        var options = new PipelineOptions();
        options.Statuses.Clear();
        options.Transitions.Clear();
        options.Metadata.Clear();
        options.Statuses.Add("Lead");
        options.Statuses.Add("Won");
        options.Permit(PipelineOptions.NotSet, "Lead").Permit("Lead", "Won", PipelineOptions.NotSet);
        var machine = new StatusStateMachine(options);
        Assert.Equal(["Won", null], machine.NextStatuses("lead"));
        Assert.True(machine.CanMove("Lead", null));
        Assert.False(machine.CanMove(null, "Won"));
        Assert.Empty(machine.NextStatuses("Won"));
    }

    [Fact]
    public void ContradictoryOptions_FailWithMessagesNamingTheSetting()
    {
        var options = new PipelineOptions();
        options.Statuses.Add("cold");
        options.Statuses.Add(" ");
        options.Statuses.Add("NotSet");
        options.Permit("Hot", "Frozen", "Cold", "Cold", "Hot");
        options.Permit("Melted", "Cold");
        var error = Assert.Throws<OptionsValidationException>(() => new StatusStateMachine(options));
        Assert.Equal(
            [
                "Pipeline:Statuses[5] 'cold' is listed twice (ignoring case).",
                "Pipeline:Statuses[6] is blank.",
                "Pipeline:Statuses[7] 'NotSet' is reserved: Not Set is always part of the pipeline.",
                "Pipeline:Transitions:Hot names an unknown status 'Frozen'.",
                "Pipeline:Transitions:Hot lists 'Cold' more than once.",
                "Pipeline:Transitions:Hot lists a move to itself; a change to the same status is always a no-op.",
                "Pipeline:Transitions:Melted names an unknown status 'Melted'.",
            ],
            error.Failures);
    }

    [Fact]
    public void NextStatuses_WrittenThroughByACaller_DoNotChangeThePipeline()
    {
        var machine = new StatusStateMachine(new PipelineOptions());
        var next = machine.NextStatuses("Cold");
        ReadOnlyAssert.CannotWriteThrough(next, "NextStatuses");
        Assert.False(next is string?[], "NextStatuses hands out the machine's own array.");
        ReadOnlyAssert.CannotWriteThrough(machine.NextStatuses(null), "NextStatuses(Not Set)");
        ReadOnlyAssert.CannotWriteThrough(machine.NextStatuses("Closed"), "NextStatuses(final)");
        ReadOnlyAssert.CannotWriteThrough(machine.Statuses, "Statuses");
        Assert.False(machine.CanMove("Cold", "Closed"));
        Assert.Equal(["Passed", "Active", "Hot"], machine.NextStatuses("Cold"));
    }

    [Fact]
    public void AllowedNext_OfARefusedMove_WrittenThroughByACaller_DoesNotLetTheMoveThrough()
    {
        var machine = new StatusStateMachine(new PipelineOptions());
        var refused = Assert.IsType<TransitionNotAllowedError>(machine.Check(default, "Cold", "Closed"));
        ReadOnlyAssert.CannotWriteThrough(refused.AllowedNext, "TransitionNotAllowedError.AllowedNext");
        if (refused.AllowedNext is string?[] array)
        {
            array[0] = "Closed";
        }

        Assert.False(machine.CanMove("Cold", "Closed"));
        ReadOnlyAssert.CannotWriteThrough(Assert.IsType<UnknownStatusError>(machine.Check(default, "Cold", "Tepid")).KnownStatuses, "UnknownStatusError.KnownStatuses");
        ReadOnlyAssert.CannotWriteThrough(TargetRules.Validate(" ", null, ["EU"], out var markets)!.Errors, "InvalidInputError.Errors");
        ReadOnlyAssert.CannotWriteThrough(markets, "normalized markets");
    }

    [Theory]
    [InlineData(null)]
    [InlineData(PipelineOptions.NotSet)]
    [InlineData("Not Set")]
    [InlineData("notset")]
    [InlineData("NOT SET")]
    public void NotSet_InEverySpelling_IsAcceptedAlike(string? notSet)
    {
        Assert.True(PipelineOptions.IsNotSet(notSet));
        Assert.True(Default.CanMove(notSet, "Cold"));
        Assert.False(Default.CanMove(notSet, "Closed"));
        Assert.True(Default.CanMove(notSet, null));
        Assert.True(Default.CanMove(null, notSet));
        Assert.False(Default.CanMove("Hot", notSet));
        Assert.Equal(Default.NextStatuses(null), Default.NextStatuses(notSet));
        Assert.True(Default.TryNormalize(notSet, out var canonical));
        Assert.Null(canonical);
        Assert.True(StatusStateMachine.SameStatus(notSet, null));
        var refused = Assert.IsType<TransitionNotAllowedError>(Default.Check(default, notSet, "Closed"));
        Assert.Null(refused.From);
    }

    [Fact]
    public void Check_FromAStatusThePipelineNoLongerHas_SaysItIsNotConfigured_NotFinal()
    {
        var refused = Assert.IsType<StatusNotConfiguredError>(Default.Check(default, "Warm", "Hot"));
        Assert.Equal(("Warm", (string?)"Hot", "status_not_configured"), (refused.Status, refused.To, refused.Code));
        Assert.DoesNotContain("final", refused.Message, StringComparison.Ordinal);
        Assert.Contains("no longer has", refused.Message, StringComparison.Ordinal);
        Assert.Equal(Default.Statuses, refused.KnownStatuses);
    }
}

public sealed class UnconfiguredStatusCheckTests
{
    [Fact]
    public async Task HostStart_LogsEachStoredStatusThePipelineDoesNotHave_WithItsCount()
    {
        var store = new TargetTracking.InMemory.InMemoryTargetStore();
        var seeding = new TargetTracker(store, new TargetTrackingOptions());
        Assert.True((await seeding.CreateManyAsync([new NewTarget("A", Status: "Hot"), new NewTarget("B", Status: "hot"), new NewTarget("C", Status: "Cold"), new NewTarget("D")])).Succeeded);

        var logs = new TargetTracking.Conformance.LogCapture();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Services.AddSingleton<ITargetRepository>(store);
        builder.Services.AddTargetTracking(o =>
        {
            o.Pipeline.Statuses.Remove("Hot");
            o.Pipeline.Transitions.Remove("Hot");
            o.Pipeline.Metadata.Remove("Hot");
            foreach (var next in o.Pipeline.Transitions.Values)
            {
                next.Remove("Hot");
            }
        });
        using var host = builder.Build();
        await host.StartAsync();
        for (var i = 0; i < 200 && !logs.Events.Any(e => e.EventId.Id == 20); i++)
        {
            await Task.Delay(10);
        }

        await host.StopAsync();
        var warnings = logs.Events.Where(e => e.EventId.Id == 20).OrderBy(e => (string)e.Values["Status"]!, StringComparer.Ordinal).ToList();
        Assert.Equal([("Hot", 2L)], warnings.Select(e => ((string)e.Values["Status"]!, (long)e.Values["Count"]!)));
        Assert.All(warnings, e => Assert.Equal((Microsoft.Extensions.Logging.LogLevel.Warning, "UnconfiguredStatus"), (e.Level, e.EventId.Name)));
        Assert.Contains("MoveOutOfUnconfiguredStatus", warnings[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostStart_WhenTheStoreCannotAnswer_LogsAndKeepsRunning()
    {
        var logs = new TargetTracking.Conformance.LogCapture();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        var store = new FaultyRepository { ReadFault = () => new InvalidOperationException("schema not migrated") };
        builder.Services.AddSingleton<ITargetRepository>(store);
        builder.Services.AddTargetTracking(o => o.MaxRetryAttempts = 0);
        using var host = builder.Build();
        await host.StartAsync();
        for (var i = 0; i < 200 && !logs.Events.Any(e => e.EventId.Id == 21); i++)
        {
            await Task.Delay(10);
        }

        await host.StopAsync();
        Assert.Equal("schema not migrated", Assert.Single(logs.Events, e => e.EventId.Id == 21).Exception!.Message);
    }
}
