using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MySqlConnector;

namespace TargetTracking.MySql.Tests;

/// <summary>
/// The MariaDB server of this test run, started once and shared by every fixture. With <c>TARGETTRACKING_MARIADB</c>
/// set, it uses that server (a connection string of a user who may create databases); otherwise it starts a
/// throwaway one (<c>mariadb-install-db</c> into a temp folder, <c>mariadbd</c> on a free loopback port and a socket
/// of its own, as the <c>mysql</c> user when the tests run as root), stopped and removed when the test process exits.
/// Every store gets its own new database (<see cref="CreateDatabaseAsync"/>).
/// </summary>
internal static class MariaDbServer
{
    public const string EnvironmentVariable = "TARGETTRACKING_MARIADB";

    private static readonly Lazy<Task<Server>> Instance = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _databases;

    /// <summary>Gets the connection string of the server's administrator, without a database.</summary>
    public static async Task<string> GetAdminConnectionStringAsync() => (await Instance.Value).AdminConnectionString;

    /// <summary>Creates a new empty database (utf8mb4, code-point collation) and returns a connection string to it.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var server = await Instance.Value;
        var name = $"tt_{Interlocked.Increment(ref _databases)}_{server.RunId}_{Guid.NewGuid().ToString("N")[..8]}";
        await using (var connection = new MySqlConnection(server.AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new MySqlCommand($"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin", connection);
            await create.ExecuteNonQueryAsync();
        }

        lock (server.Databases)
        {
            server.Databases.Add(name);
        }

        return new MySqlConnectionStringBuilder(server.AdminConnectionString) { Database = name }.ConnectionString;
    }

    private sealed record Server(string AdminConnectionString, string RunId, Instance? Instance)
    {
        public List<string> Databases { get; } = [];
    }

    private static async Task<Server> StartAsync()
    {
        var external = Environment.GetEnvironmentVariable(EnvironmentVariable);
        Instance? instance = null;
        string admin;
        if (!string.IsNullOrWhiteSpace(external))
        {
            admin = external;
        }
        else
        {
            instance = await MySql.Tests.Instance.StartAsync();
            admin = instance.ConnectionString;
        }

        var builder = new MySqlConnectionStringBuilder(admin)
        {
            Database = "",
            // Many small pools (a database per store): idle connections go soon, so the server keeps few threads.
            ConnectionIdleTimeout = 10,
            MaximumPoolSize = 60,
        };
        var server = new Server(builder.ConnectionString, Guid.NewGuid().ToString("N")[..6], instance);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(server);
        return server;
    }

    private static void Stop(Server server)
    {
        MySqlConnection.ClearAllPools();
        if (server.Instance is { } instance)
        {
            instance.Dispose();
            return;
        }

        try
        {
            using var connection = new MySqlConnection(server.AdminConnectionString);
            connection.Open();
            foreach (var database in server.Databases)
            {
                using var drop = new MySqlCommand($"DROP DATABASE IF EXISTS `{database}`", connection);
                drop.ExecuteNonQuery();
            }
        }
        catch (MySqlException)
        {
            // Best effort: the databases have unique names and harm nobody if left behind.
        }
    }
}

/// <summary>A throwaway MariaDB server in a temp folder, run as the <c>mysql</c> user when the tests run as root.</summary>
internal sealed class Instance : IDisposable
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "targettracking-mariadb");
    private readonly string _folder;
    private int _stopped;

    private Instance(string folder, int port)
    {
        _folder = folder;
        ConnectionString = new MySqlConnectionStringBuilder
        {
            Server = "127.0.0.1",
            Port = (uint)port,
            UserID = "root",
            SslMode = MySqlSslMode.None,
        }.ConnectionString;
    }

    public string ConnectionString { get; }

    private string Data => Path.Combine(_folder, "data");

    private string PidFile => Path.Combine(_folder, "mariadbd.pid");

    public static async Task<Instance> StartAsync()
    {
        RemoveAbandoned();
        var (server, installer) = FindBinaries();
        var folder = Path.Combine(Root, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "owner.pid"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        if (IsRoot)
        {
            // mariadbd refuses to run as root without --user: the server and its files belong to mysql.
            Run("chmod", $"755 {Root}");
            Run("chown", $"-R mysql {folder}");
        }

        var data = Path.Combine(folder, "data");
        AsOwner(installer, $"--no-defaults --datadir={data} --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve");

        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var instance = new Instance(folder, FreePort());
            try
            {
                await instance.StartServerAsync(server);
                return instance;
            }
            catch (InvalidOperationException e)
            {
                // Most likely the port was taken between choosing and binding it: try another.
                last = e;
            }
        }

        throw new InvalidOperationException($"Could not start a MariaDB test server in {folder}.", last);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        Remove(_folder);
    }

    private static bool IsRoot => Environment.UserName == "root";

    private async Task StartServerAsync(string server)
    {
        var port = new MySqlConnectionStringBuilder(ConnectionString).Port;
        var log = Path.Combine(_folder, "server.log");
        File.Delete(log);

        // A server tuned for throwaway data: no binary log, no flush at commit, no doublewrite.
        var arguments =
            $"--no-defaults --datadir={Data} --socket={Path.Combine(_folder, "mariadbd.sock")} --port={port} --bind-address=127.0.0.1 " +
            $"--pid-file={PidFile} --log-error={log} --skip-name-resolve --skip-log-bin --max-connections=2000 " +
            "--innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --character-set-server=utf8mb4 " +
            "--collation-server=utf8mb4_nopad_bin";

        // Detached (its own session), so it outlives nothing but is not killed with a test host's process group either.
        var script = $"exec </dev/null >/dev/null 2>&1; {(IsRoot ? $"exec runuser -u mysql -- {server} {arguments}" : $"exec {server} {arguments}")}";
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var argument in new[] { "sh", "-c", script })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start mariadbd.");
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"mariadbd exited with {process.ExitCode}: {(File.Exists(log) ? File.ReadAllText(log) : "(no log)")}");
            }

            try
            {
                await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
                await connection.OpenAsync();
                return;
            }
            catch (MySqlException)
            {
                await Task.Delay(100);
            }
        }

        throw new InvalidOperationException($"mariadbd did not accept connections within 60 s: {(File.Exists(log) ? File.ReadAllText(log) : "(no log)")}");
    }

    /// <summary>Stops a server by its pid file and removes its folder, in a detached shell, so the clean-up finishes even when the test host is torn down right after.</summary>
    private static void Remove(string folder)
    {
        var pidFile = Path.Combine(folder, "mariadbd.pid");
        var script = $"exec >/dev/null 2>&1 </dev/null; if [ -f {pidFile} ]; then kill -9 $(cat {pidFile}); fi; sleep 0.2; rm -rf {folder}";
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var argument in new[] { "sh", "-c", script })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start);
        process?.WaitForExit(TimeSpan.FromSeconds(30));
    }

    /// <summary>Stops and removes servers whose test process ended without cleaning up (killed, crashed).</summary>
    private static void RemoveAbandoned()
    {
        if (!Directory.Exists(Root))
        {
            return;
        }

        foreach (var folder in Directory.GetDirectories(Root))
        {
            var ownerFile = Path.Combine(folder, "owner.pid");
            if (!File.Exists(ownerFile) || !int.TryParse(File.ReadAllText(ownerFile), out var owner) || IsAlive(owner))
            {
                continue;
            }

            try
            {
                Remove(folder);
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

    private static (string Server, string Installer) FindBinaries()
    {
        static (string, string)? Find()
        {
            var server = new[] { "/usr/sbin/mariadbd", "/usr/bin/mariadbd", "/usr/local/bin/mariadbd" }.FirstOrDefault(File.Exists);
            var installer = new[] { "/usr/bin/mariadb-install-db", "/usr/local/bin/mariadb-install-db" }.FirstOrDefault(File.Exists);
            return server is null || installer is null ? null : (server, installer);
        }

        var found = Find();
        if (found is null && IsRoot)
        {
            Run("apt-get", "update");
            Run("env", "DEBIAN_FRONTEND=noninteractive apt-get install -y mariadb-server");
            found = Find();
        }

        return found ?? throw new InvalidOperationException(
            $"MariaDB server binaries (mariadbd, mariadb-install-db) were not found. Install the 'mariadb-server' package, or set {MariaDbServer.EnvironmentVariable} to the connection string of a server the tests may create databases on.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void AsOwner(string program, string arguments)
    {
        if (IsRoot)
        {
            Run("runuser", $"-u mysql -- {program} {arguments}");
        }
        else
        {
            Run(program, arguments);
        }
    }

    private static void Run(string program, string arguments)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
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
}
