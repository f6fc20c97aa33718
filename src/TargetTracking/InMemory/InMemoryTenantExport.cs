using System.Runtime.CompilerServices;

namespace TargetTracking.InMemory;

/// <summary>The export of a tenant (<see cref="ITenantExportStore"/>): the model streams its tenant's snapshot, in key order.</summary>
public sealed partial class InMemoryTargetStore : ITenantExportStore
{
    /// <inheritdoc />
    public async IAsyncEnumerable<TenantRecord> ExportAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var state = Volatile.Read(ref Here.State);
        IEnumerable<TenantRecord> rows =
        [
            .. state.Targets.Values.OrderBy(t => t.Id).Select(t => new TenantRecord(TenantRecordKinds.Target, t)),
            .. state.History.Values.SelectMany(h => h).OrderBy(h => h.Id).Select(h => new TenantRecord(TenantRecordKinds.History, h)),
            .. state.Items.Values.OrderBy(i => i.Id).Select(i => new TenantRecord(TenantRecordKinds.Item, i)),
            .. state.Links.Values.OrderBy(l => l.TargetId).ThenBy(l => l.ItemId).Select(l => new TenantRecord(TenantRecordKinds.Link, l)),
            .. state.ItemHistory.Values.SelectMany(h => h).OrderBy(h => h.Id).Select(h => new TenantRecord(TenantRecordKinds.ItemHistory, h)),
            .. state.Operations.Values.OrderBy(o => o.Operation.Id, StringComparer.Ordinal).Select(o => new TenantRecord(TenantRecordKinds.Operation, o.Operation)),
            .. state.Operations.Values.OrderBy(o => o.Operation.Id, StringComparer.Ordinal)
                .SelectMany(o => o.Items.Select(id => new TenantRecord(TenantRecordKinds.OperationItem, new OperationItem(o.Operation.Id, id)))),
            .. state.Operations.Values.OrderBy(o => o.Operation.Id, StringComparer.Ordinal)
                .SelectMany(o => o.Failures.Select(f => new TenantRecord(TenantRecordKinds.OperationFailure, f))),
        ];
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return row;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }
}
