using System.Diagnostics;
using MySqlConnector;
using TargetTracking.Conformance;

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

    private sealed record Server(string AdminConnectionString, string RunId)
    {
        public List<string> Databases { get; } = [];
    }

    private static async Task<Server> StartAsync()
    {
        var (admin, instance) = await TestRunServer.PickAsync(EnvironmentVariable, MySql.Tests.Instance.StartAsync, i => i.ConnectionString);
        var builder = new MySqlConnectionStringBuilder(admin)
        {
            Database = "",
            // Many small pools (a database per store): idle connections go soon, so the server keeps few threads.
            ConnectionIdleTimeout = 10,
            MaximumPoolSize = 60,
        };
        var server = new Server(builder.ConnectionString, Guid.NewGuid().ToString("N")[..6]);
        TestRunServer.CleanUpAtExit(instance, MySqlConnection.ClearAllPools, () =>
        {
            using var connection = new MySqlConnection(server.AdminConnectionString);
            connection.Open();
            foreach (var database in server.Databases)
            {
                using var drop = new MySqlCommand($"DROP DATABASE IF EXISTS `{database}`", connection);
                drop.ExecuteNonQuery();
            }
        });
        return server;
    }
}

/// <summary>A throwaway MariaDB server in a temp folder (<see cref="ThrowawayServerFolder"/>), run as the <c>mysql</c> user when the tests run as root.</summary>
internal sealed class Instance : IDisposable
{
    private const string Kind = "targettracking-mariadb";
    private readonly ThrowawayServerFolder _folder;
    private int _stopped;

    private Instance(ThrowawayServerFolder folder, int port)
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

    private static string Data(string folder) => Path.Combine(folder, "data");

    private static string PidFile(string folder) => Path.Combine(folder, "mariadbd.pid");

    public static async Task<Instance> StartAsync()
    {
        var (server, installer) = FindBinaries();
        var folder = ThrowawayServerFolder.Create(Kind, "mysql", Remove);
        folder.RunAsUser(installer, $"--no-defaults --datadir={Data(folder.Path)} --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve");
        return await folder.StartOnAFreePortAsync(async port =>
        {
            var instance = new Instance(folder, port);
            await instance.StartServerAsync(server);
            return instance;
        });
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            Remove(_folder.Path);
        }
    }

    private async Task StartServerAsync(string server)
    {
        var port = new MySqlConnectionStringBuilder(ConnectionString).Port;
        var log = Path.Combine(_folder.Path, "server.log");
        File.Delete(log);

        // A server tuned for throwaway data: no binary log, no flush at commit, no doublewrite.
        var arguments =
            $"--no-defaults --datadir={Data(_folder.Path)} --socket={Path.Combine(_folder.Path, "mariadbd.sock")} --port={port} --bind-address=127.0.0.1 " +
            $"--pid-file={PidFile(_folder.Path)} --log-error={log} --tmpdir={_folder.Path} --skip-name-resolve --skip-log-bin --max-connections=2000 " +
            "--innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --character-set-server=utf8mb4 " +
            "--collation-server=utf8mb4_nopad_bin";

        // Detached, so that it is not killed with a test host's process group; it runs until Dispose kills it.
        using var process = ThrowawayServerFolder.StartDetached($"exec </dev/null >/dev/null 2>&1; exec {ThrowawayServerFolder.AsUser(_folder.User, $"{server} {arguments}")}");
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

    /// <summary>Stops a server by its pid file and removes its folder.</summary>
    private static void Remove(string folder)
    {
        var pidFile = PidFile(folder);
        ThrowawayServerFolder.RunDetached($"if [ -f {pidFile} ]; then kill -9 $(cat {pidFile}); fi; sleep 0.2; rm -rf {folder}");
    }

    private static Binaries FindBinaries() => ThrowawayServerFolder.FindOrInstall(
        () =>
        {
            var server = new[] { "/usr/sbin/mariadbd", "/usr/bin/mariadbd", "/usr/local/bin/mariadbd" }.FirstOrDefault(File.Exists);
            var installer = new[] { "/usr/bin/mariadb-install-db", "/usr/local/bin/mariadb-install-db" }.FirstOrDefault(File.Exists);
            return server is null || installer is null ? null : new Binaries(server, installer);
        },
        "mariadb-server",
        $"MariaDB server binaries (mariadbd, mariadb-install-db) were not found. Install the 'mariadb-server' package, or set {MariaDbServer.EnvironmentVariable} to the connection string of a server the tests may create databases on.");

    private sealed record Binaries(string Server, string Installer);
}
