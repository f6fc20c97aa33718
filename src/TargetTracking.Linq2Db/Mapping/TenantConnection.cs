using LinqToDB;
using LinqToDB.Data;

namespace TargetTracking.Linq2Db;

/// <summary>
/// A connection of the store in one tenant: the mapping's query filters (<see cref="StoreMapping"/>) keep every LINQ read,
/// update and delete of it to the tenant's rows, and the writers stamp the tenant on every row they insert. It carries the
/// dialect of its database, which with a database per tenant is the tenant's (a PostgreSQL schema per tenant has its own SQL).
/// </summary>
internal sealed class TenantConnection(DataOptions options, string tenant, Linq2DbDialect dialect) : DataConnection(options)
{
    /// <summary>Gets the tenant.</summary>
    public string Tenant { get; } = tenant;

    /// <summary>Gets the dialect of the connection's database.</summary>
    public Linq2DbDialect Dialect { get; } = dialect;
}

/// <summary>A row that belongs to a tenant.</summary>
internal interface ITenantRow
{
    /// <summary>Gets or sets the tenant.</summary>
    string TenantId { get; set; }
}

/// <summary>The tenant of a store's connection, in one place.</summary>
internal static class Tenancy
{
    /// <summary>Gets the tenant a connection of the store works in.</summary>
    /// <param name="db">A connection the store opened (<see cref="Linq2DbTargetStore.Connect"/>).</param>
    /// <returns>The tenant.</returns>
    public static string TenantOf(this DataConnection db) =>
        db is TenantConnection connection ? connection.Tenant : throw new InvalidOperationException("A connection of the store names its tenant.");

    /// <summary>Gets the dialect of a store's connection's database.</summary>
    /// <param name="db">A connection the store opened.</param>
    /// <returns>The dialect.</returns>
    public static Linq2DbDialect DialectOf(this DataConnection db) =>
        db is TenantConnection connection ? connection.Dialect : throw new InvalidOperationException("A connection of the store names its dialect.");

    /// <summary>Stamps a row with a connection's tenant, for an insert.</summary>
    /// <param name="row">The row.</param>
    /// <param name="db">The connection it is inserted on.</param>
    /// <returns>The row.</returns>
    public static T In<T>(this T row, DataConnection db)
        where T : ITenantRow
    {
        row.TenantId = db.TenantOf();
        return row;
    }

    /// <summary>Gets a parameter holding a connection's tenant, for raw SQL (<c>@tenant</c>).</summary>
    /// <param name="db">The connection.</param>
    /// <returns>The parameter.</returns>
    public static DataParameter Parameter(DataConnection db) => new("tenant", db.TenantOf(), DataType.NVarChar);
}
