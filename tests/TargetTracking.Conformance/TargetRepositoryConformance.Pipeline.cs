using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>The pipeline configuration changes while targets are stored: nothing is lost or stranded.</summary>
public abstract partial class TargetRepositoryConformance<TFixture>
{
    private static TargetTrackingOptions Options(Action<PipelineOptions>? pipeline = null)
    {
        var options = new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero };
        pipeline?.Invoke(options.Pipeline);
        return options;
    }

    /// <summary>The default pipeline with every status renamed to lower case: only the spelling changes.</summary>
    private static void LowerCase(PipelineOptions pipeline)
    {
        var statuses = pipeline.Statuses.ToList();
        pipeline.Statuses.Clear();
        foreach (var status in statuses)
        {
            pipeline.Statuses.Add(status.ToLowerInvariant());
        }
    }

    /// <summary>The default pipeline without Hot.</summary>
    private static void WithoutHot(PipelineOptions pipeline)
    {
        pipeline.Statuses.Remove("Hot");
        pipeline.Transitions.Remove("Hot");
        pipeline.Metadata.Remove("Hot");
        foreach (var targets in pipeline.Transitions.Values)
        {
            targets.Remove("Hot");
        }
    }

    [Fact]
    public async Task StatusRenamedOnlyInCase_FindsStoredTargets_InQueriesOperationsAndStagnation()
    {
        var repository = await Fixture.CreateRepositoryBesideANeighbourAsync();
        var before = new TargetTracker(repository, Options(), Clock);
        var a = await CreateAsync(before, "A", "Hot");
        var b = await CreateAsync(before, "B", "Hot", "EU");
        var c = await CreateAsync(before, "C", "Cold", "EU");
        Clock.Advance(TimeSpan.FromDays(3));

        var after = new TargetTracker(repository, Options(LowerCase), Clock);
        Assert.Equal(["hot"], after.Pipeline.Statuses.Where(s => s == "hot"));

        Assert.Equal(new[] { a.Id, b.Id }.Order(), (await after.QueryAsync(new TargetQuery { Statuses = ["hot"] })).Items.Select(t => t.Id).Order());
        Assert.Equal(new[] { a.Id, b.Id }.Order(), (await after.QueryAsync(new TargetQuery { Statuses = ["HOT"] })).Items.Select(t => t.Id).Order());
        Assert.Equal(new[] { b.Id, c.Id }.Order(), (await after.QueryAsync(new TargetQuery { Statuses = ["hot", "cold"], Market = "eu" })).Items.Select(t => t.Id).Order());
        Assert.Empty(await after.FindUnconfiguredStatusesAsync());

        // A move to the stored status in the new spelling is a no-op; a move out follows the table.
        var same = await after.ChangeStatusAsync(b.Id, 1, "hot");
        Assert.True(same.IsSuccess, same.ToString());
        Assert.Equal((1L, "Hot"), (same.Value.Version, same.Value.Status));
        Assert.Single(await HistoryAsync(after, b.Id));
        var closed = await after.ChangeStatusAsync(a.Id, 1, "closed");
        Assert.True(closed.IsSuccess, closed.ToString());
        Assert.Equal(("Hot", (string?)"closed"), ((await HistoryAsync(after, a.Id))[0].OldStatus, (await HistoryAsync(after, a.Id))[0].NewStatus));

        var stagnant = await new TargetHealth(after).FindStagnantAsync(new Dictionary<string, TimeSpan> { ["hot"] = TimeSpan.FromDays(1), ["cold"] = TimeSpan.FromDays(1) });
        Assert.Equal(new[] { b.Id, c.Id }.Order(), stagnant.Select(s => s.Target.Id).Order());

        if (repository is IOperationStore)
        {
            var operations = new TargetOperations(after);
            var started = await operations.StartAsync(new StartOperationRequest("warm-up-cold", "active", OperationSelection.Where(new TargetQuery { Statuses = ["cold", "hot"] })));
            Assert.True(started.IsSuccess, started.ToString());
            Assert.Equal(2, started.Value.Total);
            var done = (await operations.RunAsync("warm-up-cold")).Value!;
            Assert.Equal((OperationStatus.Completed, 2L, 0L), (done.Status, done.Succeeded, done.Failed));
            Assert.Equal("active", (await after.GetAsync(b.Id)).Value!.Status);
        }
    }

    [Fact]
    public async Task StatusRemoved_StrandsNothing_ReadsWork_MovesSayItIsNotConfigured_AndATrackedOperationMovesThem()
    {
        var repository = await Fixture.CreateRepositoryBesideANeighbourAsync();
        var before = new TargetTracker(repository, Options(), Clock);
        var x = await CreateAsync(before, "X", "Hot", "EU");
        var y = await CreateAsync(before, "Y", "Hot");
        var z = await CreateAsync(before, "Z", "Cold");

        var after = new TargetTracker(repository, Options(WithoutHot), Clock);

        // Reads keep working and show the stored status.
        Assert.Equal("Hot", (await after.GetAsync(x.Id)).Value!.Status);
        Assert.Equal(3, (await after.QueryAsync()).TotalCount);
        Assert.Equal(new[] { x.Id, y.Id }.Order(), (await after.QueryAsync(new TargetQuery { Statuses = ["hot"] })).Items.Select(t => t.Id).Order());
        await Assert.ThrowsAsync<ArgumentException>(() => after.QueryAsync(new TargetQuery { Statuses = ["Lukewarm"] }));
        Assert.Equal([new StatusCount("Hot", 2)], await after.FindUnconfiguredStatusesAsync());
        Assert.Equal([new StatusCount("Cold", 1), new StatusCount("Hot", 2)], await after.CountByStatusAsync());

        // A move out is refused with a typed error that says why; updates and the rest of the pipeline work.
        var refused = Assert.IsType<StatusNotConfiguredError>((await after.ChangeStatusAsync(x.Id, 1, "Cold")).Error);
        Assert.Equal((x.Id, "Hot", (string?)"Cold"), (refused.Id, refused.Status, refused.To));
        var bulk = after.BeginBulk();
        bulk.ChangeStatus(y.Id, 1, "Active");
        Assert.IsType<StatusNotConfiguredError>((await bulk.CommitAsync(BulkMode.Partial)).Items[0].Error);
        var renamed = await after.UpdateAsync(x.Id, 1, TargetUpdate.From(x) with { Name = "X renamed" });
        Assert.True(renamed.IsSuccess, renamed.ToString());
        Assert.Equal(("Hot", 2L), (renamed.Value.Status, renamed.Value.Version));
        Assert.True((await after.ChangeStatusAsync(z.Id, 1, "Active")).IsSuccess);

        if (repository is IOperationStore)
        {
            // The documented way out: a tracked operation moves them to a configured status, with history.
            var operations = new TargetOperations(after);
            var started = await operations.StartAsync(StartOperationRequest.MoveOutOfUnconfiguredStatus("rescue-hot", "HOT", "Active"), Alice);
            Assert.True(started.IsSuccess, started.ToString());
            var done = (await operations.RunAsync("rescue-hot")).Value!;
            Assert.Equal((OperationStatus.Completed, 2L, 2L, 0L), (done.Status, done.Total, done.Succeeded, done.Failed));
            foreach (var (id, version) in new[] { (x.Id, 3L), (y.Id, 2L) })
            {
                var moved = (await after.GetAsync(id)).Value!;
                Assert.Equal(("Active", version), (moved.Status, moved.Version));
                var entry = (await HistoryAsync(after, id))[0];
                Assert.Equal((HistoryAction.StatusChanged, "Hot", (string?)"Active", "rescue-hot", "Alice"), (entry.Action, entry.OldStatus, entry.NewStatus, entry.OperationId, entry.ActorName));
            }

            Assert.Empty(await after.FindUnconfiguredStatusesAsync());
        }
    }

    [Theory]
    [InlineData("Été", "été")]
    [InlineData("ÉTÉ", "été")]
    [InlineData("Straße", "STRASSE")]
    public async Task StatusWithLettersBeyondAscii_RenamedOnlyInCase_FindsStoredTargets(string stored, string renamed)
    {
        void Pipeline(PipelineOptions pipeline, string status)
        {
            pipeline.Statuses.Clear();
            pipeline.Transitions.Clear();
            pipeline.Metadata.Clear();
            pipeline.Statuses.Add(status);
            pipeline.Permit(PipelineOptions.NotSet, status);
        }

        var repository = await Fixture.CreateRepositoryBesideANeighbourAsync();
        var before = new TargetTracker(repository, Options(p => Pipeline(p, stored)), Clock);
        var target = await CreateAsync(before, "Summer", stored);
        var after = new TargetTracker(repository, Options(p => Pipeline(p, renamed)), Clock);

        var sameStatus = StatusStateMachine.SameStatus(stored, renamed);
        Assert.Equal(sameStatus ? [target.Id] : Array.Empty<TargetId>(), (await after.QueryAsync(new TargetQuery { Statuses = [renamed] })).Items.Select(t => t.Id));
        Assert.Equal(sameStatus ? 0 : 1, (await after.FindUnconfiguredStatusesAsync()).Count);
    }
}
