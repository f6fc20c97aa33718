using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>Random histories for the report tests, written through the tracker, and checks that need no store.</summary>
internal static class ReportScript
{
    private static readonly AuditContext Script = new() { ActorId = "script", ActorName = "Script" };

    /// <summary>
    /// Runs <paramref name="steps"/> random steps: creates (in any status, Not Set included), moves along the pipeline
    /// (skips, backward moves, re-entries, reopening Passed), updates, deletes, bulk units of work and tracked operations,
    /// with clock jumps of zero (equal timestamps) to days.
    /// </summary>
    /// <returns>Every target id created.</returns>
    public static async Task<List<TargetId>> RunAsync(TargetTracker tracker, FakeTimeProvider clock, int seed, int steps)
    {
        var random = new Random(seed);
        var operations = new TargetOperations(tracker);
        var ids = new List<TargetId>();
        var live = new List<TargetId>();
        string?[] initial = [null, "Cold", "Active", "Hot", "Passed"];

        // A pipeline with lost reasons gets one for every move into a lost status (a create needs none).
        LostReason? Why(string? to) =>
            tracker.Pipeline.LostReasons.Count > 0 && to is not null && tracker.Pipeline.Lost.Contains(to)
                ? new LostReason(tracker.Pipeline.LostReasons[random.Next(tracker.Pipeline.LostReasons.Count)])
                : null;
        for (var step = 0; step < steps; step++)
        {
            clock.Advance(random.Next(4) switch { 0 => TimeSpan.Zero, 1 => TimeSpan.FromMinutes(random.Next(1, 600)), _ => TimeSpan.FromHours(random.Next(1, 24 * 6)) });
            var roll = random.Next(100);
            if (live.Count == 0 || roll < 20)
            {
                var created = await tracker.CreateAsync(new NewTarget($"T{ids.Count}", null, ["EU"], initial[random.Next(initial.Length)]), Script);
                ids.Add(created.Value!.Id);
                live.Add(created.Value.Id);
                continue;
            }

            var target = (await tracker.GetAsync(live[random.Next(live.Count)])).Value!;
            if (roll < 70)
            {
                var next = tracker.Pipeline.NextStatuses(target.Status);
                if (next.Count > 0)
                {
                    var to = next[random.Next(next.Count)];
                    await tracker.ChangeStatusAsync(target.Id, target.Version, to, Why(to), Script);
                }
            }
            else if (roll < 78)
            {
                // Amounts in two currencies, or none: what win/loss by reason sums.
                var amount = random.Next(3) switch { 0 => null, 1 => new Money(random.Next(1, 1_000_000) / 100m, "EUR"), _ => new Money(random.Next(1, 1000), "USD") };
                await tracker.UpdateAsync(target.Id, target.Version, TargetUpdate.From(target) with { Name = target.Name + "'", Amount = amount }, Script);
            }
            else if (roll < 86)
            {
                await tracker.DeleteAsync(target.Id, target.Version, Script);
                live.Remove(target.Id);
            }
            else if (roll < 93)
            {
                // One unit of work: several targets moved at one instant.
                var bulk = tracker.BeginBulk();
                foreach (var id in live.OrderBy(_ => random.Next()).Take(3))
                {
                    var t = (await tracker.GetAsync(id)).Value!;
                    var next = tracker.Pipeline.NextStatuses(t.Status);
                    if (next.Count > 0)
                    {
                        var to = next[random.Next(next.Count)];
                        bulk.ChangeStatus(t.Id, t.Version, to, Why(to));
                    }
                }

                await bulk.CommitAsync(BulkMode.Partial, Script);
            }
            else
            {
                var selected = live.OrderBy(_ => random.Next()).Take(4).ToList();
                var opId = $"op-{seed}-{step}";
                var to = random.Next(2) == 0 ? "Cold" : "Passed";
                await operations.StartAsync(new StartOperationRequest(opId, to, OperationSelection.ForIds(selected)) { Reason = Why(to) }, Script);
                clock.Advance(TimeSpan.FromMinutes(1));
                await operations.RunAsync(opId);
            }
        }

        return ids;
    }

    /// <summary>Every history entry of the store, through the feed.</summary>
    public static async Task<List<HistoryEntry>> AllHistoryAsync(TargetTracker tracker)
    {
        var all = new List<HistoryEntry>();
        var request = new HistoryFeedRequest(DateTimeOffset.UnixEpoch, null, 1000);
        while (true)
        {
            var page = await tracker.GetHistoryFeedAsync(request);
            all.AddRange(page);
            if (page.Count < request.Limit)
            {
                return all;
            }

            request = request with { Since = page[^1].OccurredAt, AfterId = page[^1].Id };
        }
    }

    /// <summary>A target's stays cover its lifetime: from its creation, each ending where the next begins, until its delete or now.</summary>
    public static void AssertCoverLifetime(IReadOnlyList<StayFacts> stays, IReadOnlyList<HistoryEntry> history)
    {
        var ordered = history.OrderBy(e => e.Version).ToList();
        if (ordered.Count == 0)
        {
            Assert.Empty(stays);
            return;
        }

        Assert.Equal(ordered[0].OccurredAt, stays[0].EnteredAt);
        for (var i = 0; i < stays.Count; i++)
        {
            var s = stays[i];
            Assert.True(s.ExitedAt is null || s.ExitedAt >= s.EnteredAt);
            if (i + 1 < stays.Count)
            {
                // No gap and no overlap: the next stay begins where this one ends (a delete ends the lifetime; there are no re-created ids).
                Assert.False(s.EndedByDelete);
                Assert.Equal(s.ExitedAt, stays[i + 1].EnteredAt);
                Assert.Equal(s.NextStatus, stays[i + 1].Status);
                Assert.NotEqual(s.Status, stays[i + 1].Status);
            }
        }

        var last = stays[^1];
        var deleted = ordered[^1].Action == HistoryAction.Deleted;
        Assert.Equal(deleted, last.EndedByDelete);
        Assert.Equal(deleted ? ordered[^1].OccurredAt : null, last.ExitedAt);
    }

    /// <summary>An independent replay: each target's status after its last entry at or before <paramref name="at"/>, deleted targets left out.</summary>
    public static List<StatusCount> Replay(IEnumerable<IReadOnlyList<HistoryEntry>> histories, DateTimeOffset at) =>
    [
        .. histories
            .Select(h => h.Where(e => e.OccurredAt <= at && e.Action != HistoryAction.Updated).MaxBy(e => e.Version))
            .Where(e => e is not null && e.Action != HistoryAction.Deleted)
            .GroupBy(e => e!.NewStatus)
            .Select(g => new StatusCount(g.Key, g.LongCount())),
    ];
}
