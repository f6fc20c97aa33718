using TargetTracking.Linq2Db;
using System.Collections.Concurrent;
using LinqToDB.Data;
using Microsoft.Extensions.Logging;

namespace TargetTracking.Conformance;

/// <summary>
/// Stores with a database per tenant (<see cref="Linq2DbTargetStore.DatabasePerTenant"/>) for the conformance suite: each
/// store opens its tenants' databases through <see cref="OpenDatabase"/> (a SQLite file, a PostgreSQL schema per tenant), and
/// the fixture counts how often it did, and reads each database with plain SQL, without the store's tenant filters.
/// </summary>
public abstract class DatabasePerTenantFixture : IStoreFixture, IAsyncLifetime
{
    private readonly ConcurrentDictionary<(Linq2DbTargetStore Store, string Tenant), int> _opened = new();
    private readonly List<Linq2DbTargetStore> _stores = [];

    /// <summary>Gets the log of every store the fixture made (the tenants' migrations among it).</summary>
    public LogCapture Log { get; } = new();

    /// <summary>Creates the dialect of the stores' databases.</summary>
    protected abstract Linq2DbDialect NewDialect();

    /// <summary>Opens the store of a tenant's database, a new one for each <paramref name="store"/> key.</summary>
    /// <param name="store">A key unique to the store with a database per tenant.</param>
    /// <param name="tenant">The tenant.</param>
    /// <param name="logger">The logger to give the store.</param>
    protected abstract Linq2DbTargetStore OpenDatabase(string store, string tenant, ILogger<Linq2DbTargetStore> logger);

    /// <inheritdoc />
    public Task<ITargetRepository> CreateRepositoryAsync() => Task.FromResult<ITargetRepository>(Create());

    /// <summary>Creates a store with a database per tenant; no database is opened yet.</summary>
    public Linq2DbTargetStore Create()
    {
        var key = $"s{Guid.NewGuid():N}"[..12];
        Linq2DbTargetStore? created = null;
        created = Linq2DbTargetStore.DatabasePerTenant(
            NewDialect(),
            tenant =>
            {
                _opened.AddOrUpdate((created!, tenant), 1, (_, n) => n + 1);
                return OpenDatabase(key, tenant, Log.For<Linq2DbTargetStore>());
            });
        lock (_stores)
        {
            _stores.Add(created);
        }

        return created;
    }

    /// <summary>How many times a store opened a tenant's database.</summary>
    public int TimesOpened(ITargetRepository store, string tenant) => _opened.GetValueOrDefault(((Linq2DbTargetStore)store, tenant));

    /// <summary>Reads the tenant of every row of a table in a tenant's database with plain SQL (no tenant filter), counted per tenant.</summary>
    public async Task<IReadOnlyDictionary<string, int>> TenantsOfRowsAsync(ITargetRepository store, string tenant, string table)
    {
        var database = ((Linq2DbTargetStore)store).DatabaseOf(tenant);
        await database.InitializeAsync();
        using var db = new DataConnection(database.Options);
        var tenants = await db.QueryToListAsync<string>($"SELECT tenant_id FROM {database.Dialect.Sql.Qualify(table)}");
        return tenants.GroupBy(t => t, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public virtual async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }
}
