using System.Data.Common;
using LinqToDB.Data;
using LinqToDB.Interceptors;

namespace TargetTracking.PostgreSql;

/// <summary>
/// Makes every command the store sends through linq2db set the transaction's tenant first, in the same round trip, for the
/// row-level security policies (migration 0012): a <c>DO</c> block that calls <c>set_config('targettracking.tenant', …, true)</c>,
/// which returns no result set, so readers see the command's own results. Transaction-local: inside a transaction it lasts
/// to its end; outside one, Npgsql sends the command's statements before one Sync, which PostgreSQL runs as one implicit
/// transaction. Nothing is left on a pooled connection. The tenant is placed in the text as a literal: it is a valid tenant id
/// (letters, digits, <c>-</c>, <c>_</c>, <c>.</c>), which cannot end the literal. The store's hand-written batches set it
/// themselves (<see cref="PostgreSqlStatements.SetTenant"/>).
/// </summary>
/// <param name="tenant">The connection's tenant.</param>
internal sealed class TenantSetting(string tenant) : CommandInterceptor
{
    private readonly string _prefix = TenantIds.IsValid(tenant)
        ? $"DO $tt$BEGIN PERFORM set_config('targettracking.tenant', '{tenant}', true); END$tt$;\n"
        : throw new ArgumentException("Not a valid tenant id.", nameof(tenant));

    public override DbCommand CommandInitialized(CommandEventData eventData, DbCommand command)
    {
        command.CommandText = _prefix + command.CommandText;
        return command;
    }
}
