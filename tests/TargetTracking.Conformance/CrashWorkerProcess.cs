using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace TargetTracking.Conformance;

/// <summary>
/// A running <c>TargetTracking.CrashWorker</c> child process: its stdout lines as they come, and a SIGKILL.
/// The adapter test projects reference the worker project (without its assembly) only so that it is built;
/// it is found in its own output folder beside theirs.
/// </summary>
internal sealed class CrashWorkerProcess : IAsyncDisposable
{
    private const string WorkerName = "TargetTracking.CrashWorker";
    private readonly Process _process;
    private readonly Channel<string> _unread = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<string> _lines = [];
    private readonly StringBuilder _errors = new();
    private readonly Task _pump;
    private readonly Task _errorPump;

    private CrashWorkerProcess(Process process)
    {
        _process = process;
        _pump = PumpAsync();
        _errorPump = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                lock (_errors)
                {
                    _errors.AppendLine(line);
                }
            }
        });
    }

    /// <summary>Gets every line the worker printed and this process has read so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Gets what the worker printed on stderr so far.</summary>
    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>Starts the worker with <c>dotnet</c> (the SDK's host when run under <c>dotnet test</c>).</summary>
    public static CrashWorkerProcess Start(SharedStore store, params string[] arguments) => Start(store, new Dictionary<string, string>(), arguments);

    /// <summary>Starts the worker with more environment variables (secrets stay out of the process list).</summary>
    public static CrashWorkerProcess Start(SharedStore store, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(WorkerPath);
        start.ArgumentList.Add("--store");
        start.ArgumentList.Add(store.Kind);
        if (store.Schema is { } schema)
        {
            start.ArgumentList.Add("--schema");
            start.ArgumentList.Add(schema);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["TARGETTRACKING_CRASH_CONNECTION"] = store.ConnectionString;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return new CrashWorkerProcess(Process.Start(start) ?? throw new InvalidOperationException("Could not start the crash worker."));
    }

    /// <summary>Reads lines until one matches; fails when the worker ends first.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, CancellationToken cancellationToken)
    {
        try
        {
            while (await _unread.Reader.WaitToReadAsync(cancellationToken))
            {
                while (_unread.Reader.TryRead(out var line))
                {
                    if (match(line))
                    {
                        return line;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The crash worker did not print the expected line in time. Its output:\n{string.Join('\n', Lines)}\n{Errors}");
        }

        await _process.WaitForExitAsync(CancellationToken.None);
        Assert.Fail($"The crash worker exited with {_process.ExitCode} before printing the expected line. Its output:\n{string.Join('\n', Lines)}\n{Errors}");
        return "";
    }

    /// <summary>Kills the worker with SIGKILL, and reads every line it printed before it died.</summary>
    /// <returns>The exit code: 137 (128 + SIGKILL) when the signal killed it.</returns>
    public async Task<int> KillAsync()
    {
        // On Unix Process.Kill sends SIGKILL: no handler, no finally block and no flush runs in the worker.
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        await Task.WhenAll(_pump, _errorPump);
        return _process.ExitCode;
    }

    /// <summary>Waits for the worker to end on its own.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The crash worker did not finish in time. Its output:\n{string.Join('\n', Lines)}\n{Errors}");
        }

        await Task.WhenAll(_pump, _errorPump);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task PumpAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            lock (_lines)
            {
                _lines.Add(line);
            }

            _unread.Writer.TryWrite(line);
        }

        _unread.Writer.TryComplete();
    }

    /// <summary>
    /// Gets the worker's dll: <c>tests/TargetTracking.CrashWorker/bin/{configuration}/{framework}/</c>, found from this
    /// test assembly's own <c>tests/{project}/bin/{configuration}/{framework}/</c>.
    /// </summary>
    private static string WorkerPath
    {
        get
        {
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var framework = output.Name;
            var configuration = output.Parent?.Name;
            var tests = output.Parent?.Parent?.Parent?.Parent;
            var path = tests is null || configuration is null
                ? null
                : Path.Combine(tests.FullName, WorkerName, "bin", configuration, framework, WorkerName + ".dll");
            return path is not null && File.Exists(path)
                ? path
                : throw new InvalidOperationException(
                    $"The crash worker was not found at {path ?? "(no path)"}. Build {WorkerName}; an adapter test project that runs OperationCrashTests references it so that building the tests builds it.");
        }
    }
}
