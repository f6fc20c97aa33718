using System.Collections.Concurrent;

namespace TargetTracking.Linq2Db;

/// <summary>
/// The databases of a store with a database per tenant: the host's resolver opens a tenant's store (its own database, file or
/// schema) the first time the tenant is seen, once per process however many calls arrive at once; the store then migrates
/// its database on first use under the dialect's migration lock, so other processes migrating at the same time take turns.
/// </summary>
internal sealed class TenantDatabases(Linq2DbDialect dialect, Func<string, Linq2DbTargetStore> open)
{
    private readonly ConcurrentDictionary<string, Lazy<Linq2DbTargetStore>> _opened = new(StringComparer.Ordinal);

    /// <summary>Gets the stores opened so far, one per tenant.</summary>
    public IEnumerable<Linq2DbTargetStore> Opened => _opened.Values.Where(d => d.IsValueCreated).Select(d => d.Value);

    /// <summary>Gets the store of a tenant's database, opening it on the tenant's first call.</summary>
    /// <param name="tenant">The tenant, valid.</param>
    /// <returns>The tenant's store; it initializes (migrates) itself on its first use.</returns>
    /// <exception cref="InvalidOperationException">The resolver returned no store, a store that is itself a view or has a database per tenant, or a store of another dialect.</exception>
    public Linq2DbTargetStore Of(string tenant) =>
        _opened.GetOrAdd(tenant, t => new Lazy<Linq2DbTargetStore>(() => Check(t, open(t)), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    private Linq2DbTargetStore Check(string tenant, Linq2DbTargetStore? store)
    {
        if (store is null || !store.IsOneDatabase)
        {
            throw new InvalidOperationException($"The database resolver of tenant '{tenant}' must return a store of one database (built by CreateStore or new Linq2DbTargetStore), not null, a view or a store with a database per tenant.");
        }

        if (store.Dialect.GetType() != dialect.GetType())
        {
            throw new InvalidOperationException($"The database resolver of tenant '{tenant}' returned a {store.Dialect.Name} store; this store's databases are {dialect.Name}.");
        }

        return store;
    }
}
