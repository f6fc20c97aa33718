using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Npgsql;

namespace TargetTracking.Cluster.Tests.Patroni;

/// <summary>
/// A throwaway three-node Patroni cluster on one etcd, synchronous replication on, started once for the tests of
/// <see cref="PatroniCollection"/> and stopped with them: etcd, three Patroni daemons and their PostgreSQL servers, all
/// as the <c>postgres</c> user in a temp folder (<see cref="ThrowawayServerFolder"/>) on loopback ports. Timings are
/// short (ttl 8 s, loop_wait 1 s) so a lost primary is replaced in about ten seconds; fsync is off, which a
/// <c>kill -9</c> (the page cache survives it) does not notice.
/// </summary>
public sealed class PatroniCluster : IAsyncLifetime
{
    private const string Kind = "targettracking-patroni";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private ThrowawayServerFolder? _folder;
    private Node[] _nodes = [];

    /// <summary>Gets the multi-host connection string of the primary, as a host writes it (<c>Target Session Attributes=primary</c>).</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>Gets the folder of the cluster.</summary>
    public ThrowawayServerFolder Folder => _folder ?? throw new InvalidOperationException("The cluster is not started.");

    /// <summary>Gets how long the cluster took to start.</summary>
    public TimeSpan StartedIn { get; private set; }

    public async Task InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        var (bin, patroni, etcd) = FindBinaries();
        _folder = ThrowawayServerFolder.Create(Kind, "postgres", ClusterProcesses.Remove);
        var folder = _folder;
        var etcdPort = await folder.StartOnAFreePortAsync(async port =>
        {
            var peer = ThrowawayServerFolder.FreePort();
            ClusterProcesses.Start(folder, "etcd",
                $"{etcd} --name etcd --data-dir {Path.Combine(folder.Path, "etcd")} --enable-v2=true " +
                $"--listen-client-urls http://127.0.0.1:{port} --advertise-client-urls http://127.0.0.1:{port} " +
                $"--listen-peer-urls http://127.0.0.1:{peer} --initial-advertise-peer-urls http://127.0.0.1:{peer} --initial-cluster etcd=http://127.0.0.1:{peer}");
            await ClusterProcesses.WaitUntilAsync(
                async () => (await Http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/health"))).Contains("true", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30),
                () => ClusterProcesses.Log(folder, "etcd"));
            return port;
        });

        _nodes = [.. Enumerable.Range(1, 3).Select(i => new Node($"n{i}", ThrowawayServerFolder.FreePort(), ThrowawayServerFolder.FreePort()))];
        foreach (var node in _nodes)
        {
            var config = Path.Combine(folder.Path, $"{node.Name}.yml");
            await File.WriteAllTextAsync(config, Config(node, folder.Path, bin, etcdPort));
            if (ThrowawayServerFolder.IsRoot)
            {
                ThrowawayServerFolder.Run("chown", $"postgres {config}");
            }

            StartNode(node);
        }

        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = string.Join(',', _nodes.Select(n => $"127.0.0.1:{n.PgPort}")),
            Username = "postgres",
            Database = "postgres",
            SslMode = SslMode.Disable,
            TargetSessionAttributes = "primary",
            // How long a host's role is trusted: after a failover, the old primary is asked again within a second.
            HostRecheckSeconds = 1,
            Timeout = 3,
            MaxPoolSize = 60,
        }.ConnectionString;

        await HealthyAsync(3, TimeSpan.FromSeconds(90));
        StartedIn = clock.Elapsed;
    }

    /// <summary>
    /// Waits until the cluster can lose its primary without losing a commit: a leader and a synchronous standby (only it
    /// may be promoted in synchronous mode), and <paramref name="members"/> members running.
    /// </summary>
    public Task HealthyAsync(int members, TimeSpan? timeout = null) => ClusterProcesses.WaitUntilAsync(
        async () =>
        {
            var all = await MembersAsync();
            return all.Count == members && all.Count(m => m.Role == "leader") == 1 && all.Count(m => m.Role == "sync_standby") == 1
                && all.All(m => m.State is "running" or "streaming");
        },
        timeout ?? TimeSpan.FromSeconds(60),
        () => string.Join("\n", _nodes.Select(n => $"{n.Name}: {ClusterProcesses.Log(Folder, n.Name)}")));

    public Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_folder is not null)
        {
            ClusterProcesses.Remove(_folder.Path);
        }

        return Task.CompletedTask;
    }

    /// <summary>Gets the members as Patroni's REST API of any node still answering lists them.</summary>
    public async Task<IReadOnlyList<Member>> MembersAsync()
    {
        foreach (var node in _nodes)
        {
            try
            {
                var cluster = await Http.GetFromJsonAsync<ClusterState>(new Uri($"http://127.0.0.1:{node.ApiPort}/cluster"));
                return cluster?.Members ?? [];
            }
            catch (HttpRequestException)
            {
                // Try the next node.
            }
        }

        return [];
    }

    /// <summary>Gets a connection string to each streaming standby, waiting until there is at least one.</summary>
    public async Task<IReadOnlyList<string>> StandbyConnectionStringsAsync()
    {
        IReadOnlyList<string> standbys = [];
        await ClusterProcesses.WaitUntilAsync(
            async () =>
            {
                var members = await MembersAsync();
                standbys = [.. members.Where(m => m.Role is "sync_standby" or "replica" && m.State is "running" or "streaming")
                    .Select(m => new NpgsqlConnectionStringBuilder(ConnectionString)
                    {
                        Host = "127.0.0.1",
                        Port = _nodes.Single(n => n.Name == m.Name).PgPort,
                        TargetSessionAttributes = null,
                        Pooling = false,
                    }.ConnectionString)];
                return standbys.Count > 0 && members.Any(m => m.Role == "leader" && m.State == "running");
            },
            TimeSpan.FromSeconds(60),
            () => "no leader with a streaming standby");
        return standbys;
    }

    /// <summary>Gets the leader's name, waiting until there is one other than <paramref name="not"/>.</summary>
    public async Task<string> LeaderAsync(string? not = null, TimeSpan? timeout = null)
    {
        string? leader = null;
        await ClusterProcesses.WaitUntilAsync(
            async () =>
            {
                leader = (await MembersAsync()).FirstOrDefault(m => m.Role == "leader" && m.State == "running" && m.Name != not)?.Name;
                return leader is not null;
            },
            timeout ?? TimeSpan.FromSeconds(60),
            () => $"no leader other than {not}");
        return leader!;
    }

    /// <summary>A planned switchover (Patroni's REST API): the leader hands over to the synchronous standby.</summary>
    /// <returns>The old leader.</returns>
    public async Task<string> SwitchoverAsync()
    {
        var leader = await LeaderAsync();
        var api = _nodes.Single(n => n.Name == leader).ApiPort;
        // Patroni's REST API wants a Content-Length: no chunked body.
        using var body = new StringContent(System.Text.Json.JsonSerializer.Serialize(new { leader }));
        using var response = await Http.PostAsync(new Uri($"http://127.0.0.1:{api}/switchover"), body);
        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"switchover from {leader}: {(int)response.StatusCode} {answer}");
        return leader;
    }

    /// <summary>Loses the leader's node: <c>kill -9</c> of its Patroni daemon and of its PostgreSQL server with every backend.</summary>
    /// <returns>The killed leader.</returns>
    public async Task<string> KillLeaderAsync()
    {
        var leader = await LeaderAsync();
        ClusterProcesses.Kill(Path.Combine(Folder.Path, $"{leader}.yml")); // Patroni (and the postmaster it started)
        ClusterProcesses.Kill(Path.Combine(Folder.Path, leader) + " "); // the postmaster: "postgres -D <folder>/<node> --config-file=…"
        return leader;
    }

    private void StartNode(Node node) =>
        ClusterProcesses.Start(Folder, node.Name, $"{FindBinaries().Patroni} {Path.Combine(Folder.Path, $"{node.Name}.yml")}");

    private static string Config(Node node, string folder, string bin, int etcdPort) => string.Create(
        CultureInfo.InvariantCulture,
        $$"""
        scope: targettracking
        name: {{node.Name}}
        restapi:
          listen: 127.0.0.1:{{node.ApiPort}}
          connect_address: 127.0.0.1:{{node.ApiPort}}
        etcd:
          host: 127.0.0.1:{{etcdPort}}
        bootstrap:
          dcs:
            ttl: 8
            loop_wait: 1
            retry_timeout: 3
            maximum_lag_on_failover: 1048576
            synchronous_mode: true
            postgresql:
              use_pg_rewind: true
              parameters:
                fsync: 'off'
                full_page_writes: 'off'
                wal_log_hints: 'on'
                max_connections: 300
          initdb:
          - encoding: UTF8
          - no-locale
          - no-sync
        postgresql:
          listen: 127.0.0.1:{{node.PgPort}}
          connect_address: 127.0.0.1:{{node.PgPort}}
          data_dir: {{Path.Combine(folder, node.Name)}}
          bin_dir: {{bin}}
          pgpass: {{Path.Combine(folder, node.Name + ".pgpass")}}
          authentication:
            superuser: {username: postgres, password: postgres}
            replication: {username: replicator, password: replicator}
          parameters:
            unix_socket_directories: {{folder}}
          pg_hba:
          - local all all trust
          - host all all 127.0.0.1/32 trust
          - host replication replicator 127.0.0.1/32 trust
        """);

    private static (string Bin, string Patroni, string Etcd) FindBinaries()
    {
        var bin = ThrowawayServerFolder.FindOrInstall(
            () => Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(b => File.Exists(Path.Combine(b, "initdb")))
                    .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0).FirstOrDefault()
                : null,
            "postgresql",
            "PostgreSQL server binaries were not found under /usr/lib/postgresql/*/bin: install the 'postgresql' package.");
        var tools = ThrowawayServerFolder.FindOrInstall(
            () => File.Exists("/usr/bin/patroni") && File.Exists("/usr/bin/etcd") ? "/usr/bin" : null,
            "patroni etcd-server",
            "Patroni and etcd were not found: install the 'patroni' and 'etcd-server' packages.");
        return (bin, Path.Combine(tools, "patroni"), Path.Combine(tools, "etcd"));
    }

    private sealed record Node(string Name, int PgPort, int ApiPort);

    private sealed record ClusterState([property: JsonPropertyName("members")] IReadOnlyList<Member> Members);
}

/// <summary>A member of the cluster as Patroni's <c>/cluster</c> lists it.</summary>
/// <param name="Name">The node.</param>
/// <param name="Role"><c>leader</c>, <c>sync_standby</c> or <c>replica</c>.</param>
/// <param name="State"><c>running</c>, <c>streaming</c>, <c>starting</c>, …</param>
/// <param name="Timeline">The timeline the node is on.</param>
public sealed record Member(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("timeline")] int? Timeline);

[CollectionDefinition(Name)]
public sealed class PatroniCollection : ICollectionFixture<PatroniCluster>
{
    public const string Name = "Patroni";
}
