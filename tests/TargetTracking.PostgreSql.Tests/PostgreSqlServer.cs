using Npgsql;
using TargetTracking.Conformance;

namespace TargetTracking.PostgreSql.Tests;

/// <summary>
/// The PostgreSQL server of this test run, started once and shared by every fixture. With
/// <c>TARGETTRACKING_POSTGRES</c> set, it uses that server; otherwise it starts a throwaway cluster
/// (<c>initdb</c> into a temp folder, <c>pg_ctl</c> on a free loopback port), stopped and removed when the
/// test process exits. Either way the run gets its own new database, dropped at the end.
/// </summary>
internal static partial class PostgreSqlServer
{
    public const string EnvironmentVariable = "TARGETTRACKING_POSTGRES";

    private static readonly Lazy<Task<string>> Database = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Gets the connection string of this run's database.</summary>
    public static Task<string> GetConnectionStringAsync() => Database.Value;

    private static async Task<string> StartAsync()
    {
        var (admin, cluster) = await TestRunServer.PickAsync(EnvironmentVariable, Cluster.StartAsync, c => c.ConnectionString);
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

        TestRunServer.CleanUpAtExit(cluster, NpgsqlConnection.ClearAllPools, () =>
        {
            using var connection = new NpgsqlConnection(admin);
            connection.Open();
            using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
            drop.ExecuteNonQuery();
        });
        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = database, MaxPoolSize = 60 }.ConnectionString;
        Route(ref connectionString);
        return connectionString;
    }

    /// <summary>Lets a test project that compiles this file reach the database another way (the cluster tests: through PgBouncer).</summary>
    /// <param name="connectionString">The database's connection string, changed in place.</param>
    static partial void Route(ref string connectionString);

    /// <summary>A throwaway cluster in a temp folder (<see cref="ThrowawayServerFolder"/>), run as the <c>postgres</c> user when the tests run as root.</summary>
    private sealed class Cluster : IDisposable
    {
        private const string Kind = "targettracking-pg";
        private readonly ThrowawayServerFolder _folder;
        private readonly string _bin;
        private int _stopped;

        private Cluster(ThrowawayServerFolder folder, string bin, int port)
        {
            _folder = folder;
            _bin = bin;
            ConnectionString = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1",
                Port = port,
                Username = "postgres",
                Database = "postgres",
                SslMode = SslMode.Disable,
            }.ConnectionString;
        }

        public string ConnectionString { get; }

        private static string Data(string folder) => Path.Combine(folder, "data");

        public static async Task<Cluster> StartAsync()
        {
            var bin = FindBinaries();
            var folder = ThrowawayServerFolder.Create(Kind, "postgres", abandoned => Stop(abandoned, bin));
            var data = Data(folder.Path);
            return await folder.StartOnAFreePortAsync(port =>
            {
                var cluster = new Cluster(folder, bin, port);
                if (!Directory.Exists(data))
                {
                    folder.RunAsUser(Path.Combine(bin, "initdb"), $"-D {data} -U postgres -A trust -E UTF8 --no-locale --no-sync");
                }

                folder.RunAsUser(
                    Path.Combine(bin, "pg_ctl"),
                    $"-D {data} -l {Path.Combine(folder.Path, "server.log")} -w -t 60 " +
                    $"-o \"-c listen_addresses=127.0.0.1 -p {port} -k {folder.Path} -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off\" start");
                return Task.FromResult(cluster);
            });
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _stopped, 1) == 0)
            {
                Stop(_folder.Path, _bin);
            }
        }

        /// <summary>Stops a cluster and removes its folder; the stop runs as <c>postgres</c> when the tests run as root.</summary>
        private static void Stop(string folder, string bin)
        {
            var stop = $"{Path.Combine(bin, "pg_ctl")} -D {Data(folder)} -m immediate -w stop";
            ThrowawayServerFolder.RunDetached($"{ThrowawayServerFolder.AsUser("postgres", stop)}; rm -rf {folder}");
        }

        private static string FindBinaries() => ThrowawayServerFolder.FindOrInstall(
            () => Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql")
                    .Select(d => Path.Combine(d, "bin"))
                    .Where(b => File.Exists(Path.Combine(b, "initdb")) && File.Exists(Path.Combine(b, "pg_ctl")))
                    .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0)
                    .FirstOrDefault()
                : null,
            "postgresql",
            $"PostgreSQL server binaries (initdb, pg_ctl) were not found under /usr/lib/postgresql/*/bin. Install the 'postgresql' package, or set {EnvironmentVariable} to the connection string of a server the tests may create databases on.");
    }
}
