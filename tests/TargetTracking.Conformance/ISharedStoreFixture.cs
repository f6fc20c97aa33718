using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>A store fixture whose stores another process can open too, for <see cref="OperationCrashTests{TFixture}"/>.</summary>
public interface ISharedStoreFixture : IStoreFixture
{
    /// <summary>Creates a new, empty, isolated, migrated store that lives outside this process (a database file, a schema).</summary>
    Task<SharedStore> CreateSharedStoreAsync();
}

/// <summary>A store this process has open, and what the crash worker needs to open it too.</summary>
/// <param name="Repository">The store, opened in this process.</param>
/// <param name="Kind">The worker's <c>--store</c>: <c>sqlite</c>, <c>postgres</c> or <c>mariadb</c>.</param>
/// <param name="ConnectionString">The connection string (passed to the worker in its environment).</param>
/// <param name="Schema">The PostgreSQL schema; <see langword="null"/> for SQLite.</param>
public sealed record SharedStore(ITargetRepository Repository, string Kind, string ConnectionString, string? Schema = null);
