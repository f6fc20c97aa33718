using System.Globalization;
using LinqToDB.Async;
using LinqToDB.Data;
using Microsoft.Extensions.DependencyInjection;
using TargetTracking.Benchmarks.Infrastructure;

namespace TargetTracking.Benchmarks.Growth;

/// <summary>The database a growth benchmark runs on (a BenchmarkDotNet parameter).</summary>
public enum GrowthStore
{
    /// <summary>PostgreSQL, on the run's throwaway cluster.</summary>
    PostgreSql,

    /// <summary>SQLite, a WAL file database of the benchmark process.</summary>
    Sqlite,

    /// <summary>MariaDB, on the run's throwaway server.</summary>
    MariaDb,
}

/// <summary>
/// A database of one growth benchmark process: the store's schema, migrated by the store, its <see cref="TargetTracker"/>
/// as a host registers it, and set-based seeding of targets with long histories. Every database seeds the same data
/// (<see cref="SeedAsync"/>), so a growth ratio compares one database with itself only.
/// </summary>
/// <remarks>
/// Target <c>i</c> has the id <c>{i:x8}-0000-7000-8000-000000000000</c> (version 7, in creation order, as the core
/// creates them), is named <c>Target {i}</c> in the market Europe, and was created at <see cref="Workload.SeededAt"/> +
/// <c>i</c> ms. Its history of <c>E</c> entries is one Created entry and <c>E - 1</c> moves between Active and Cold, one
/// second apart, arranged so that the last one ends in Cold: the target is Cold at version <c>E</c>, whatever <c>E</c>,
/// and every benchmark's first call on it is the same move (Cold → Active). Entry <c>v</c> has the id
/// <c>{i:x8}-{v:x4}-7000-9000-000000000000</c>. The stays are filled from that history by the store's own definition of
/// a stay (<see cref="StaysTable.Backfill"/>, as the migration fills it), so target, history and stays agree.
/// </remarks>
internal abstract class GrowthDatabase : IAsyncDisposable
{
    /// <summary>The most history entries a seeded target may have (its entries' ids hold the version in four hex digits).</summary>
    public const int MaxEntries = 0xFFFF;

    private ServiceProvider _services = null!;

    /// <summary>Gets the tracker, resolved as a host resolves it.</summary>
    public TargetTracker Tracker { get; private set; } = null!;

    /// <summary>Gets the store behind <see cref="Tracker"/>.</summary>
    public Linq2DbTargetStore Store { get; private set; } = null!;

    /// <summary>Creates the database of <paramref name="store"/> with the schema migrated and nothing in it.</summary>
    /// <param name="store">The database.</param>
    /// <returns>The database.</returns>
    public static async Task<GrowthDatabase> CreateAsync(GrowthStore store)
    {
        GrowthDatabase database = store switch
        {
            GrowthStore.PostgreSql => await PostgreSqlGrowthDatabase.CreateAsync(),
            GrowthStore.Sqlite => new SqliteGrowthDatabase(),
            GrowthStore.MariaDb => await MariaDbGrowthDatabase.CreateAsync(),
            _ => throw new ArgumentOutOfRangeException(nameof(store), store, null),
        };
        var services = new ServiceCollection();
        database.Register(services.AddTargetTracking());
        database._services = services.BuildServiceProvider();
        database.Tracker = database._services.GetRequiredService<TargetTracker>();
        database.Store = database._services.GetRequiredService<Linq2DbTargetStore>();
        await database.Store.MigrateAsync();
        return database;
    }

    /// <summary>The id of seeded target <paramref name="index"/>.</summary>
    /// <param name="index">The target's index.</param>
    /// <returns>The id.</returns>
    public static TargetId Id(int index) => new(Guid.Parse($"{index:x8}-0000-7000-8000-000000000000", CultureInfo.InvariantCulture));

    /// <summary>
    /// Seeds the targets <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1, each with
    /// <paramref name="entries"/> history entries (see the class remarks), in set-based statements that run in the
    /// database: no row travels from the process. Call <see cref="CompleteSeedingAsync"/> after the last.
    /// </summary>
    /// <param name="first">The first target's index.</param>
    /// <param name="count">How many targets.</param>
    /// <param name="entries">How many history entries each.</param>
    /// <returns>A task.</returns>
    public async Task SeedAsync(int first, int count, int entries)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(entries, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(entries, MaxEntries);
        await InsertAsync(first, first + count - 1, entries);
    }

    /// <summary>
    /// Fills the stays table from the seeded history by the store's one definition of a stay (what the migration does,
    /// <see cref="StaysTable.Backfill"/>), not a copy of its rules, then updates the planner's statistics and writes
    /// everything out, so the first measured call meets neither stale statistics nor a checkpoint of the seeding.
    /// </summary>
    /// <returns>A task.</returns>
    public async Task CompleteSeedingAsync()
    {
        await using (var db = Store.Connect())
        {
            db.CommandTimeout = 1800;
            await db.ExecuteAsync(StaysTable.Backfill(Store.Dialect, tenanted: true));
        }

        await SettleAsync();
    }

    /// <summary>Reads seeded target <paramref name="index"/> back through the tracker and expects it Cold at <paramref name="version"/>.</summary>
    /// <param name="index">The target.</param>
    /// <param name="version">Its version.</param>
    /// <returns>A task.</returns>
    public async Task ExpectColdAsync(int index, long version)
    {
        var read = await Tracker.GetAsync(Id(index));
        var target = read.IsSuccess ? read.Value! : null;
        if (target is null || target.Status != Workload.FromStatus || target.Version != version)
        {
            throw new InvalidOperationException($"Target {index} does not read back {Workload.FromStatus} at version {version}: {read}.");
        }
    }

    /// <summary>
    /// Proves target, history and stays consistent by the store's own judge, its integrity check (every target against
    /// its history, the stays table against the definition of a stay): a scan of <paramref name="indexes"/> (targeted),
    /// and in the smoke run, where the tables are small, of the whole store. Throws on any finding. On MariaDB the check's
    /// window functions grow with the square of a target's history (one target of 10,000 entries took minutes), so
    /// callers give it targets of short histories and judge long ones with <see cref="CheckStaysAsync"/>.
    /// </summary>
    /// <param name="indexes">The targets to scan.</param>
    /// <returns>A task.</returns>
    public async Task CheckIntegrityAsync(IEnumerable<int> indexes)
    {
        var findings = new List<string>();
        await Store.ScanIntegrityAsync(
            new IntegrityScan { KnownStatuses = Tracker.Pipeline.Statuses, Targets = [.. indexes.Distinct().Select(Id)] },
            finding => findings.Add($"{finding.Kind} {finding.TargetId}"));
        if (BenchmarkConfig.IsSmoke)
        {
            var report = await _services.GetRequiredService<TargetHealth>().CheckIntegrityAsync(maxProblems: 10);
            findings.AddRange(report.Problems.Select(p => p.ToString()));
        }

        if (findings.Count > 0)
        {
            throw new InvalidOperationException($"Target, history and stays disagree: {string.Join("; ", findings.Take(10))}.");
        }
    }

    /// <summary>
    /// Proves the stays of <paramref name="indexes"/> equal what the store's definition of a stay computes from their
    /// history (<see cref="StaysTable.Disagreeing"/>, the query the integrity check asks), whatever their history's length.
    /// </summary>
    /// <param name="indexes">The targets.</param>
    /// <returns>A task.</returns>
    public async Task CheckStaysAsync(IEnumerable<int> indexes)
    {
        var sql = Store.Dialect.Sql;
        await using var db = Store.Connect();
        db.CommandTimeout = 1800;
        var disagreeing = await db.ExecuteAsync<long>(
            $"SELECT COUNT(*) FROM ({StaysTable.Disagreeing(Store.Dialect, column => $"{column} IN (SELECT s.id FROM {sql.IdSet("@ids")} AS s)")}) d",
            sql.IdsParameter("ids", indexes.Distinct().Select(i => Id(i).Value)),
            new LinqToDB.Data.DataParameter("tenant", TenantIds.Default, LinqToDB.DataType.NVarChar));
        if (disagreeing > 0)
        {
            throw new InvalidOperationException($"The stays of {disagreeing} targets disagree with their history.");
        }
    }

    /// <summary>
    /// Puts the targets of a bulk change back as seeded with one entry each (Cold at version 1, their one stay open):
    /// deletes the entries and stays the change added and reopens the first stay, by the targets' ids, so a reset costs
    /// the same in a table of 100,000 targets as in one of 1,000,000. Then, where the database needs it, vacuums and
    /// checkpoints as after seeding, so no iteration inherits the dead rows or the dirty pages of the ones before.
    /// </summary>
    /// <param name="indexes">The changed targets.</param>
    /// <returns>A task.</returns>
    public abstract Task ResetAsync(IReadOnlyList<int> indexes);

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await DisposeCoreAsync();
    }

    /// <summary>Registers the store with the tracker, as a host does.</summary>
    /// <param name="builder">The builder.</param>
    protected abstract void Register(TargetTrackingBuilder builder);

    /// <summary>Inserts the targets <paramref name="first"/> to <paramref name="last"/> and their history, in the database.</summary>
    /// <param name="first">The first target's index.</param>
    /// <param name="last">The last target's index.</param>
    /// <param name="entries">Entries per target.</param>
    /// <returns>A task.</returns>
    protected abstract Task InsertAsync(int first, int last, int entries);

    /// <summary>Updates statistics and writes out what was written (vacuum, checkpoint), outside any measurement.</summary>
    /// <returns>A task.</returns>
    protected abstract Task SettleAsync();

    /// <summary>Releases the database's own resources (data source, file).</summary>
    /// <returns>A task.</returns>
    protected abstract ValueTask DisposeCoreAsync();

    /// <summary>
    /// The status entry <c>v</c> of <c>entries</c> sets, as SQL over the column <paramref name="v"/>: Cold when the
    /// entries left after it are even, so the last entry sets Cold.
    /// </summary>
    /// <param name="v">The version column or expression.</param>
    /// <param name="entries">Entries per target.</param>
    /// <returns>The expression.</returns>
    protected static string NewStatus(string v, int entries) =>
        $"CASE WHEN ({Number(entries)} - {v}) % 2 = 0 THEN '{Workload.FromStatus}' ELSE '{Workload.ToStatus}' END";

    /// <summary>The status before entry <c>v</c>: none for the Created entry, else the other of the two.</summary>
    /// <param name="v">The version column or expression.</param>
    /// <param name="entries">Entries per target.</param>
    /// <returns>The expression.</returns>
    protected static string OldStatus(string v, int entries) =>
        $"CASE WHEN {v} = 1 THEN NULL WHEN ({Number(entries)} - {v}) % 2 = 0 THEN '{Workload.ToStatus}' ELSE '{Workload.FromStatus}' END";

    /// <summary>The action of entry <c>v</c>.</summary>
    /// <param name="v">The version column or expression.</param>
    /// <returns>The expression.</returns>
    protected static string Action(string v) =>
        $"CASE WHEN {v} = 1 THEN '{nameof(HistoryAction.Created)}' ELSE '{nameof(HistoryAction.StatusChanged)}' END";

    /// <summary>Gets <see cref="Workload.SeededAt"/> (UTC) as SQL date-time text.</summary>
    protected static string SeededAtText { get; } = Workload.SeededAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>An integer as an SQL literal.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The literal.</returns>
    protected static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
