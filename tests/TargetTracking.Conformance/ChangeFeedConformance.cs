using System.Collections.Concurrent;
using TargetTracking;
using Xunit.Abstractions;

namespace TargetTracking.Conformance;

/// <summary>
/// The change feed on every store: commit order that no out-of-order commit can break (two overlapping units of work
/// and a reader between their commits), opaque resume tokens, the subscription, the lag, and a property test with
/// concurrent writers (some holding long transactions) and readers resuming from tokens at random moments. An adapter
/// signs up with an empty subclass.
/// </summary>
/// <typeparam name="TFixture">The store's fixture.</typeparam>
public abstract class ChangeFeedConformance<TFixture>(TFixture fixture, ITestOutputHelper output) : IClassFixture<TFixture>
    where TFixture : class, IStoreFixture
{
    private static readonly AuditContext Alice = new() { ActorId = "u-1", ActorName = "Alice", CorrelationId = "corr-feed" };

    private FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2025, 6, 1, 9, 0, 0, TimeSpan.Zero));

    private static TargetTrackingOptions Options()
    {
        var options = new TargetTrackingOptions { RetryBaseDelay = TimeSpan.Zero, MaxRetryAttempts = 10 };
        options.Feed.MinPollInterval = TimeSpan.FromMilliseconds(10);
        options.Feed.MaxPollInterval = TimeSpan.FromMilliseconds(200);
        return options;
    }

    private async Task<(ITargetRepository Repository, TargetTracker Tracker, ChangeFeed Feed)> NewAsync(TimeProvider? time = null)
    {
        var repository = await fixture.CreateRepositoryBesideANeighbourAsync();
        var tracker = new TargetTracker(repository, Options(), time ?? Clock);
        return (repository, tracker, new ChangeFeed(tracker));
    }

    private static async Task<Target> CreateAsync(TargetTracker tracker, string name, string? status = "Cold")
    {
        var created = await tracker.CreateAsync(new NewTarget(name, null, ["EU"], status), Alice);
        Assert.True(created.IsSuccess, created.ToString());
        return created.Value;
    }

    private static async Task<List<FeedEntry>> ReadAllAsync(ChangeFeed feed, FeedToken? from = null, int limit = 1000)
    {
        var all = new List<FeedEntry>();
        while (true)
        {
            var page = await feed.ReadAsync(from, limit);
            all.AddRange(page.Entries);
            if (page.Entries.Count < limit)
            {
                return all;
            }

            from = page.Next;
        }
    }

    [Fact]
    public async Task Feed_DeliversEveryEntry_TargetsInVersionOrder_AndResumesFromTextTokens()
    {
        var (_, tracker, feed) = await NewAsync();
        Assert.True(tracker.Supports<IChangeFeedStore>());
        var a = await CreateAsync(tracker, "Alpha");
        var b = await CreateAsync(tracker, "Beta");
        a = (await tracker.ChangeStatusAsync(a.Id, a.Version, "Active", Alice)).Value;
        var bulk = await tracker.CreateManyAsync([new NewTarget("Gamma", null, ["EU"], "Cold"), new NewTarget("Delta", null, ["EU"], "Cold")], audit: Alice);
        Assert.True(bulk.Succeeded);
        await tracker.DeleteAsync(b.Id, b.Version, Alice);

        var all = await ReadAllAsync(feed);

        // Every entry once, each unit of work after the one that committed before it, a bulk unit's items each their own entry.
        Assert.Equal(6, all.Count);
        Assert.Equal(all.Select(e => e.Entry.Id).Distinct().Count(), all.Count);
        Assert.Equal([HistoryAction.Created, HistoryAction.Created, HistoryAction.StatusChanged, HistoryAction.Created, HistoryAction.Created, HistoryAction.Deleted], all.Select(e => e.Entry.Action));
        Assert.Equal(all.Select(e => e.Token).Order(), all.Select(e => e.Token));

        // Paging by text tokens (what a host stores) gives the same stream, whatever the page size.
        var paged = new List<FeedEntry>();
        string? stored = null;
        while (true)
        {
            var page = await feed.ReadAsync(stored is null ? null : FeedToken.Parse(stored), 2);
            paged.AddRange(page.Entries);
            stored = page.Next.ToString();
            if (page.Entries.Count == 0)
            {
                break;
            }
        }

        Assert.Equal(all.Select(e => e.Entry), paged.Select(e => e.Entry));

        // Resuming from the token of the third entry delivers exactly what came after it.
        Assert.Equal(all.Skip(3).Select(e => e.Entry), (await ReadAllAsync(feed, FeedToken.Parse(all[2].Token.ToString()))).Select(e => e.Entry));
        Assert.Empty((await feed.ReadAsync(all[^1].Token)).Entries);
        Assert.Equal(all[^1].Token, (await feed.ReadAsync(all[^1].Token)).Next);
    }

    /// <summary>
    /// The bug the feed fixes: unit of work A decides first (its entry's time is earlier) and commits last; a reader
    /// reads between B's commit and A's. Paging by (occurred_at, id) moved past A's time and skipped A's entry forever.
    /// Where the store lets both run at once (PostgreSQL, MariaDB) they overlap; where it runs one writer at a time
    /// (SQLite, the in-memory store) B waits for A, and the order is then simply the commit order.
    /// </summary>
    [Fact]
    public async Task Feed_TwoOverlappingUnitsOfWork_ReaderBetweenTheirCommits_SkipsNeither()
    {
        var (repository, tracker, feed) = await NewAsync();
        var x = await CreateAsync(tracker, "X");
        var y = await CreateAsync(tracker, "Y");
        var seen = await ReadAllAsync(feed);
        var position = seen[^1].Token;

        var early = Clock.GetUtcNow().AddSeconds(1);
        var late = early.AddSeconds(1);
        Clock.SetUtcNow(late.AddSeconds(1));
        bool overlapping;

        var sessionA = await repository.BeginWriteAsync();
        await using (sessionA)
        {
            await sessionA.LockAsync([x.Id]);
            await sessionA.SaveAsync(Move(x, "Active", early));

            var unitB = Task.Run(async () =>
            {
                var sessionB = await repository.BeginWriteAsync();
                await using (sessionB)
                {
                    await sessionB.LockAsync([y.Id]);
                    await sessionB.SaveAsync(Move(y, "Active", late));
                    await sessionB.CommitAsync();
                }
            });

            // Where B cannot commit while A is open (one writer at a time, or A holds the commit sequence already) it
            // waits, and commits after A: the feed's order is then the commit order, which is what it must be.
            overlapping = await Task.WhenAny(unitB, Task.Delay(TimeSpan.FromSeconds(2))) == unitB;
            if (overlapping)
            {
                await unitB;

                // The reader runs between the two commits: it sees B's entry only, and moves past it.
                var between = await feed.ReadAsync(position);
                Assert.Equal([y.Id], between.Entries.Select(e => e.Entry.TargetId));
                position = between.Next;
            }

            await sessionA.CommitAsync();
            await sessionA.DisposeAsync();
            await unitB;
        }

        var rest = await ReadAllAsync(feed, position);
        var delivered = (overlapping ? [y.Id] : Array.Empty<TargetId>()).Concat(rest.Select(e => e.Entry.TargetId)).ToList();
        output.WriteLine($"overlapping units of work: {overlapping}");
        Assert.Equal(2, delivered.Count);
        Assert.Contains(x.Id, delivered);
        Assert.Contains(y.Id, delivered);
    }

    private static ChangeSet Move(Target target, string status, DateTimeOffset at)
    {
        var moved = target with { Status = status, Version = target.Version + 1, UpdatedAt = at, StatusChangedAt = at };
        return new ChangeSet
        {
            Updates = [new TargetWrite(moved, target.Version)],
            History =
            [
                new HistoryEntry
                {
                    Id = Guid.CreateVersion7(at), TargetId = target.Id, Action = HistoryAction.StatusChanged, OldStatus = target.Status, NewStatus = status,
                    Version = moved.Version, OccurredAt = at, CorrelationId = "overlap",
                },
            ],
        };
    }

    [Fact]
    public async Task Feed_Lag_IsNowMinusTheOldestNewEntry_AndZeroWhenCaughtUp()
    {
        var (_, tracker, feed) = await NewAsync();
        Assert.Null(feed.LastLag);
        await CreateAsync(tracker, "Old");
        Clock.Advance(TimeSpan.FromSeconds(30));
        await CreateAsync(tracker, "New");
        Clock.Advance(TimeSpan.FromSeconds(5));

        var page = await feed.ReadAsync(limit: 1);
        Assert.Equal(TimeSpan.FromSeconds(35), page.Lag);
        Assert.Equal((TimeSpan.FromSeconds(35), Clock.GetUtcNow()), feed.LastLag);

        page = await feed.ReadAsync(page.Next);
        Assert.Equal(TimeSpan.FromSeconds(5), page.Lag);

        page = await feed.ReadAsync(page.Next);
        Assert.Empty(page.Entries);
        Assert.Equal(TimeSpan.Zero, page.Lag);
        Assert.Equal(TimeSpan.Zero, feed.LastLag!.Value.Lag);
    }

    [Fact]
    public async Task Subscription_DeliversEntriesCommittedAfterItStarted_InOrder_AndResumesFromAToken()
    {
        var (_, tracker, feed) = await NewAsync(TimeProvider.System);
        var first = await CreateAsync(tracker, "Before");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var received = new List<FeedEntry>();
        var subscription = Task.Run(async () =>
        {
            try
            {
                await foreach (var entry in feed.SubscribeAsync(null, stop.Token))
                {
                    lock (received)
                    {
                        received.Add(entry);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Ended by the test.
            }
        });

        // Written while the subscription waits: it wakes (notified or polling) and delivers them.
        var moved = (await tracker.ChangeStatusAsync(first.Id, first.Version, "Active", Alice)).Value!;
        await CreateAsync(tracker, "After");
        await tracker.ChangeStatusAsync(moved.Id, moved.Version, "Hot", Alice);
        await WaitUntilAsync(() => { lock (received) { return received.Count >= 4; } }, timeout.Token);
        await stop.CancelAsync();
        await subscription;

        Assert.False(timeout.IsCancellationRequested);
        Assert.Equal(4, received.Count);
        Assert.Equal(received.Select(e => e.Token).Order(), received.Select(e => e.Token));
        Assert.Equal([1L, 2L, 3L], received.Where(e => e.Entry.TargetId == first.Id).Select(e => e.Entry.Version));

        // A new subscription from the second token starts right after it.
        using var again = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var resumed = feed.SubscribeAsync(received[1].Token, again.Token).GetAsyncEnumerator(again.Token);
        Assert.True(await resumed.MoveNextAsync());
        Assert.Equal(received[2], resumed.Current);
    }

    private static async Task WaitUntilAsync(Func<bool> done, CancellationToken cancellationToken)
    {
        while (!done())
        {
            await Task.Delay(20, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Many concurrent writers (single writes, bulk units of work, and units of work that hold their transaction open
    /// after deciding), and readers that page with random sizes and, at random moments, "restart" from the last token
    /// they stored. Every committed entry is delivered to every reader; between restarts tokens strictly increase (no
    /// duplicate) and each target's versions increase; duplicates appear only after a restart. Bounded by the number of
    /// units of work, not by time, so a loaded machine only makes it slower.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Property_ConcurrentWritersAndResumingReaders_NothingSkipped_PerTargetOrder_DuplicatesOnlyAcrossResume(int seed)
    {
        const int Writers = 4;
        const int UnitsPerWriter = 12;
        const int Readers = 3;
        var (repository, tracker, feed) = await NewAsync(TimeProvider.System);
        var targets = new ConcurrentDictionary<TargetId, bool>();
        foreach (var name in new[] { "p0", "p1", "p2" })
        {
            targets[(await CreateAsync(tracker, name)).Id] = true;
        }

        var writersDone = 0;
        var longUnits = 0;
        async Task WriteAsync(int writer)
        {
            var random = new Random((seed * 1000) + writer);
            for (var unit = 0; unit < UnitsPerWriter; unit++)
            {
                var ids = targets.Keys.ToArray();
                var id = ids[random.Next(ids.Length)];
                switch (random.Next(4))
                {
                    case 0:
                        targets[(await CreateAsync(tracker, $"w{writer}-{unit}")).Id] = true;
                        break;
                    case 1:
                        var bulk = await tracker.CreateManyAsync(
                            Enumerable.Range(0, 2 + random.Next(3)).Select(i => new NewTarget($"w{writer}-{unit}-{i}", null, ["EU"], "Cold")), audit: Alice);
                        foreach (var item in bulk.Items)
                        {
                            targets[item.TargetId] = true;
                        }

                        break;
                    case 2:
                        if (await tracker.GetAsync(id) is { IsSuccess: true } read)
                        {
                            // A conflict with another writer is an expected outcome, and writes nothing.
                            await tracker.ChangeStatusAsync(id, read.Value.Version, read.Value.Status == "Active" ? "Hot" : "Active", Alice);
                        }

                        break;
                    default:
                        // Decides first, holds its transaction open, commits last.
                        await LongUnitOfWorkAsync(repository, id, TimeSpan.FromMilliseconds(10 + random.Next(50)));
                        Interlocked.Increment(ref longUnits);
                        break;
                }
            }

            Interlocked.Increment(ref writersDone);
        }

        var readers = Enumerable.Range(0, Readers).Select(r => new FeedReader(feed, new Random((seed * 1000) + 100 + r))).ToArray();
        var writing = Enumerable.Range(0, Writers).Select(w => Task.Run(() => WriteAsync(w))).ToArray();
        var reading = readers.Select(r => Task.Run(() => r.RunAsync(() => Volatile.Read(ref writersDone) == Writers))).ToArray();
        await Task.WhenAll(writing);
        await Task.WhenAll(reading);

        // The truth: every target's history, read per target (history outlives nothing here: no deletes).
        var committed = new HashSet<Guid>();
        foreach (var id in targets.Keys)
        {
            foreach (var entry in await tracker.GetHistoryAsync(id, new HistoryPageRequest(Limit: 1000)))
            {
                committed.Add(entry.Id);
            }
        }

        foreach (var reader in readers)
        {
            output.WriteLine($"seed {seed}: {committed.Count} committed entries ({longUnits} long units of work); reader delivered {reader.Delivered} with {reader.Duplicates} duplicates over {reader.Resumes} resumes");
            Assert.Empty(reader.Violations);
            Assert.Empty(committed.Except(reader.Ids));
            Assert.Empty(reader.Ids.Except(committed));
        }
    }

    private async Task LongUnitOfWorkAsync(ITargetRepository repository, TargetId id, TimeSpan hold)
    {
        var at = TimeProvider.System.GetUtcNow();
        at = at.AddTicks(-(at.Ticks % 10));
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var session = await repository.BeginWriteAsync();
                await using (session)
                {
                    var locked = await session.LockAsync([id]);
                    var current = locked[id];
                    await session.SaveAsync(Move(current, current.Status == "Cold" ? "Active" : "Cold", at));
                    await Task.Delay(hold);
                    await session.CommitAsync();
                    return;
                }
            }
            catch (Exception e) when (attempt < 20 && (e is ConcurrentWriteException || repository.IsTransient(e)))
            {
                // A deadlock or busy database under the test's load: the unit of work is re-run, as the core would.
                await Task.Delay(10);
            }
        }
    }

    /// <summary>A reader that pages with random sizes, stores a token now and then, and restarts from it at random.</summary>
    private sealed class FeedReader(ChangeFeed feed, Random random)
    {
        private readonly Dictionary<TargetId, long> _versions = [];
        private readonly HashSet<Guid> _epoch = [];

        public HashSet<Guid> Ids { get; } = [];

        public List<string> Violations { get; } = [];

        public int Delivered { get; private set; }

        public int Duplicates { get; private set; }

        public int Resumes { get; private set; }

        public async Task RunAsync(Func<bool> writersDone)
        {
            FeedToken? position = null;
            FeedToken? stored = null;
            var resumedFrom = (FeedToken?)null;
            while (true)
            {
                var done = writersDone();
                var limit = done ? 1000 : 1 + random.Next(7);
                var page = await feed.ReadAsync(position, limit);
                foreach (var item in page.Entries)
                {
                    Check(item, position, resumedFrom);
                    position = item.Token;
                    if (random.Next(4) == 0)
                    {
                        stored = item.Token;
                    }
                }

                if (done && page.Entries.Count < limit)
                {
                    return;
                }

                if (!done && random.Next(8) == 0)
                {
                    // A restart: what was delivered after the stored token comes again.
                    Resumes++;
                    position = stored;
                    resumedFrom = stored ?? FeedToken.Start;
                    _versions.Clear();
                    _epoch.Clear();
                }

                await Task.Delay(random.Next(3));
            }
        }

        private void Check(FeedEntry item, FeedToken? previous, FeedToken? resumedFrom)
        {
            Delivered++;
            var entry = item.Entry;
            if (previous is not null && item.Token.CompareTo(previous) <= 0)
            {
                Violations.Add($"token of {entry.Id} does not follow the previous one");
            }

            if (!_epoch.Add(entry.Id))
            {
                Violations.Add($"{entry.Id} delivered twice without a restart");
            }

            if (!Ids.Add(entry.Id))
            {
                Duplicates++;
                if (resumedFrom is null)
                {
                    Violations.Add($"{entry.Id} delivered again though the reader never restarted");
                }
            }

            if (_versions.TryGetValue(entry.TargetId, out var last) && entry.Version <= last)
            {
                Violations.Add($"target {entry.TargetId}: version {entry.Version} after {last}");
            }

            _versions[entry.TargetId] = entry.Version;
        }
    }
}
