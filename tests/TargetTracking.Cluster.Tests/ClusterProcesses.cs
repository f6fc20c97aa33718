using System.Diagnostics;

namespace TargetTracking.Cluster.Tests;

/// <summary>
/// The processes of a throwaway cluster (<see cref="ThrowawayServerFolder"/>): each started detached as the folder's user,
/// with its output in a log of the folder; every one of them names the folder on its command line (a config file or a
/// data directory inside it), which is how they are found again to be killed, and how no other process is.
/// </summary>
internal static class ClusterProcesses
{
    /// <summary>Starts <paramref name="command"/> detached as the folder's user, its output in <c>name.log</c>.</summary>
    public static void Start(ThrowawayServerFolder folder, string name, string command)
    {
        var log = Path.Combine(folder.Path, $"{name}.log");
        using var _ = ThrowawayServerFolder.StartDetached($"exec </dev/null >>{log} 2>&1; exec {ThrowawayServerFolder.AsUser(folder.User, command)}");
    }

    /// <summary>Kills with SIGKILL every process whose command line holds <paramref name="pattern"/> (a path inside a cluster's folder), and their children.</summary>
    public static void Kill(string pattern)
    {
        var pids = Pids(pattern);
        foreach (var pid in pids)
        {
            Signal($"-9 -P {pid}", "pkill"); // a postmaster's backends, a node's postmaster
        }

        if (pids.Count > 0)
        {
            Signal($"-9 {string.Join(' ', pids)}", "kill");
        }
    }

    /// <summary>Kills everything of a cluster's folder and removes the folder (also for the folders of killed runs).</summary>
    public static void Remove(string folder)
    {
        Kill(folder);
        ThrowawayServerFolder.RunDetached($"sleep 0.3; rm -rf {folder}");
    }

    /// <summary>Reads the tail of a log of the folder, for a failure's message.</summary>
    public static string Log(ThrowawayServerFolder folder, string name)
    {
        var log = Path.Combine(folder.Path, $"{name}.log");
        if (!File.Exists(log))
        {
            return "(no log)";
        }

        var text = File.ReadAllText(log);
        return text.Length > 4000 ? text[^4000..] : text;
    }

    /// <summary>Waits until <paramref name="ready"/> says so, up to <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> ready, TimeSpan timeout, Func<string> failure)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            try
            {
                if (await ready())
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or System.Data.Common.DbException or IOException or TaskCanceledException or System.Text.Json.JsonException)
            {
                // Not up yet.
            }

            await Task.Delay(200);
        }

        throw new InvalidOperationException($"Not ready within {timeout.TotalSeconds} s: {failure()}");
    }

    private static List<int> Pids(string pattern)
    {
        var start = new ProcessStartInfo("pgrep") { RedirectStandardOutput = true, UseShellExecute = false, ArgumentList = { "-f", pattern } };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).Where(p => p != Environment.ProcessId)];
    }

    private static void Signal(string arguments, string program)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { UseShellExecute = false, RedirectStandardError = true })!;
        process.WaitForExit();
    }
}
