using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace TargetTracking.EntityFrameworkCore.Tests;

/// <summary>The samples of docs/efcore.md, compiled and run by the tests; the page shows them verbatim (<see cref="DocsTests"/>).</summary>
public static class DocsSamples
{
    public static void Register(IServiceCollection services, string connectionString)
    {
        #region sample_efcore_register
        services.AddTargetTracking()
            .UseSqlite(connectionString)   // or UsePostgreSql(...): the database your DbContext uses
            .AddEntityFrameworkCore();     // DbContextTargetTracking
        #endregion
    }

    #region sample_efcore_transaction
    /// <summary>Records the invoice and closes the deal: both, or neither.</summary>
    public static async Task<Result<Target>> CloseWithInvoiceAsync(
        Func<ShopContext> newContext, DbContextTargetTracking targets, TargetId deal, long version, Invoice invoice, CancellationToken cancellationToken = default)
    {
        await using var db = newContext();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        db.Invoices.Add(invoice);
        await db.SaveChangesAsync(cancellationToken);    // a failure here throws: nothing is committed

        var closed = await targets.Tracker(db).ChangeStatusAsync(deal, version, "Closed", cancellationToken: cancellationToken);
        if (closed.IsSuccess)
        {
            await transaction.CommitAsync(cancellationToken); // the invoice, the status and its history entry together
        }

        return closed; // not committed: disposing the transaction rolls the invoice back too
    }
    #endregion
}
