using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace TargetTracking.Conformance;

/// <summary>
/// What starting a throwaway database server for a test run takes whatever the database (each test project keeps its
/// server's own commands: <c>PostgreSqlServer.cs</c>, <c>MariaDbServer.cs</c>): a new folder under the temp path, marked
/// with the test process's id so that a later run stops and removes what a killed run left behind; commands run as the
/// server's own OS user when the tests run as root, since neither server runs as root; a free loopback port, tried again
/// when another process takes it first; detached shells for what must outlive the test host; the server's package
/// installed when its binaries are missing.
/// </summary>
public sealed class ThrowawayServerFolder
{
    private const string OwnerFile = "owner.pid";

    private ThrowawayServerFolder(string path, string user)
    {
        Path = path;
        User = user;
    }

    /// <summary>Gets a value indicating whether the tests run as root.</summary>
    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>Gets the folder.</summary>
    public string Path { get; }

    /// <summary>Gets the OS user the server runs as when the tests run as root.</summary>
    public string User { get; }

    /// <summary>
    /// Creates a new folder for a server under <paramref name="kind"/> in the temp path, first stopping and removing the
    /// servers there whose test process has ended (killed, crashed).
    /// </summary>
    /// <param name="kind">The folder of one database's servers under the temp path, for example <c>targettracking-pg</c>.</param>
    /// <param name="user">The OS user the server runs as when the tests run as root.</param>
    /// <param name="removeAbandoned">Stops the server of an abandoned folder and removes the folder; must not throw but for a folder it cannot touch.</param>
    /// <returns>The folder, owned by this process and, under root, by <paramref name="user"/>.</returns>
    public static ThrowawayServerFolder Create(string kind, string user, Action<string> removeAbandoned)
    {
        var root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), kind);
        RemoveAbandoned(root, removeAbandoned);
        var folder = new ThrowawayServerFolder(System.IO.Path.Combine(root, Guid.NewGuid().ToString("N")), user);
        Directory.CreateDirectory(folder.Path);
        File.WriteAllText(System.IO.Path.Combine(folder.Path, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        if (IsRoot)
        {
            // The server refuses to run as root: it and its files belong to its own user.
            Run("chmod", $"755 {root}");
            Run("chown", $"-R {user} {folder.Path}");
        }

        return folder;
    }

    /// <summary>Finds a server's binaries, installing its package first when they are missing and the tests run as root.</summary>
    /// <typeparam name="T">What the search finds.</typeparam>
    /// <param name="find">Looks for the binaries; <see langword="null"/> when they are missing.</param>
    /// <param name="package">The Debian package that holds them.</param>
    /// <param name="missing">The message when they cannot be had: what to install, or which variable names an existing server.</param>
    /// <returns>What <paramref name="find"/> found.</returns>
    public static T FindOrInstall<T>(Func<T?> find, string package, string missing)
        where T : class
    {
        var found = find();
        if (found is null && IsRoot)
        {
            Run("apt-get", "update");
            Run("env", $"DEBIAN_FRONTEND=noninteractive apt-get install -y {package}");
            found = find();
        }

        return found ?? throw new InvalidOperationException(missing);
    }

    /// <summary>Runs a program and waits for it.</summary>
    /// <param name="program">The program.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <exception cref="InvalidOperationException">It could not start, or exited with an error (the message holds its output).</exception>
    public static void Run(string program, string arguments)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = System.IO.Path.GetTempPath(),
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {arguments} exited with {process.ExitCode}: {stderr.Result}{stdout.Result}");
        }
    }

    /// <summary>
    /// Starts a shell script in a session of its own, so that neither a test host torn down right after nor the signal
    /// to its process group stops it.
    /// </summary>
    /// <param name="script">The script; it redirects its own input and output.</param>
    /// <returns>The shell's process.</returns>
    public static Process StartDetached(string script)
    {
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var argument in new[] { "sh", "-c", script })
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("Could not start setsid.");
    }

    /// <summary>Gets a command line that runs <paramref name="command"/> as <paramref name="user"/> when the tests run as root.</summary>
    /// <param name="user">The server's OS user.</param>
    /// <param name="command">The command line.</param>
    /// <returns>The command line to run.</returns>
    public static string AsUser(string user, string command) => IsRoot ? $"runuser -u {user} -- {command}" : command;

    /// <summary>Runs a clean-up script detached (<see cref="StartDetached"/>) and gives it 30 s to finish.</summary>
    /// <param name="script">The script, which ends with removing the folder.</param>
    public static void RunDetached(string script)
    {
        using var process = StartDetached($"exec >/dev/null 2>&1 </dev/null; {script}");
        process.WaitForExit(TimeSpan.FromSeconds(30));
    }


    /// <summary>Runs a program as the server's user when the tests run as root, and waits for it.</summary>
    /// <param name="program">The program.</param>
    /// <param name="arguments">Its arguments.</param>
    public void RunAsUser(string program, string arguments)
    {
        if (IsRoot)
        {
            Run("runuser", $"-u {User} -- {program} {arguments}");
        }
        else
        {
            Run(program, arguments);
        }
    }

    /// <summary>Starts the server on a free loopback port, and on another when it fails, a few times.</summary>
    /// <typeparam name="T">The started server.</typeparam>
    /// <param name="start">Starts the server on the port; throws <see cref="InvalidOperationException"/> when it cannot.</param>
    /// <returns>The started server.</returns>
    public async Task<T> StartOnAFreePortAsync<T>(Func<int, Task<T>> start)
    {
        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                return await start(FreePort());
            }
            catch (InvalidOperationException e)
            {
                // Most likely the port was taken between choosing and binding it: try another.
                last = e;
            }
        }

        throw new InvalidOperationException($"Could not start a test server in {Path}.", last);
    }

    /// <summary>Gets a loopback port no one listens on now (another process may take it before the server binds it).</summary>
    /// <returns>The port.</returns>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void RemoveAbandoned(string root, Action<string> remove)
    {
        if (!Directory.Exists(root))
        {
            return;
        }

        foreach (var folder in Directory.GetDirectories(root))
        {
            var ownerFile = System.IO.Path.Combine(folder, OwnerFile);
            if (!File.Exists(ownerFile) || !int.TryParse(File.ReadAllText(ownerFile), out var owner) || IsAlive(owner))
            {
                continue;
            }

            try
            {
                remove(folder);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                // Someone else's or half-removed: leave it.
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
