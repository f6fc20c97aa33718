using Microsoft.Data.Sqlite;
using TargetTracking.Conformance;
using TargetTracking.Sqlite;
using Xunit.Abstractions;

namespace TargetTracking.Sqlite.Tests;

/// <summary>A new temporary database file per store, all removed when the fixture ends.</summary>
public sealed partial class SqliteFileFixture : ISharedStoreFixture, ILinq2DbStoreFixture, IIntegrityFixture, IAsyncLifetime
{
    private readonly List<Linq2DbTargetStore> _repositories = [];

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "tt-sqlite-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        return Task.CompletedTask;
    }

    public string NewConnectionString() => $"Data Source={Path.Combine(Directory, Guid.NewGuid().ToString("N") + ".db")}";

    public async Task<ITargetRepository> CreateRepositoryAsync() => await CreateAsync(new SqliteStoreOptions { ConnectionString = NewConnectionString() });

    public async Task<(ITargetRepository Repository, IStoreSaboteur Saboteur)> CreateCorruptibleAsync()
    {
        var repository = await CreateAsync(new SqliteStoreOptions { ConnectionString = NewConnectionString() });
        return (repository, new SqliteSaboteur(repository));
    }

    public async Task<SharedStore> CreateSharedStoreAsync()
    {
        var connectionString = NewConnectionString();
        return new SharedStore(await CreateAsync(new SqliteStoreOptions { ConnectionString = connectionString }), "sqlite", connectionString);
    }

    public Exception TransientFailure { get; } = new SqliteException("database is locked", 5);

    public async Task<Linq2DbTestStore> CreateLinq2DbStoreAsync()
    {
        var connectionString = NewConnectionString();
        var repository = await CreateAsync(new SqliteStoreOptions { ConnectionString = connectionString });
        await repository.InitializeAsync();
        return new Linq2DbTestStore(
            repository,
            SqliteDialect.Options(connectionString, TimeSpan.FromSeconds(5)),
            async () => await repository.Database().OpenAsync(CancellationToken.None));
    }

    public async Task<Linq2DbTargetStore> CreateAsync(SqliteStoreOptions options)
    {
        var repository = SqliteDialect.CreateStore(options);
        lock (_repositories)
        {
            _repositories.Add(repository);
        }

        await repository.InitializeAsync();
        return repository;
    }

    public async Task DisposeAsync()
    {
        foreach (var repository in _repositories)
        {
            await repository.DisposeAsync();
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }
}

/// <summary>A named shared-cache in-memory database per store.</summary>
public sealed class SqliteMemoryFixture : IIntegrityFixture, IAsyncLifetime
{
    private readonly List<Linq2DbTargetStore> _repositories = [];

    public static string NewConnectionString() => $"Data Source=tt-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";

    public async Task<ITargetRepository> CreateRepositoryAsync() => await CreateAsync();

    public async Task<(ITargetRepository Repository, IStoreSaboteur Saboteur)> CreateCorruptibleAsync()
    {
        var repository = await CreateAsync();
        return (repository, new SqliteSaboteur(repository));
    }

    private async Task<Linq2DbTargetStore> CreateAsync()
    {
        var repository = SqliteDialect.CreateStore(new SqliteStoreOptions { ConnectionString = NewConnectionString() });
        lock (_repositories)
        {
            _repositories.Add(repository);
        }

        await repository.InitializeAsync();
        return repository;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var repository in _repositories)
        {
            await repository.DisposeAsync();
        }
    }
}

public sealed class SqliteHostTransactionConformance(SqliteFileFixture fixture) : HostTransactionConformance<SqliteFileFixture>(fixture);

public sealed class SqliteStaysTableConformance(SqliteFileFixture fixture) : StaysTableConformance<SqliteFileFixture>(fixture);

public sealed class SqliteFileConformance(SqliteFileFixture fixture) : TargetRepositoryConformance<SqliteFileFixture>(fixture);

public sealed class SqliteMemoryConformance(SqliteMemoryFixture fixture) : TargetRepositoryConformance<SqliteMemoryFixture>(fixture);

public sealed class SqliteFileIntegrityConformance(SqliteFileFixture fixture) : IntegrityConformance<SqliteFileFixture>(fixture);

public sealed class SqliteFileHierarchyConformance(SqliteFileFixture fixture) : HierarchyConformance<SqliteFileFixture>(fixture);

public sealed class SqliteMemoryIntegrityConformance(SqliteMemoryFixture fixture) : IntegrityConformance<SqliteMemoryFixture>(fixture);

public sealed class SqliteFileChangeFeedConformance(SqliteFileFixture fixture, ITestOutputHelper output) : ChangeFeedConformance<SqliteFileFixture>(fixture, output);

public sealed class SqliteMemoryChangeFeedConformance(SqliteMemoryFixture fixture, ITestOutputHelper output) : ChangeFeedConformance<SqliteMemoryFixture>(fixture, output);

public sealed class SqliteFileOperationConformance(SqliteFileFixture fixture) : OperationConformance<SqliteFileFixture>(fixture);

public sealed class SqliteMemoryOperationConformance(SqliteMemoryFixture fixture) : OperationConformance<SqliteMemoryFixture>(fixture);

// A memory database cannot be shared with another process: the crash tests run on files.
public sealed class SqliteOperationCrashTests(SqliteFileFixture fixture, ITestOutputHelper output) : OperationCrashTests<SqliteFileFixture>(fixture, output);

[CollectionDefinition(FirstCallConformance<SqliteFileFixture>.Collection, DisableParallelization = true)]
public sealed class QueryCacheCollection;

[Collection(FirstCallConformance<SqliteFileFixture>.Collection)]
public sealed class SqliteFirstCallConformance(SqliteFileFixture fixture) : FirstCallConformance<SqliteFileFixture>(fixture);

public sealed class SqliteFileReportConformance(SqliteFileFixture fixture) : ReportConformance<SqliteFileFixture>(fixture);

public sealed class SqliteMemoryReportConformance(SqliteMemoryFixture fixture) : ReportConformance<SqliteMemoryFixture>(fixture);
