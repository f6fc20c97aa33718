using Microsoft.EntityFrameworkCore;
using TargetTracking.Linq2Db;

namespace TargetTracking.EntityFrameworkCore.Tests;

/// <summary>A new database with the store migrated in it and the host's invoice table beside it.</summary>
/// <param name="Store">The store.</param>
/// <param name="NewContext">Creates a context of the host on the same database.</param>
public sealed record EfDatabase(Linq2DbTargetStore Store, Func<ShopContext> NewContext);

/// <summary>What a database's test class supplies to run <see cref="DbContextTransactionConformance{TFixture}"/>.</summary>
public interface IEfDatabaseFixture
{
    /// <summary>Creates a new, empty database: the store migrated, the host's tables created by EF Core's script.</summary>
    Task<EfDatabase> CreateAsync();
}

internal static class EfDatabases
{
    /// <summary>Creates the host's tables beside the store's: EnsureCreated would see the store's tables and do nothing.</summary>
    public static async Task CreateHostTablesAsync(Func<ShopContext> newContext)
    {
        await using var db = newContext();
        await db.Database.ExecuteSqlRawAsync(db.Database.GenerateCreateScript());
    }
}
