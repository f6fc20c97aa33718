using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Npgsql;

namespace TargetTracking.Cluster.Tests.PgBouncer;

/// <summary>
/// A throwaway PgBouncer in transaction mode (pool size 20) in front of the PostgreSQL tests' server, started once per
/// test run as the <c>postgres</c> user in a temp folder (<see cref="ThrowawayServerFolder"/>); it stops when the test
/// process is gone, and the next run removes the folder. Connections through it have no session of their own: each transaction may run on another server
/// connection.
/// </summary>
internal static class PgBouncer
{
    /// <summary>The pool size, the most server connections PgBouncer opens to the database.</summary>
    public const int PoolSize = 20;

    private const string Kind = "targettracking-pgbouncer";

    /// <summary>Gets the database's direct connection string, for what must bypass the pooler (sessions, counting connections).</summary>
    public static string Direct { get; private set; } = "";

    /// <summary>Starts PgBouncer in front of the database and returns the connection string through it.</summary>
    public static string Front(string direct)
    {
        Direct = direct;
        var server = new NpgsqlConnectionStringBuilder(direct);
        var binary = ThrowawayServerFolder.FindOrInstall(
            () => File.Exists("/usr/sbin/pgbouncer") ? "/usr/sbin/pgbouncer" : null, "pgbouncer", "PgBouncer was not found: install the 'pgbouncer' package.");
        var folder = ThrowawayServerFolder.Create(Kind, "postgres", ClusterProcesses.Remove);
        var port = ThrowawayServerFolder.FreePort();
        var config = Path.Combine(folder.Path, "pgbouncer.ini");
        File.WriteAllText(Path.Combine(folder.Path, "users.txt"), "\"postgres\" \"\"\n");
        File.WriteAllText(config, string.Create(CultureInfo.InvariantCulture, $"""
            [databases]
            * = host={server.Host} port={server.Port}
            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = {port}
            unix_socket_dir = {folder.Path}
            auth_type = trust
            auth_file = {Path.Combine(folder.Path, "users.txt")}
            pool_mode = transaction
            default_pool_size = {PoolSize}
            max_client_conn = 2000
            ignore_startup_parameters = extra_float_digits,options
            admin_users = postgres
            """));
        if (ThrowawayServerFolder.IsRoot)
        {
            ThrowawayServerFolder.Run("chown", $"-R postgres {folder.Path}");
        }

        // It stops when the test process is gone: a handler at process exit may not get to run before the test host is killed.
        ClusterProcesses.Start(
            folder, "pgbouncer", $"sh -c '{binary} {config} & p=$!; while [ -d /proc/{Environment.ProcessId} ]; do sleep 1; done; kill $p'");
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            try
            {
                using var client = new TcpClient();
                client.Connect("127.0.0.1", port);
                break;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }

        if (clock.Elapsed >= TimeSpan.FromSeconds(20))
        {
            throw new InvalidOperationException($"PgBouncer did not listen on {port}: {ClusterProcesses.Log(folder, "pgbouncer")}");
        }


        // What a host writes behind a transaction-mode pooler: no reset on close (there is no session to reset). The pooler
        // queues a client while its 20 server connections are busy, which the suites running in parallel can make last longer
        // than Npgsql's default 15 s to connect: a queued client waits, it is not a failure of the store.
        return new NpgsqlConnectionStringBuilder(direct) { Host = "127.0.0.1", Port = port, NoResetOnClose = true, Timeout = 60 }.ConnectionString;
    }
}
