using System.Collections.Concurrent;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TargetTracking.Conformance;
using TargetTracking.InMemory;

namespace TargetTracking.Tests;

/// <summary>
/// The core's invariants as FsCheck properties over random input (the model-based sequence property,
/// "history replays to the current status and version, versions only grow", runs in
/// <see cref="InMemoryConformance"/> and on every adapter). Inputs come from <see cref="Arbitraries"/>.
/// </summary>
public sealed class PropertyTests
{
    private static TargetTracker NewTracker(FakeTimeProvider clock, Action<TargetTrackingOptions>? configure = null)
    {
        var options = new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero };
        configure?.Invoke(options);
        return new TargetTracker(new InMemoryTargetStore(), options, clock);
    }

    /// <summary>A random pipeline: 2 to 6 statuses, each move allowed with probability 1/3.</summary>
    public sealed record RandomPipeline(string[] Statuses, (string? From, string? To)[] Moves)
    {
        public void ApplyTo(PipelineOptions options)
        {
            options.Statuses.Clear();
            options.Transitions.Clear();
            options.Metadata.Clear();
            foreach (var status in Statuses)
            {
                options.Statuses.Add(status);
            }

            foreach (var (from, to) in Moves)
            {
                options.Permit(from ?? PipelineOptions.NotSet, to ?? PipelineOptions.NotSet);
            }
        }

        public bool Allows(string? from, string? to) => from == to || Moves.Contains((from, to));

        public override string ToString() => $"[{string.Join(",", Statuses)}] {string.Join(" ", Moves.Select(m => $"{m.From ?? "NotSet"}->{m.To ?? "NotSet"}"))}";
    }

    /// <summary>A status move of one of three targets (<see cref="To"/> past the last status means Not Set).</summary>
    public sealed record Move(int Target, int To, bool Bulk);

    [Property(MaxTest = 200, Arbitrary = [typeof(Arbitraries)])]
    public async Task StateMachine_NeverLetsAMoveOutsideTheTableThrough_OnTheSingleOrTheBulkPath(RandomPipeline pipeline, Move[] moves)
    {
        var tracker = NewTracker(new FakeTimeProvider(), o => pipeline.ApplyTo(o.Pipeline));
        var ids = new List<TargetId>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await tracker.CreateAsync(new NewTarget($"T{i}"))).Value!.Id);
        }

        foreach (var move in moves)
        {
            var before = (await tracker.GetAsync(ids[move.Target])).Value!;
            var to = move.To < pipeline.Statuses.Length ? pipeline.Statuses[move.To] : null;
            var outcome = move.Bulk
                ? (await tracker.BeginBulk().ChangeStatus(before.Id, before.Version, to).CommitAsync(BulkMode.Partial)).Items[0].Error
                : (await tracker.ChangeStatusAsync(before.Id, before.Version, to)).Error;
            if (pipeline.Allows(before.Status, to))
            {
                Assert.Null(outcome);
            }
            else
            {
                var refused = Assert.IsType<TransitionNotAllowedError>(outcome);
                Assert.All(refused.AllowedNext, next => Assert.True(pipeline.Allows(before.Status, next)));
            }
        }

        foreach (var id in ids)
        {
            foreach (var entry in await tracker.GetHistoryAsync(id, new HistoryPageRequest(Limit: 1000)))
            {
                Assert.True(entry.Action != HistoryAction.StatusChanged || pipeline.Allows(entry.OldStatus, entry.NewStatus), $"{entry.OldStatus} -> {entry.NewStatus} went through");
            }
        }
    }

    /// <summary>A bad item of an all-or-nothing unit of work: <see cref="Kind"/> says what is wrong with it.</summary>
    public sealed record BadItem(int Kind, int Position);

    [Property(MaxTest = 200, Arbitrary = [typeof(Arbitraries)])]
    public async Task AllOrNothing_WithAtLeastOneBadItem_LeavesTargetsAndHistoryExactlyAsTheyWere(StatusStep[] good, BadItem[] bad)
    {
        var clock = new FakeTimeProvider();
        var tracker = NewTracker(clock);
        var seeded = await tracker.CreateManyAsync(Enumerable.Range(0, 5).Select(i => new NewTarget($"T{i}", null, ["EU"], i % 2 == 0 ? "Cold" : "Hot")));
        var targets = seeded.Items.Select(i => i.Target!).ToList();
        var before = await HistoryAssert.SnapshotAsync(tracker, []);
        clock.Advance(TimeSpan.FromMinutes(1));

        var items = good.Select(g => (Id: targets[g.Target % 5].Id, Version: 1L + g.VersionSkew, g.Status)).ToList();
        foreach (var b in bad)
        {
            var target = targets[b.Position % 5];
            (TargetId, long, string?) item = b.Kind switch
            {
                0 => (target.Id, target.Version + 5, "Active"),          // stale version
                1 => (target.Id, target.Version, "Lukewarm"),           // unknown status
                2 => (TargetId.New(clock), 1, "Active"),                 // missing target
                3 => (target.Id, target.Version, target.Status == "Cold" ? "Closed" : null), // forbidden move
                _ => (target.Id, -1, "Active"),                          // invalid version
            };
            items.Insert(Math.Min(b.Position, items.Count), item);
        }

        var bulk = tracker.BeginBulk();
        foreach (var (id, version, status) in items)
        {
            bulk.ChangeStatus(id, version, status);
        }

        var result = await bulk.CommitAsync(BulkMode.AllOrNothing);
        Assert.False(result.Succeeded);
        Assert.Equal(items.Count, result.Items.Count);
        Assert.All(result.Items, i => Assert.True(i.State is BulkItemState.Failed or BulkItemState.RolledBack));
        Assert.True(result.FailedCount >= 1);
        Assert.Equal(before, await HistoryAssert.SnapshotAsync(tracker, []));
    }

    /// <summary>A request with at least one bad part.</summary>
    public abstract record BadRequest;

    /// <summary>A create with at least one bad field or an unknown status.</summary>
    public sealed record BadCreate(string? Name, string? Description, string?[]? Markets, string? Status) : BadRequest;

    /// <summary>An update with at least one bad field, maybe at a wrong version.</summary>
    public sealed record BadUpdate(string? Name, string? Description, string?[]? Markets, long VersionDelta) : BadRequest;

    /// <summary>A status change to an unknown or forbidden status, maybe at a wrong version or of a missing target.</summary>
    public sealed record BadStatus(string? Status, long VersionDelta, bool Missing) : BadRequest;

    /// <summary>A delete at a wrong version or of a missing target.</summary>
    public sealed record BadDelete(long VersionDelta, bool Missing) : BadRequest;

    [Property(MaxTest = 300, Arbitrary = [typeof(Arbitraries)])]
    public async Task RandomBadInput_AlwaysYieldsATypedError_AndNeverAWrite(BadRequest[] requests)
    {
        var clock = new FakeTimeProvider();
        var tracker = NewTracker(clock);
        var target = (await tracker.CreateAsync(new NewTarget("Seed", null, ["EU"], "Cold"))).Value!;
        var before = await HistoryAssert.SnapshotAsync(tracker, []);
        clock.Advance(TimeSpan.FromSeconds(1));
        foreach (var r in requests)
        {
            TargetError? error = r switch
            {
                BadCreate c => (await tracker.CreateAsync(new NewTarget(c.Name!, c.Description, c.Markets!, c.Status))).Error,
                BadUpdate u => (await tracker.UpdateAsync(target.Id, target.Version + u.VersionDelta, new TargetUpdate(u.Name!, u.Description, u.Markets!))).Error,
                BadStatus s => (await tracker.ChangeStatusAsync(s.Missing ? TargetId.New(clock) : target.Id, target.Version + s.VersionDelta, s.Status)).Error,
                BadDelete d => (await tracker.DeleteAsync(d.Missing ? TargetId.New(clock) : target.Id, target.Version + d.VersionDelta)).Error,
                _ => throw new InvalidOperationException(),
            };
            Assert.True(error is InvalidInputError or UnknownStatusError or TransitionNotAllowedError or VersionConflictError or NotFoundError, $"{r} gave {error}");
        }

        Assert.Equal(before, await HistoryAssert.SnapshotAsync(tracker, []));
    }

    /// <summary>
    /// <see cref="Writers"/> writers each make <see cref="Attempts"/> read-then-write attempts on one of
    /// <see cref="Targets"/> targets; <see cref="BulkShare"/> of every three go through a unit of work.
    /// </summary>
    public sealed record Race(int Writers, int Targets, int Attempts, int BulkShare);

    [Property(MaxTest = 100, Arbitrary = [typeof(Arbitraries)])]
    public async Task ConcurrentWriters_RacingWithTheVersionsTheyRead_EachVersionHasExactlyOneWinner(Race input)
    {
        var tracker = NewTracker(new FakeTimeProvider());
        var ids = (await tracker.CreateManyAsync(Enumerable.Range(0, input.Targets).Select(i => new NewTarget($"T{i}", Status: "Active")))).Items.Select(i => i.TargetId).ToList();
        var wins = new ConcurrentBag<(TargetId, long)>();
        var conflicts = 0;
        await Task.WhenAll(Enumerable.Range(0, input.Writers).Select(w => Task.Run(async () =>
        {
            for (var n = 0; n < input.Attempts; n++)
            {
                var id = ids[(w * 7 + n) % ids.Count];
                var read = (await tracker.GetAsync(id)).Value!;
                var next = read.Status == "Active" ? "Hot" : "Active";
                var error = (w + n) % 3 < input.BulkShare
                    ? (await tracker.BeginBulk().ChangeStatus(id, read.Version, next).CommitAsync()).Items[0].Error
                    : (await tracker.ChangeStatusAsync(id, read.Version, next)).Error;
                if (error is null)
                {
                    wins.Add((id, read.Version));
                }
                else
                {
                    Assert.IsType<VersionConflictError>(error);
                    Interlocked.Increment(ref conflicts);
                }
            }
        })));

        Assert.Equal(input.Writers * input.Attempts, wins.Count + conflicts);
        foreach (var id in ids)
        {
            var won = wins.Where(w => w.Item1 == id).Select(w => w.Item2).Order().ToList();
            Assert.Equal(Enumerable.Range(1, won.Count).Select(v => (long)v), won);
            var current = (await tracker.GetAsync(id)).Value!;
            Assert.Equal(won.Count + 1, current.Version);
            HistoryAssert.Replays(current, await tracker.GetHistoryAsync(id, new HistoryPageRequest(Limit: 1000)));
        }
    }

    /// <summary>The generators of the properties above, as FsCheck arbitraries (one per input type).</summary>
    public static class Arbitraries
    {
        /// <summary>A random pipeline: 2 to 6 statuses, each move allowed with probability 1/3.</summary>
        public static Arbitrary<RandomPipeline> Pipeline() => (
            from count in Gen.Choose(2, 6)
            let statuses = Enumerable.Range(0, count).Select(i => $"S{i}").ToArray()
            let all = statuses.Prepend(null).ToArray()
            let pairs = (from f in all from t in all where f != t select (f, t)).ToArray()
            from allowed in Gen.Choose(0, 2).ArrayOf(pairs.Length)
            select new RandomPipeline(statuses, [.. pairs.Where((_, i) => allowed[i] == 0)])).ToArbitrary();

        /// <summary>1 to 25 moves.</summary>
        public static Arbitrary<Move[]> Moves() =>
            Gen.Choose(1, 25).SelectMany(n => (from t in Gen.Choose(0, 2) from to in Gen.Choose(0, 6) from bulk in Gen.Elements(true, false) select new Move(t, to, bulk)).ArrayOf(n)).ToArbitrary();

        /// <summary>0 to 20 status changes, valid or not (<see cref="ModelGenerators.ChangeStatus"/>).</summary>
        public static Arbitrary<StatusStep[]> StatusChanges() =>
            Gen.Choose(0, 20).SelectMany(n => ModelGenerators.ChangeStatus.ArrayOf(n)).ToArbitrary();

        /// <summary>1 to 3 bad items.</summary>
        public static Arbitrary<BadItem[]> BadItems() =>
            Gen.Choose(1, 3).SelectMany(n => (from kind in Gen.Choose(0, 4) from pos in Gen.Choose(0, 30) select new BadItem(kind, pos)).ArrayOf(n)).ToArbitrary();

        /// <summary>Requests that each have at least one bad part, as many as the test size.</summary>
        public static Arbitrary<BadRequest[]> BadRequests()
        {
            var badName = Gen.Elements<string?>(null, string.Empty, "  ", "\t\n", new string('x', 256), "a\0b", new string('é', 300), "lone " + (char)0xDC00);
            var okName = Gen.Elements<string?>("Acme", "Été");
            var badDescription = Gen.Elements<string?>(new string('d', 4001), "nul\0");
            var okDescription = Gen.Elements<string?>(null, "fine");
            var badMarkets = Gen.Elements<string?[]?>(["EU", "eu"], [" "], [null], [new string('m', 101)], [.. Enumerable.Range(0, 51).Select(i => $"m{i}")], ["a\0"]);
            var okMarkets = Gen.Elements<string?[]?>(null, [], ["EU"]);
            var badVersion = Gen.Elements(-1L, 1L, 3L, -100L, long.MaxValue / 2);

            // Each request has at least one bad part; the others may be fine.
            Gen<(string?, string?, string?[]?)> Fields() => Gen.Choose(0, 2).SelectMany(badPart =>
                from n in badPart == 0 ? badName : Gen.Frequency((1, badName), (2, okName))
                from d in badPart == 1 ? badDescription : Gen.Frequency((1, badDescription), (2, okDescription))
                from m in badPart == 2 ? badMarkets : Gen.Frequency((1, badMarkets), (2, okMarkets))
                select (n, d, m));

            var request = Gen.OneOf(
                from f in Fields() from s in Gen.Elements<string?>(null, "Cold", "Tepid") select (BadRequest)new BadCreate(f.Item1, f.Item2, f.Item3, s),
                Gen.Elements<string?>("Tepid", "Colder", string.Empty, " Cold").Select(s => (BadRequest)new BadCreate("Fine", null, null, s)),
                from f in Fields() from v in Gen.Frequency((2, Gen.Constant(0L)), (1, badVersion)) select (BadRequest)new BadUpdate(f.Item1, f.Item2, f.Item3, v),
                from s in Gen.Elements<string?>("Tepid", "Closed", "", "NotSet ") from v in Gen.Frequency((2, Gen.Constant(0L)), (1, badVersion)) from m in Gen.Elements(true, false) select (BadRequest)new BadStatus(s, v, m),
                from v in badVersion from m in Gen.Elements(true, false) select (BadRequest)new BadDelete(v, m));

            return request.ArrayOf().ToArbitrary();
        }

        /// <summary>2 to 12 writers, 1 to 3 targets, 1 to 15 attempts each, 0 to 2 of every 3 in bulk.</summary>
        public static Arbitrary<Race> Races() => (
            from writers in Gen.Choose(2, 12)
            from targets in Gen.Choose(1, 3)
            from attempts in Gen.Choose(1, 15)
            from bulkShare in Gen.Choose(0, 2)
            select new Race(writers, targets, attempts, bulkShare)).ToArbitrary();
    }
}
