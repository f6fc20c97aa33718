using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace TargetTracking.PostgreSql.Tests;

/// <summary>
/// The PostgreSQL server of this test run, started once and shared by every fixture. With
/// <c>TARGETTRACKING_POSTGRES</c> set, it uses that server; otherwise it starts a throwaway cluster
/// (<c>initdb</c> into a temp folder, <c>pg_ctl</c> on a free loopback port), stopped and removed when the
/// test process exits. Either way the run gets its own new database, dropped at the end.
/// </summary>
internal static class PostgreSqlServer
{
    public const string EnvironmentVariable = "TARGETTRACKING_POSTGRES";

    private static readonly Lazy<Task<Server>> Instance = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Gets the connection string of this run's database.</summary>
    public static async Task<string> GetConnectionStringAsync() => (await Instance.Value).ConnectionString;

    private sealed record Server(string ConnectionString, string AdminConnectionString, string Database, Cluster? Cluster);

    private static async Task<Server> StartAsync()
    {
        var external = Environment.GetEnvironmentVariable(EnvironmentVariable);
        Cluster? cluster = null;
        string admin;
        if (!string.IsNullOrWhiteSpace(external))
        {
            admin = external;
        }
        else
        {
            cluster = Cluster.Start();
            admin = cluster.ConnectionString;
        }

        var database = $"targettracking_test_{Guid.NewGuid():N}";
        try
        {
            await using var connection = new NpgsqlConnection(admin);
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\" ENCODING 'UTF8' TEMPLATE template0", connection);
            await create.ExecuteNonQueryAsync();
        }
        catch
        {
            cluster?.Dispose();
            throw;
        }

        var server = new Server(
            new NpgsqlConnectionStringBuilder(admin) { Database = database, MaxPoolSize = 60 }.ConnectionString,
            admin,
            database,
            cluster);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(server);
        return server;
    }

    private static void Stop(Server server)
    {
        NpgsqlConnection.ClearAllPools();
        if (server.Cluster is { } cluster)
        {
            cluster.Dispose();
            return;
        }

        try
        {
            using var connection = new NpgsqlConnection(server.AdminConnectionString);
            connection.Open();
            using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{server.Database}\" WITH (FORCE)", connection);
            drop.ExecuteNonQuery();
        }
        catch (NpgsqlException)
        {
            // Best effort: the database has a unique name and harms nobody if left behind.
        }
    }

    /// <summary>A throwaway cluster in a temp folder, run as the <c>postgres</c> user when the tests run as root.</summary>
    private sealed class Cluster : IDisposable
    {
        private static readonly string Root = Path.Combine(Path.GetTempPath(), "targettracking-pg");
        private readonly string _folder;
        private readonly string _bin;
        private int _stopped;

        private Cluster(string folder, string bin, int port)
        {
            _folder = folder;
            _bin = bin;
            ConnectionString = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1",
                Port = port == 0 ? 5432 : port,
                Username = "postgres",
                Database = "postgres",
                SslMode = SslMode.Disable,
            }.ConnectionString;
        }

        public string ConnectionString { get; }

        private string Data => Path.Combine(_folder, "data");

        public static Cluster Start()
        {
            RemoveAbandoned();
            var bin = FindBinaries();
            var folder = Path.Combine(Root, Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "owner.pid"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (IsRoot)
            {
                // initdb refuses to run as root: the cluster belongs to postgres.
                Run("chmod", $"755 {Root}");
                Run("chown", $"-R postgres {folder}");
            }

            Exception? last = null;
            for (var attempt = 0; attempt < 5; attempt++)
            {
                var cluster = new Cluster(folder, bin, FreePort());
                try
                {
                    if (!Directory.Exists(cluster.Data))
                    {
                        cluster.AsOwner(Path.Combine(bin, "initdb"), $"-D {cluster.Data} -U postgres -A trust -E UTF8 --no-locale --no-sync");
                    }

                    var port = new NpgsqlConnectionStringBuilder(cluster.ConnectionString).Port;
                    cluster.AsOwner(
                        Path.Combine(bin, "pg_ctl"),
                        $"-D {cluster.Data} -l {Path.Combine(folder, "server.log")} -w -t 60 " +
                        $"-o \"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off\" start");
                    return cluster;
                }
                catch (InvalidOperationException e)
                {
                    // Most likely the port was taken between choosing and binding it: try another.
                    last = e;
                }
            }

            throw new InvalidOperationException($"Could not start a PostgreSQL test cluster in {folder}.", last);
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _stopped, 1) == 1)
            {
                return;
            }

            // A detached shell stops and removes the cluster, so the clean-up finishes even when the test host
            // is torn down right after this handler returns.
            var stop = $"{Path.Combine(_bin, "pg_ctl")} -D {Data} -m immediate -w stop";
            var script = $"exec >/dev/null 2>&1 </dev/null; {(IsRoot ? $"runuser -u postgres -- {stop}" : stop)}; rm -rf {_folder}";
            var start = new ProcessStartInfo("setsid") { UseShellExecute = false };
            foreach (var argument in new[] { "sh", "-c", script })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start);
            process?.WaitForExit(TimeSpan.FromSeconds(30));
        }

        private static bool IsRoot => Environment.UserName == "root";

        /// <summary>Stops and removes clusters whose test process ended without cleaning up (killed, crashed).</summary>
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
                    new Cluster(folder, FindBinaries(), 0).Dispose();
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

        private static string FindBinaries()
        {
            static string? Find() =>
                Directory.Exists("/usr/lib/postgresql")
                    ? Directory.GetDirectories("/usr/lib/postgresql")
                        .Select(d => Path.Combine(d, "bin"))
                        .Where(b => File.Exists(Path.Combine(b, "initdb")) && File.Exists(Path.Combine(b, "pg_ctl")))
                        .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0)
                        .FirstOrDefault()
                    : null;

            var bin = Find();
            if (bin is null && IsRoot)
            {
                Run("apt-get", "update");
                Run("env", "DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql");
                bin = Find();
            }

            return bin ?? throw new InvalidOperationException(
                $"PostgreSQL server binaries (initdb, pg_ctl) were not found under /usr/lib/postgresql/*/bin. Install the 'postgresql' package, or set {EnvironmentVariable} to the connection string of a server the tests may create databases on.");
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        private void AsOwner(string program, string arguments)
        {
            if (IsRoot)
            {
                Run("runuser", $"-u postgres -- {program} {arguments}");
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
}
