using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>
/// Host guards (issue 25): asked once per status change before the write, outside any transaction (a guard may use the store
/// itself); a refusal is a typed error on single changes, per bulk item and per tracked operation item, with nothing written;
/// the version the guard saw is rechecked by the write; the budget refuses rather than lets through.
/// </summary>
public abstract partial class TargetRepositoryConformance<TFixture>
{
    /// <summary>Refuses moves into Hot of targets whose name starts with "Blocked"; runs <see cref="During"/> while deciding.</summary>
    private sealed class CreditCheck : ITransitionGuard
    {
        public List<GuardedMove> Asked { get; } = [];

        public Func<GuardedMove, CancellationToken, Task>? During { get; set; }

        public async ValueTask<GuardVerdict> CheckAsync(GuardedMove move, CancellationToken cancellationToken)
        {
            lock (Asked)
            {
                Asked.Add(move);
            }

            if (During is { } during)
            {
                await during(move, cancellationToken);
            }

            return move.To == "Hot" && move.Target.Name.StartsWith("Blocked", StringComparison.Ordinal) ? GuardVerdict.Refuse("credit limit reached") : GuardVerdict.Allow;
        }
    }

    private async Task<(TargetTracker Tracker, CreditCheck Guard)> GuardedTrackerAsync()
    {
        var guard = new CreditCheck();
        return (await NewTrackerAsync(o => o.Pipeline.Guards.Add(guard)), guard);
    }

    [Fact]
    public async Task Guards_RefuseASingleMove_WithTheirReason_AndWriteNothing_WhileTheyMayUseTheStore()
    {
        var (tracker, guard) = await GuardedTrackerAsync();
        var blocked = await CreateAsync(tracker, "Blocked deal", "Active");
        var fine = await CreateAsync(tracker, "Fine deal", "Active");
        var other = await CreateAsync(tracker, "Other", "Cold");

        // No transaction is open while the guard decides: it reads and writes the store itself (on SQLite a held write lock would block it).
        guard.During = async (move, ct) =>
        {
            var current = (await tracker.GetAsync(other.Id, ct)).Value!;
            Assert.True((await tracker.UpdateAsync(current.Id, current.Version, TargetUpdate.From(current) with { Description = $"seen by the guard deciding on {move.Target.Name}" }, Alice, ct)).IsSuccess);
        };

        var refused = Assert.IsType<GuardRefusedError>((await tracker.ChangeStatusAsync(blocked.Id, 1, "hot", Alice)).Error);
        Assert.Equal((blocked.Id, "Active", "Hot", nameof(CreditCheck), "credit limit reached"), (refused.Id, refused.From, refused.To, refused.Guard, refused.Reason));
        Assert.Equal("guard_refused", refused.Code);
        Assert.True(blocked.SameAs((await tracker.GetAsync(blocked.Id)).Value), "nothing written");
        Assert.Single(await HistoryAsync(tracker, blocked.Id));

        Assert.Equal("Hot", (await tracker.ChangeStatusAsync(fine.Id, 1, "Hot", Alice)).Value!.Status);
        Assert.Equal(2, guard.Asked.Count);
        Assert.Equal((fine.Id, 1L, "Active", "Hot", "u-1"), (guard.Asked[1].Target.Id, guard.Asked[1].Target.Version, guard.Asked[1].Target.Status, guard.Asked[1].To, guard.Asked[1].Audit.ActorId));
        Assert.Equal(3, (await tracker.GetAsync(other.Id)).Value!.Version);

        // A move to the current status, an unknown target and invalid input are not asked about.
        Assert.True((await tracker.ChangeStatusAsync(fine.Id, 2, "Hot", Alice)).IsSuccess);
        Assert.IsType<NotFoundError>((await tracker.ChangeStatusAsync(TargetId.New(Clock), 1, "Hot", Alice)).Error);
        Assert.IsType<UnknownStatusError>((await tracker.ChangeStatusAsync(fine.Id, 2, "Tepid", Alice)).Error);
        Assert.Equal(2, guard.Asked.Count);
    }

    [Fact]
    public async Task Guards_DecideOnAVersion_ThatTheWriteRechecks()
    {
        var (tracker, guard) = await GuardedTrackerAsync();
        var deal = await CreateAsync(tracker, "Deal", "Active");

        // Someone else moves the target while the guard decides: the write finds another version and says so.
        guard.During = async (move, ct) =>
        {
            guard.During = null;
            Assert.True((await tracker.ChangeStatusAsync(move.Target.Id, move.Target.Version, "Cold", Alice, ct)).IsSuccess);
        };
        var conflict = Assert.IsType<VersionConflictError>((await tracker.ChangeStatusAsync(deal.Id, 1, "Hot", Alice)).Error);
        Assert.Equal(("Cold", 2L), (conflict.Current.Status, conflict.Current.Version));
        Assert.Equal(2, (await HistoryAsync(tracker, deal.Id)).Count);
    }

    [Fact]
    public async Task Guards_InBulk_AreAskedOncePerItem_AndFailOnlyTheItemsTheyRefuse()
    {
        var (tracker, guard) = await GuardedTrackerAsync();
        var created = await tracker.CreateManyAsync([new NewTarget("Blocked A", Status: "Active"), new NewTarget("B", Status: "Active"), new NewTarget("C", Status: "Cold")], audit: Alice);
        var t = created.Items.Select(i => i.Target!).ToArray();

        var rolledBack = await tracker.BeginBulk().ChangeStatus(t[0].Id, 1, "Hot").ChangeStatus(t[1].Id, 1, "Hot").CommitAsync(BulkMode.AllOrNothing, Alice);
        Assert.Equal([BulkItemState.Failed, BulkItemState.RolledBack], rolledBack.Items.Select(i => i.State));
        Assert.IsType<GuardRefusedError>(rolledBack.Items[0].Error);

        guard.Asked.Clear();
        var result = await tracker.BeginBulk()
            .ChangeStatus(t[0].Id, 1, "Hot")
            .ChangeStatus(t[1].Id, 1, "Hot")
            .ChangeStatus(t[2].Id, 1, "Hot")
            .Update(t[2].Id, 2, TargetUpdate.From(t[2]) with { Description = "moved" })
            .CommitAsync(BulkMode.Partial, Alice);
        Assert.Equal([BulkItemState.Failed, BulkItemState.Applied, BulkItemState.Applied, BulkItemState.Applied], result.Items.Select(i => i.State));
        Assert.Equal("credit limit reached", Assert.IsType<GuardRefusedError>(result.Items[0].Error).Reason);
        Assert.Equal([t[0].Id, t[1].Id, t[2].Id], guard.Asked.Select(m => m.Target.Id));
        Assert.Equal(["Active", "Hot", "Hot"], await Task.WhenAll(t.Select(async x => (await tracker.GetAsync(x.Id)).Value!.Status!)));
    }

    [Fact]
    public async Task Guards_InATrackedOperation_AreAskedOncePerItem_AndRefusalsAreItsFailures()
    {
        var (tracker, guard) = await GuardedTrackerAsync();
        var blocked = await CreateAsync(tracker, "Blocked deal", "Active");
        var fine = await CreateAsync(tracker, "Fine deal", "Cold");
        var operations = new TargetOperations(tracker);

        Assert.True((await operations.StartAsync(new StartOperationRequest("to-hot", "Hot", OperationSelection.ForIds([blocked.Id, fine.Id])) { BatchSize = 1 }, Alice)).IsSuccess);
        var done = (await operations.RunAsync("to-hot")).Value!;
        Assert.Equal((2L, 1L), (done.Processed, done.Failed));
        var failure = Assert.Single(await operations.GetFailuresAsync("to-hot"));
        Assert.Equal((blocked.Id, "guard_refused"), (failure.TargetId, failure.Code));
        Assert.Contains("credit limit reached", failure.Message, StringComparison.Ordinal);
        Assert.Equal(("Active", "Hot"), ((await tracker.GetAsync(blocked.Id)).Value!.Status, (await tracker.GetAsync(fine.Id)).Value!.Status));
        Assert.Equal(2, guard.Asked.Count);
        Assert.All(guard.Asked, m => Assert.Equal("to-hot", m.OperationId));
    }

    [Fact]
    public async Task Guards_ThatOutlastTheirBudget_RefuseTheMove_NamingTheBudget()
    {
        var (tracker, guard) = await GuardedTrackerAsync();
        var deal = await CreateAsync(tracker, "Deal", "Active");
        guard.During = async (_, ct) =>
        {
            Clock.Advance(TimeSpan.FromSeconds(6));
            await Task.Delay(Timeout.Infinite, ct);
        };

        var refused = Assert.IsType<GuardRefusedError>((await tracker.ChangeStatusAsync(deal.Id, 1, "Hot", Alice)).Error);
        Assert.Equal(nameof(PipelineOptions.GuardBudget), refused.Guard);
        Assert.Equal(1, (await tracker.GetAsync(deal.Id)).Value!.Version);
    }
}
