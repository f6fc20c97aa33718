using TargetTracking.Linq2Db;

namespace TargetTracking.PostgreSql.Tests;

internal static class StoreExtensions
{
    extension(Linq2DbTargetStore store)
    {
        /// <summary>Gets the schema a PostgreSQL store keeps its tables in.</summary>
        public string Schema => ((PostgreSqlDialect)store.Dialect).SchemaName;
    }
}
