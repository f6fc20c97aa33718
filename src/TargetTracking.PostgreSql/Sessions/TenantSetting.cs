using System.Data.Common;
using System.Runtime.CompilerServices;
using LinqToDB.Data;
using LinqToDB.Interceptors;

namespace TargetTracking.PostgreSql;

/// <summary>
/// Sets the transaction's tenant for the row-level security policies (migration 0012) in the same round trip as the
/// first command the store sends through linq2db in each transaction: a <c>DO</c> block that calls
/// <c>set_config('targettracking.tenant', …, true)</c>, which returns no result set, so readers see the command's own
/// results. Transaction-local, so nothing is left on a pooled connection (or on a PgBouncer server in transaction mode):
/// inside a transaction it lasts to its end, so later commands of the transaction go as they are; outside one, Npgsql
/// sends the command's statements before one Sync, which PostgreSQL runs as one implicit transaction, so every such
/// command carries it. The tenant is placed in the text as a literal: it is a valid tenant id (letters, digits, <c>-</c>,
/// <c>_</c>, <c>.</c>), which cannot end the literal. The store's hand-written batches set it themselves
/// (<see cref="PostgreSqlStatements.SetTenant"/>).
/// </summary>
internal sealed class TenantSetting : CommandInterceptor
{
    // Npgsql reuses one transaction object per physical connection, so "a new transaction" cannot be told from the
    // object; the sessions say when they begin one instead (Begun).
    private static readonly ConditionalWeakTable<DataConnection, TenantSetting> Settings = [];

    private readonly string _prefix;

    // Whether the next command inside a transaction must set the tenant: true until a transaction's first command has.
    private bool _pending = true;

    private TenantSetting(string tenant) =>
        _prefix = TenantIds.IsValid(tenant)
            ? $"DO $tt$BEGIN PERFORM set_config('targettracking.tenant', '{tenant}', true); END$tt$;\n"
            : throw new ArgumentException("Not a valid tenant id.", nameof(tenant));

    /// <summary>Makes every transaction of <paramref name="db"/> set <paramref name="tenant"/> with its first command.</summary>
    public static void Attach(DataConnection db, string tenant)
    {
        var setting = new TenantSetting(tenant);
        Settings.AddOrUpdate(db, setting);
        db.AddInterceptor(setting);
    }

    /// <summary>Tells the connection's setting that a transaction has begun: its first command sets the tenant.</summary>
    public static void Begun(DataConnection db)
    {
        if (Settings.TryGetValue(db, out var setting))
        {
            setting._pending = true;
        }
    }

    public override DbCommand CommandInitialized(CommandEventData eventData, DbCommand command)
    {
        var inTransaction = eventData.DataConnection?.Transaction is not null;
        if (inTransaction && !_pending)
        {
            return command;
        }

        command.CommandText = _prefix + command.CommandText;

        // A command outside a transaction is its own; the next one, in or out of a transaction, sets it again.
        _pending = !inTransaction;
        return command;
    }
}
