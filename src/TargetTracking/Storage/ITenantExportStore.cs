namespace TargetTracking.Storage;

/// <summary>
/// The storage port of a tenant's export: every row of the view's tenant, streamed in pages read by key (keyset), so memory
/// holds one page however large the tenant. Targets first, then their history, goals, sprints and commitments, their links
/// and history, and tracked operations with their items and failures; stays are derived from the history and not exported.
/// </summary>
public interface ITenantExportStore
{
    /// <summary>Streams every row of the current call's tenant, asking the tenant once.</summary>
    /// <param name="cancellationToken">Cancels the export.</param>
    /// <returns>The rows, each with its kind.</returns>
    IAsyncEnumerable<TenantRecord> ExportAsync(CancellationToken cancellationToken = default);
}
