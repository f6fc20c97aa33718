using System.Diagnostics;
using MySqlConnector;

namespace TargetTracking.Cluster.Tests.Galera;

/// <summary>
/// A throwaway three-node MariaDB Galera cluster (<c>galera-4</c>), started once for the tests of
/// <see cref="GaleraCollection"/> and stopped with them, as the <c>mysql</c> user in a temp folder
/// (<see cref="ThrowawayServerFolder"/>) on loopback ports: the first node bootstraps the cluster
/// (<c>--wsrep-new-cluster</c>), the other two join it with a state transfer by rsync. No flush at commit: the nodes'
/// copies are the durability that is tested here.
/// </summary>
public sealed class GaleraCluster : IAsyncLifetime
{
    private const string Kind = "targettracking-galera";
    private ThrowawayServerFolder? _folder;
    private Node[] _nodes = [];

    /// <summary>Creates a database (on the first node: Galera replicates the DDL) and returns its connection string on each node, in node order.</summary>
    public async Task<IReadOnlyList<string>> CreateDatabaseAsync()
    {
        var name = $"tt_{Guid.NewGuid():N}";
        await using (var connection = new MySqlConnection(Admin(_nodes[0])))
        {
            await connection.OpenAsync();
            await using var create = new MySqlCommand($"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin", connection);
            await create.ExecuteNonQueryAsync();
        }

        return [.. _nodes.Select(n => new MySqlConnectionStringBuilder(Admin(n)) { Database = name }.ConnectionString)];
    }

    /// <summary>Cuts a node off the cluster's group communication (Galera's <c>gmcast.isolate</c>), or lets it back.</summary>
    public async Task IsolateAsync(int node, bool isolate)
    {
        await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(Admin(_nodes[node])) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand($"SET GLOBAL wsrep_provider_options = 'gmcast.isolate={(isolate ? 1 : 0)}'", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Gets how long the cluster took to start.</summary>
    public TimeSpan StartedIn { get; private set; }

    public async Task InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        var (server, installer, provider) = FindBinaries();
        _folder = ThrowawayServerFolder.Create(Kind, "mysql", ClusterProcesses.Remove);
        var folder = _folder;
        _nodes = [.. Enumerable.Range(1, 3).Select(i => new Node(
            $"g{i}", ThrowawayServerFolder.FreePort(), ThrowawayServerFolder.FreePort(), ThrowawayServerFolder.FreePort(), ThrowawayServerFolder.FreePort()))];
        var cluster = string.Join(',', _nodes.Select(n => $"127.0.0.1:{n.GroupPort}"));

        // The first node gets system tables and bootstraps; the others join empty and receive its state.
        folder.RunAsUser(installer, $"--no-defaults --datadir={Data(_nodes[0])} --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve");
        Start(_nodes[0], server, provider, cluster, "--wsrep-new-cluster");
        await ReadyAsync(_nodes[0], 1);
        foreach (var joiner in _nodes.Skip(1))
        {
            folder.RunAsUser("mkdir", $"-p {Data(joiner)}");
            Start(joiner, server, provider, cluster, "");
        }

        foreach (var node in _nodes)
        {
            await ReadyAsync(node, 3);
        }

        StartedIn = clock.Elapsed;
    }

    public Task DisposeAsync()
    {
        MySqlConnection.ClearAllPools();
        if (_folder is not null)
        {
            ClusterProcesses.Remove(_folder.Path);
        }

        return Task.CompletedTask;
    }

    /// <summary>Reads a status variable of a node (<c>wsrep_…</c>).</summary>
    public async Task<string?> StatusAsync(int node, string variable)
    {
        await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(Admin(_nodes[node])) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand($"SHOW GLOBAL STATUS LIKE '{variable}'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? reader.GetString(1) : null;
    }

    private string Data(Node node) => Path.Combine(_folder!.Path, node.Name);

    private static string Admin(Node node) => new MySqlConnectionStringBuilder
    {
        Server = "127.0.0.1",
        Port = (uint)node.Port,
        UserID = "root",
        SslMode = MySqlSslMode.None,
        ConnectionTimeout = 5,
    }.ConnectionString;

    private void Start(Node node, string server, string provider, string cluster, string extra)
    {
        var folder = _folder!.Path;
        ClusterProcesses.Start(
            _folder,
            node.Name,
            $"{server} --no-defaults --datadir={Data(node)} --socket={Path.Combine(folder, node.Name + ".sock")} --port={node.Port} --bind-address=127.0.0.1 " +
            $"--pid-file={Path.Combine(folder, node.Name + ".pid")} --tmpdir={folder} --skip-name-resolve --max-connections=500 " +
            "--binlog-format=ROW --innodb-autoinc-lock-mode=2 --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 " +
            "--character-set-server=utf8mb4 --collation-server=utf8mb4_nopad_bin " +
            $"--wsrep-on=ON --wsrep-provider={provider} --wsrep-cluster-name=targettracking --wsrep-node-name={node.Name} " +
            $"--wsrep-cluster-address=gcomm://{cluster} --wsrep-node-address=127.0.0.1:{node.GroupPort} " +
            $"'--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:{node.GroupPort};ist.recv_addr=127.0.0.1:{node.IstPort};gcache.size=64M' " +
            $"--wsrep-sst-method=rsync --wsrep-sst-receive-address=127.0.0.1:{node.SstPort} {extra}");
    }

    /// <summary>Waits until a node is synced and ready for statements, in a cluster of <paramref name="size"/>.</summary>
    private Task ReadyAsync(Node node, int size) => ClusterProcesses.WaitUntilAsync(
        async () =>
        {
            var index = Array.IndexOf(_nodes, node);
            return await StatusAsync(index, "wsrep_ready") == "ON" && await StatusAsync(index, "wsrep_local_state_comment") == "Synced"
                && await StatusAsync(index, "wsrep_cluster_size") == size.ToString(System.Globalization.CultureInfo.InvariantCulture);
        },
        TimeSpan.FromSeconds(120),
        () => ClusterProcesses.Log(_folder!, node.Name));

    private static (string Server, string Installer, string Provider) FindBinaries()
    {
        var server = ThrowawayServerFolder.FindOrInstall(
            () => File.Exists("/usr/sbin/mariadbd") && File.Exists("/usr/bin/mariadb-install-db") ? "/usr/sbin/mariadbd" : null,
            "mariadb-server",
            "MariaDB server binaries (mariadbd, mariadb-install-db) were not found: install the 'mariadb-server' package.");
        var provider = ThrowawayServerFolder.FindOrInstall(
            () => File.Exists("/usr/lib/galera/libgalera_smm.so") && File.Exists("/usr/bin/rsync") ? "/usr/lib/galera/libgalera_smm.so" : null,
            "galera-4 rsync",
            "The Galera provider (/usr/lib/galera/libgalera_smm.so) or rsync was not found: install the 'galera-4' and 'rsync' packages.");
        return (server, "/usr/bin/mariadb-install-db", provider);
    }

    private sealed record Node(string Name, int Port, int GroupPort, int IstPort, int SstPort);
}

[CollectionDefinition(Name)]
public sealed class GaleraCollection : ICollectionFixture<GaleraCluster>
{
    public const string Name = "Galera";
}
