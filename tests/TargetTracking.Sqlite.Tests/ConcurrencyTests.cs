using System.Globalization;
using TargetTracking.Conformance;

namespace TargetTracking.Sqlite.Tests;

public sealed class ConcurrencyTests(SqliteFileFixture files, SqliteMemoryFixture memory) : IClassFixture<SqliteFileFixture>, IClassFixture<SqliteMemoryFixture>
{
    private const int Writers = 8;
    private const int IncrementsPerTarget = 5;
    private const int Targets = 3;

    public enum Store
    {
        File,
        FileSharedByTwoRepositories,
        Memory,
        MemorySharedByTwoRepositories,
    }

    [Theory]
    [InlineData(Store.File)]
    [InlineData(Store.FileSharedByTwoRepositories)]
    [InlineData(Store.Memory)]
    [InlineData(Store.MemorySharedByTwoRepositories)]
    public async Task EightWriters_OnTheSameTargets_LoseNoUpdate_AndLeaveNoHistoryGap(Store store)
    {
        ITargetRepository[] repositories = store switch
        {
            Store.File => [await files.CreateRepositoryAsync()],
            Store.Memory => [await memory.CreateRepositoryAsync()],
            Store.FileSharedByTwoRepositories => await TwoRepositoriesAsync(files.NewConnectionString()),
            _ => await TwoRepositoriesAsync(SqliteMemoryFixture.NewConnectionString()),
        };
        var clock = new FakeTimeProvider();
        var trackers = repositories.Select(r => new TargetTracker(r, new TargetTrackingOptions { MaxRetryAttempts = 10 }, clock)).ToArray();
        var ids = new List<TargetId>();
        for (var i = 0; i < Targets; i++)
        {
            ids.Add((await trackers[0].CreateAsync(new NewTarget($"Counter {i}", "0"))).Ok().Id);
        }

        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var tracker = trackers[w % trackers.Length];
            for (var round = 0; round < IncrementsPerTarget; round++)
            {
                foreach (var id in ids)
                {
                    await IncrementAsync(tracker, id, w);
                }
            }
        }));
        await Task.WhenAll(writers);

        const int Expected = Writers * IncrementsPerTarget;
        foreach (var id in ids)
        {
            var target = (await trackers[0].GetAsync(id)).Ok();
            Assert.Equal(Expected.ToString(CultureInfo.InvariantCulture), target.Description);
            Assert.Equal(Expected + 1, target.Version);
            var history = await trackers[0].GetHistoryAsync(id, new HistoryPageRequest(Limit: 1000));
            Assert.Equal(Enumerable.Range(1, Expected + 1).Reverse().Select(v => (long)v), history.Select(h => h.Version));
            Assert.Equal(Expected, history.Count(h => h.Action == HistoryAction.Updated));
        }
    }

    /// <summary>Reads, adds one, writes with the version read; on a conflict, reads again. A lost update would show in the count.</summary>
    private static async Task IncrementAsync(TargetTracker tracker, TargetId id, int writer)
    {
        while (true)
        {
            var current = (await tracker.GetAsync(id)).Ok();
            var next = int.Parse(current.Description!, CultureInfo.InvariantCulture) + 1;
            var result = await tracker.UpdateAsync(id, current.Version, TargetUpdate.From(current) with { Description = next.ToString(CultureInfo.InvariantCulture) }, new AuditContext { ActorId = $"writer-{writer}" });
            if (result.IsSuccess)
            {
                return;
            }

            Assert.IsType<VersionConflictError>(result.Error);
        }
    }

    private async Task<ITargetRepository[]> TwoRepositoriesAsync(string connectionString)
    {
        // Two stores on one database, each with its own write gate: only SQLite's own locks serialize them
        // (for a file, as two processes would be).
        return
        [
            await files.CreateAsync(new SqliteStoreOptions { ConnectionString = connectionString }),
            await files.CreateAsync(new SqliteStoreOptions { ConnectionString = connectionString }),
        ];
    }
}
