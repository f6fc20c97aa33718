using Ardalis.GuardClauses;
using LinqToDB;
using LinqToDB.Async;

namespace TargetTracking.Linq2Db;

/// <summary>
/// Erasing personal data (<see cref="IErasureStore"/>, migrations PostgreSQL 0018, SQLite and MariaDB 0017): in a write
/// session's transaction, the target rows (which the run-time role may write) through LINQ, then the history and the record
/// through the dialect's privileged path (<see cref="DialectWriter.EraseHistoryAsync"/>), the only one that may update history.
/// </summary>
public sealed partial class Linq2DbTargetStore : IErasureStore
{
    private static readonly string ErasedNameNorm = TextSearch.Normalize(Erasure.ErasedName);

    /// <inheritdoc />
    public async Task<Erasure> EraseAsync(Erasure erasure, string? actorId, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(erasure);
        if (erasure.Subject == ErasureSubject.Actor)
        {
            Guard.Against.NullOrWhiteSpace(actorId);
        }

        var session = (Linq2DbWriteSession)await BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var db = session.Connection;
            var targets = db.GetTable<TargetRecord>();
            long changed;
            if (erasure.Subject == ErasureSubject.Actor)
            {
                changed = await targets.Where(t => t.OwnerId == actorId).Set(t => t.OwnerId, (string?)null).UpdateAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var id = erasure.TargetId?.Value;
                changed = await targets.Where(t => t.Id == id)
                    .Set(t => t.Name, Erasure.ErasedName)
                    .Set(t => t.NameNorm, ErasedNameNorm)
                    .Set(t => t.Description, (string?)null)
                    .UpdateAsync(cancellationToken).ConfigureAwait(false);
            }

            var recorded = erasure with { Tenant = db.TenantOf(), Targets = changed };
            var entries = await db.DialectOf().Writer.EraseHistoryAsync(db, recorded, erasure.Subject == ErasureSubject.Actor ? actorId : null, cancellationToken).ConfigureAwait(false);
            await session.CommitAsync(cancellationToken).ConfigureAwait(false);
            return recorded with { Entries = entries };
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Erasure>> GetErasuresAsync(CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<Erasure>>(
            async db => [.. (await db.GetTable<ErasureRecord>().OrderBy(e => e.ErasedAt).ThenBy(e => e.Id).ToListAsync(cancellationToken).ConfigureAwait(false)).Select(e => e.ToErasure())],
            cancellationToken);
}
