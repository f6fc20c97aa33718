using BenchmarkDotNet.Attributes;
using TargetTracking.Benchmarks.Infrastructure;
using TargetTracking.InMemory;

namespace TargetTracking.Benchmarks.InMemory;

/// <summary>
/// The throughput of the in-memory store (the reference model, and the store of tests and demos): N status
/// changes on a table of 100,000 targets, as one bulk unit of work or as N single changes. Each invocation
/// moves a fresh seeded sample between Cold and Active, naming the versions it last wrote, so no reset is needed.
/// Divide the mean by N for the time per item.
/// </summary>
[MemoryDiagnoser]
public class InMemoryThroughputBenchmarks
{
    private TargetTracker _tracker = null!;
    private Workload _workload = null!;
    private readonly AuditContext _audit = Workload.Audit();
    private long[] _versions = [];
    private string?[] _statuses = [];
    private int[] _sample = [];
    private int _invocation;

    /// <summary>Gets or sets how many targets change per invocation.</summary>
    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    /// <summary>Gets the sizes of <see cref="N"/> (the smoke run takes the smallest).</summary>
    public static int[] Sizes => BenchmarkConfig.Sizes(1000, 10000);

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        var repository = new InMemoryTargetStore();
        _tracker = new TargetTracker(repository, new TargetTrackingOptions());
        _workload = Workload.Create();
        await using (var session = await repository.BeginWriteAsync())
        {
            await session.SaveAsync(new ChangeSet { Inserts = [.. _workload.Targets] });
            await session.CommitAsync();
        }

        _versions = [.. Enumerable.Repeat(1L, Workload.TableSize)];
        _statuses = [.. Enumerable.Repeat<string?>(Workload.FromStatus, Workload.TableSize)];
    }

    [IterationSetup]
    public void IterationSetup() => _sample = Workload.SampleIndexes(N, ++_invocation);

    [Benchmark(Baseline = true, Description = "Bulk unit of work, all-or-nothing")]
    public async Task<int> Bulk()
    {
        var bulk = _tracker.BeginBulk();
        foreach (var index in _sample)
        {
            bulk.ChangeStatus(_workload.Ids[index], _versions[index], NextStatus(index));
        }

        var result = await bulk.CommitAsync(BulkMode.AllOrNothing, _audit);
        if (result.AppliedCount != _sample.Length)
        {
            throw new InvalidOperationException("Items were not applied.");
        }

        foreach (var index in _sample)
        {
            Advance(index);
        }

        return result.AppliedCount;
    }

    [Benchmark(Description = "Single ChangeStatusAsync calls")]
    public async Task<int> Singles()
    {
        foreach (var index in _sample)
        {
            var result = await _tracker.ChangeStatusAsync(_workload.Ids[index], _versions[index], NextStatus(index), _audit);
            if (!result.IsSuccess)
            {
                throw new InvalidOperationException($"Target {_workload.Ids[index]}: {result.Error}");
            }

            Advance(index);
        }

        return _sample.Length;
    }

    private string NextStatus(int index) => _statuses[index] == Workload.FromStatus ? Workload.ToStatus : Workload.FromStatus;

    private void Advance(int index)
    {
        _statuses[index] = NextStatus(index);
        _versions[index]++;
    }
}
