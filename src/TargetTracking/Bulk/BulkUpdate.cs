namespace TargetTracking;

/// <summary>
/// A bulk unit of work: collect changes, each naming the version it read, then commit them in one
/// transaction, all-or-nothing or partial. Items apply in the order added, so two changes to one
/// target chain (the second names the version the first produces). Not thread-safe; use once.
/// </summary>
public sealed class BulkUpdate
{
    private readonly TargetWriter _writer;
    private readonly TimeProvider _time;
    private readonly int _maxItems;
    private readonly Func<AuditContext?, AuditContext> _resolveAudit;
    private readonly List<WriteCommand> _commands = [];
    private bool _committed;

    internal BulkUpdate(TargetWriter writer, TimeProvider time, int maxItems, Func<AuditContext?, AuditContext> resolveAudit)
    {
        _resolveAudit = resolveAudit;
        _writer = writer;
        _time = time;
        _maxItems = maxItems;
    }

    /// <summary>Gets how many items the unit of work holds.</summary>
    public int Count => _commands.Count;

    /// <summary>Adds a status change.</summary>
    /// <param name="id">The target.</param>
    /// <param name="expectedVersion">The version read.</param>
    /// <param name="status">The new status, matched ignoring case; Not Set is <see langword="null"/>, <see cref="PipelineOptions.NotSet"/> or "Not Set".</param>
    /// <returns>This unit of work, for chaining.</returns>
    public BulkUpdate ChangeStatus(TargetId id, long expectedVersion, string? status) => Add(new ChangeStatusCommand(id, expectedVersion, status));

    /// <summary>Adds a status change that gives why the target was lost (<see cref="PipelineOptions.LostReasons"/>).</summary>
    /// <param name="id">The target.</param>
    /// <param name="expectedVersion">The version read.</param>
    /// <param name="status">The new status.</param>
    /// <param name="reason">Why it was lost; an item without a reason that needs one fails with <see cref="LostReasonError"/>.</param>
    /// <returns>This unit of work, for chaining.</returns>
    public BulkUpdate ChangeStatus(TargetId id, long expectedVersion, string? status, LostReason? reason) => Add(new ChangeStatusCommand(id, expectedVersion, status, reason));

    /// <summary>Adds a status change that took effect at <paramref name="effectiveAt"/> (<see cref="TargetTracker.ChangeStatusAsync(TargetId, long, string?, DateTimeOffset, AuditContext?, CancellationToken)"/>).</summary>
    /// <param name="id">The target.</param>
    /// <param name="expectedVersion">The version read.</param>
    /// <param name="status">The new status, matched ignoring case; Not Set is <see langword="null"/>, <see cref="PipelineOptions.NotSet"/> or "Not Set".</param>
    /// <param name="effectiveAt">When it took effect: not after now, not before the target's previous effective change (an earlier item of this unit counts).</param>
    /// <returns>This unit of work, for chaining.</returns>
    public BulkUpdate ChangeStatus(TargetId id, long expectedVersion, string? status, DateTimeOffset effectiveAt) => Add(new ChangeStatusCommand(id, expectedVersion, status, EffectiveAt: effectiveAt));

    /// <summary>Adds a field update.</summary>
    /// <param name="id">The target.</param>
    /// <param name="expectedVersion">The version read.</param>
    /// <param name="update">The new fields.</param>
    /// <returns>This unit of work, for chaining.</returns>
    public BulkUpdate Update(TargetId id, long expectedVersion, TargetUpdate update)
    {
        Guard.Against.Null(update);
        return Add(new UpdateCommand(id, expectedVersion, update));
    }

    /// <summary>Adds a create; the id of the new target is created now.</summary>
    /// <param name="target">The target to create.</param>
    /// <returns>The id the target will have.</returns>
    public TargetId Create(NewTarget target)
    {
        Guard.Against.Null(target);
        var id = TargetId.New(_time);
        Add(new CreateCommand(id, target));
        return id;
    }

    /// <summary>Adds a delete.</summary>
    /// <param name="id">The target.</param>
    /// <param name="expectedVersion">The version read.</param>
    /// <returns>This unit of work, for chaining.</returns>
    public BulkUpdate Delete(TargetId id, long expectedVersion) => Add(new DeleteCommand(id, expectedVersion));

    /// <summary>Commits the unit of work in one transaction.</summary>
    /// <param name="mode">All-or-nothing (the default) or partial.</param>
    /// <param name="audit">Who makes the changes; when <see langword="null"/>, the registered <see cref="IAuditContextAccessor"/> is asked.</param>
    /// <param name="cancellationToken">Cancels the commit; nothing is written when it is cancelled before the transaction commits.</param>
    /// <returns>One outcome per item, in the order added.</returns>
    /// <exception cref="System.ComponentModel.InvalidEnumArgumentException"><paramref name="mode"/> is not a <see cref="BulkMode"/>.</exception>
    /// <exception cref="InvalidOperationException">The unit of work was committed already.</exception>
    /// <exception cref="TargetStoreUnavailableException">The store kept failing with transient errors; nothing was written.</exception>
    public Task<BulkResult> CommitAsync(BulkMode mode = BulkMode.AllOrNothing, AuditContext? audit = null, CancellationToken cancellationToken = default)
    {
        Guard.Against.EnumOutOfRange(mode);
        if (_committed)
        {
            throw new InvalidOperationException("This unit of work was committed already; start a new one.");
        }

        _committed = true;
        return _writer.ExecuteBulkAsync(_commands, mode, _resolveAudit(audit), cancellationToken);
    }

    private BulkUpdate Add(WriteCommand command)
    {
        if (_committed)
        {
            throw new InvalidOperationException("This unit of work was committed already; start a new one.");
        }

        if (_commands.Count >= _maxItems)
        {
            throw new InvalidOperationException($"A unit of work holds at most {_maxItems} items (TargetTrackingOptions.MaxBulkItems).");
        }

        _commands.Add(command);
        return this;
    }
}
