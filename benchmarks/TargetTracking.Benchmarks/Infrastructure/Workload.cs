using Microsoft.Extensions.DependencyInjection;

namespace TargetTracking.Benchmarks.Infrastructure;

/// <summary>One item of a bulk change: a target as the caller read it.</summary>
/// <param name="Id">The target.</param>
/// <param name="Version">The version read.</param>
/// <param name="Status">The status read.</param>
internal readonly record struct WorkItem(TargetId Id, long Version, string? Status);

/// <summary>
/// The data every benchmark works on: <see cref="TableSize"/> targets, all <see cref="FromStatus"/> at version 1,
/// and seeded random samples of them. Every competitor writes the same thing per item: the status moves to
/// <see cref="ToStatus"/>, the version goes up by one, and one history row with the same columns is appended.
/// </summary>
internal sealed class Workload
{
    public const string FromStatus = "Cold";
    public const string ToStatus = "Active";

    /// <summary>How many targets: 100,000; 10,000 in the smoke run, whose processes each seed their own tables.</summary>
    public static readonly int TableSize = BenchmarkConfig.IsSmoke ? 10_000 : 100_000;

    /// <summary>When the seeded targets were created; resets put their timestamps back to it.</summary>
    public static readonly DateTimeOffset SeededAt = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly string[] MarketNames = ["Europe", "North America", "Healthcare", "Fintech", "Logistics", "Energy", "Retail"];

    private Workload(Target[] targets)
    {
        Targets = targets;
        Ids = [.. targets.Select(t => t.Id)];
    }

    /// <summary>Gets the seeded targets, in creation order.</summary>
    public IReadOnlyList<Target> Targets { get; }

    /// <summary>Gets the ids of <see cref="Targets"/>.</summary>
    public TargetId[] Ids { get; }

    /// <summary>Creates the same <see cref="TableSize"/> targets every time (ids are version-7 GUIDs, as the core creates them).</summary>
    public static Workload Create()
    {
        var random = new Random(20250101);
        var targets = new Target[TableSize];
        var bytes = new byte[10];
        for (var i = 0; i < targets.Length; i++)
        {
            var createdAt = SeededAt.AddMilliseconds(i);
            random.NextBytes(bytes);
            var first = MarketNames[i % MarketNames.Length];
            var second = MarketNames[(i / MarketNames.Length + 1 + i) % MarketNames.Length];
            targets[i] = new Target
            {
                Id = new TargetId(SeededVersion7(createdAt, bytes)),
                Name = $"Target {i:D6}",
                Description = i % 3 == 0 ? null : $"Acquisition candidate number {i} in the benchmark pipeline",
                Markets = first == second ? [first] : [first, second],
                Status = FromStatus,
                Version = 1,
                CreatedAt = createdAt,
                UpdatedAt = createdAt,
                StatusChangedAt = createdAt,
            };
        }

        return new Workload(targets);
    }

    /// <summary>Picks <paramref name="count"/> distinct targets at random (the same ones for the same seed), as they are after a reset.</summary>
    public WorkItem[] Sample(int count, int seed)
    {
        var indexes = SampleIndexes(count, seed);
        return [.. indexes.Select(i => new WorkItem(Ids[i], 1, FromStatus))];
    }

    /// <summary>Picks <paramref name="count"/> distinct indexes into <see cref="Ids"/> at random (a partial Fisher–Yates shuffle).</summary>
    public static int[] SampleIndexes(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, TableSize);
        var random = new Random(seed);
        var all = Enumerable.Range(0, TableSize).ToArray();
        for (var i = 0; i < count; i++)
        {
            var j = random.Next(i, all.Length);
            (all[i], all[j]) = (all[j], all[i]);
        }

        return all[..count];
    }

    /// <summary>Who makes the changes: the same non-empty audit columns for every competitor.</summary>
    public static AuditContext Audit() => new()
    {
        ActorId = "benchmark-actor",
        ActorName = "Benchmark Runner",
        CorrelationId = Guid.CreateVersion7().ToString("N"),
        ClientAddress = "127.0.0.1",
        UserAgent = "TargetTracking.Benchmarks/1.0",
    };

    /// <summary>
    /// A container whose tracker asks a host's accessor for the tenant of every call (with <c>Tenancy.Required</c> in
    /// <paramref name="register"/>): tenancy on. The accessor names the default tenant, whose rows every competitor writes.
    /// </summary>
    public static ServiceProvider TenantServices(Action<IServiceCollection> register)
    {
        var services = new ServiceCollection();
        services.AddSingleton<ITenantAccessor>(new HostTenant());
        register(services);
        return services.BuildServiceProvider();
    }

    /// <summary>The transition check hand-written code makes before writing (the core makes its own).</summary>
    public static bool IsAllowed(string? from, string? to) =>
        (from, to) is (FromStatus, ToStatus) or (ToStatus, FromStatus);

    /// <summary>The time hand-written code stamps rows with: now, in whole microseconds, as the stores keep it.</summary>
    public static DateTime UtcNow()
    {
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % 10));
    }

    private static Guid SeededVersion7(DateTimeOffset time, byte[] random)
    {
        // Guid.CreateVersion7 takes its random bits from the OS; these are seeded, so every run has the same ids.
        var ms = time.ToUnixTimeMilliseconds();
        Span<byte> b = stackalloc byte[16];
        b[0] = (byte)(ms >> 40);
        b[1] = (byte)(ms >> 32);
        b[2] = (byte)(ms >> 24);
        b[3] = (byte)(ms >> 16);
        b[4] = (byte)(ms >> 8);
        b[5] = (byte)ms;
        b[6] = (byte)(0x70 | (random[0] & 0x0F));
        b[7] = random[1];
        b[8] = (byte)(0x80 | (random[2] & 0x3F));
        random.AsSpan(3, 7).CopyTo(b[9..]);
        return new Guid(b, bigEndian: true);
    }

    private sealed class HostTenant : ITenantAccessor
    {
        public string? Tenant => TenantIds.Default;
    }
}
