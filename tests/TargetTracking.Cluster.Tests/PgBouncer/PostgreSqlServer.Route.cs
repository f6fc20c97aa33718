namespace TargetTracking.PostgreSql.Tests;

/// <summary>The PostgreSQL tests' server, reached through PgBouncer in transaction mode here (<see cref="global::TargetTracking.Cluster.Tests.PgBouncer.PgBouncer"/>).</summary>
internal static partial class PostgreSqlServer
{
    static partial void Route(ref string connectionString) => connectionString = global::TargetTracking.Cluster.Tests.PgBouncer.PgBouncer.Front(connectionString);
}
