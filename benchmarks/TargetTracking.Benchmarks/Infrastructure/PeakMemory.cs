using System.Diagnostics;

namespace TargetTracking.Benchmarks.Infrastructure;

/// <summary>What one pass cost the process: its time, and how far the managed heap and the working set rose above where they stood.</summary>
internal readonly record struct PassCost<T>(T Result, TimeSpan Elapsed, long HeapRise, long WorkingSetRise)
{
    public double HeapRiseMiB => HeapRise / 1048576.0;

    public double WorkingSetRiseMiB => WorkingSetRise / 1048576.0;
}

/// <summary>
/// Peak memory of one pass, sampled every 10 ms in this process after a full collection: the passes that must stay flat
/// in the size of the data (integrity check, reports, tracked operations) are measured the same way.
/// </summary>
internal static class PeakMemory
{
    public static async Task<PassCost<T>> MeasureAsync<T>(Func<Task<T>> pass)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        var heapStart = GC.GetTotalMemory(false);
        process.Refresh();
        var setStart = process.WorkingSet64;
        long heapPeak = heapStart, setPeak = setStart;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(false));
                process.Refresh();
                setPeak = Math.Max(setPeak, process.WorkingSet64);
                await Task.Delay(10);
            }
        });
        var clock = Stopwatch.StartNew();
        var result = await pass();
        clock.Stop();
        await stop.CancelAsync();
        await sampler;
        return new PassCost<T>(result, clock.Elapsed, heapPeak - heapStart, setPeak - setStart);
    }
}
