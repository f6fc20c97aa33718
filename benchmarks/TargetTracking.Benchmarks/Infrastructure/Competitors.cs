using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace TargetTracking.Benchmarks.Infrastructure;

/// <summary>
/// Runs a bulk benchmark class's competitors once outside BenchmarkDotNet (<c>--verify</c>) and checks what each one
/// wrote, so a competitor that writes the wrong thing, or not all-or-nothing, is caught before anything is measured.
/// </summary>
internal static class Competitors
{
    /// <summary>The sizes of a benchmark class's <c>N</c>: its static <c>Sizes</c>, the <c>[ParamsSource]</c> of <c>N</c>.</summary>
    public static int[] Sizes(Type benchmarks) => (int[])benchmarks.GetProperty("Sizes", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    /// <summary>The <c>[Benchmark]</c> methods of a class that return a count (the competitors that write; the count is only reported).</summary>
    public static IEnumerable<(string Name, Func<Task<int>> Run)> Of(object benchmarks) =>
        from method in benchmarks.GetType().GetMethods()
        let benchmark = method.GetCustomAttribute<BenchmarkAttribute>()
        where benchmark is not null && method.ReturnType == typeof(Task<int>)
        select (benchmark.Description ?? method.Name, (Func<Task<int>>)method.CreateDelegate(typeof(Func<Task<int>>), benchmarks));

    /// <summary>
    /// Every competitor, for every N: once on the reset tables (it must write every item), and once with one item made
    /// stale after the reset (it must fail and write nothing), unless it is partial by design.
    /// </summary>
    /// <param name="benchmarks">The benchmark class, set up.</param>
    /// <param name="setN">Sets N.</param>
    /// <param name="reset">The class's iteration setup: reset tables, new sample.</param>
    /// <param name="makeStale">Bumps the version of the last item of the sample behind the competitor's back.</param>
    /// <param name="check">Reads (targets changed, targets now Active at version 2, history rows, history rows that match their target and the audit).</param>
    /// <param name="partial">Names of competitors that apply what they can (skipped in the stale check).</param>
    /// <param name="output">Where to report.</param>
    /// <returns><see langword="true"/> when every check passed.</returns>
    public static async Task<bool> VerifyAsync(
        object benchmarks,
        Action<int> setN,
        Action reset,
        Func<Task> makeStale,
        Func<Task<(long Changed, long Moved, long History, long Matching)>> check,
        IReadOnlySet<string> partial,
        TextWriter output)
    {
        var ok = true;
        foreach (var n in Sizes(benchmarks.GetType()))
        {
            setN(n);
            foreach (var (name, run) in Of(benchmarks))
            {
                reset();
                var written = await run();
                var state = await check();
                ok &= Report(output, benchmarks, name, n, "all fresh", state == (n, n, n, n), $"returned {written}, state {state}, expected ({n}, {n}, {n}, {n})");

                if (partial.Contains(name))
                {
                    continue;
                }

                reset();
                await makeStale();
                string outcome;
                try
                {
                    outcome = $"returned {await run()}";
                }
                catch (Exception e) when (e is InvalidOperationException or Microsoft.EntityFrameworkCore.DbUpdateConcurrencyException)
                {
                    outcome = "threw " + e.GetType().Name;
                }

                state = await check();
                ok &= Report(output, benchmarks, name, n, "one stale", outcome.StartsWith("threw", StringComparison.Ordinal) && state == (1, 0, 0, 0), $"{outcome}, state {state}, expected a throw and (1, 0, 0, 0)");
            }
        }

        return ok;
    }

    private static bool Report(TextWriter output, object benchmarks, string name, int n, string scenario, bool passed, string detail)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(passed ? "ok  " : "FAIL")} {benchmarks.GetType().Name} N={n,-6} {scenario,-9} {name}: {detail}"));
        return passed;
    }
}
