using LinqToDB.Data;

namespace TargetTracking.Conformance;

/// <summary>Raw SQL through a host's linq2db options, written once for every database (tables named by the dialect: <c>Sql.Qualify</c>).</summary>
internal static class HostSql
{
    public static async Task<T> ScalarAsync<T>(LinqToDB.DataOptions host, string sql, params DataParameter[] parameters)
    {
        using var db = new DataConnection(host);
        return await db.ExecuteAsync<T>(sql, parameters);
    }

    public static async Task<List<T>> ListAsync<T>(LinqToDB.DataOptions host, string sql)
    {
        using var db = new DataConnection(host);
        return await db.QueryToListAsync<T>(sql);
    }
}
