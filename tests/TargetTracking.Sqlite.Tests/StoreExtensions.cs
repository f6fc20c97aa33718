using TargetTracking.Linq2Db;

namespace TargetTracking.Sqlite.Tests;

internal static class StoreExtensions
{
    /// <summary>The database a store built by <see cref="SqliteDialect.CreateStore"/> opens, for raw connections with its settings.</summary>
    public static SqliteDatabase Database(this Linq2DbTargetStore store) =>
        ((SqliteDialect)store.Dialect).Database ?? throw new InvalidOperationException("The store was not built by SqliteDialect.CreateStore.");
}
