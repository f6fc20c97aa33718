using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TargetTracking;

/// <summary>
/// The façade hosts call for everyday work: create, read, query, update, change status, delete, history
/// and bulk. Every write validates, checks the version it names, runs through the pipeline, and writes
/// the change and its history entry in one transaction. Expected failures come back as
/// <see cref="TargetError"/> values; nothing is written when one is returned. Thread-safe.
/// </summary>
public sealed class TargetTracker
{
    private readonly ITargetRepository _repository;

    // The store as registered, in every tenant: ForTenant views it through one.
    private readonly ITargetRepository _store;
    private readonly ITenantAccessor? _tenantAccessor;

    // The tenant this tracker is pinned to, if any.
    private readonly string? _pinned;
    private readonly TargetWriter _writer;
    private readonly TargetTrackingOptions _options;
    private readonly TimeProvider _time;
    private readonly IAuditContextAccessor? _auditAccessor;
    private readonly ILogger<TargetTracker>? _logger;

    /// <summary>Initializes a new instance. Hosts normally resolve it from DI (<c>AddTargetTracking</c>).</summary>
    /// <param name="repository">The store.</param>
    /// <param name="options">The validated options.</param>
    /// <param name="timeProvider">The clock; <see langword="null"/> for the system clock.</param>
    /// <param name="auditAccessor">Supplies the audit context when a call passes none.</param>
    /// <param name="logger">Logs retried transient failures.</param>
    /// <param name="tenantAccessor">
    /// Supplies the tenant of each call (<see cref="ITenantAccessor"/>); without it, and without
    /// <see cref="TenancyOptions.Required"/>, every call works in <see cref="TenantIds.Default"/>.
    /// </param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    /// <exception cref="NotSupportedException">Tenancy is asked for and the store holds one tenant only (it does not implement <see cref="ITenantStore"/>).</exception>
    public TargetTracker(
        ITargetRepository repository,
        TargetTrackingOptions options,
        TimeProvider? timeProvider = null,
        IAuditContextAccessor? auditAccessor = null,
        ILogger<TargetTracker>? logger = null,
        ITenantAccessor? tenantAccessor = null)
        : this(repository, null, options, timeProvider, auditAccessor, logger, tenantAccessor)
    {
    }

    /// <summary>A tracker over <paramref name="store"/>, seen through <paramref name="pinned"/> when given, else as the options and accessor say.</summary>
    private TargetTracker(
        ITargetRepository store,
        string? pinned,
        TargetTrackingOptions options,
        TimeProvider? timeProvider,
        IAuditContextAccessor? auditAccessor,
        ILogger<TargetTracker>? logger,
        ITenantAccessor? tenantAccessor)
    {
        var repository = store;
        Guard.Against.Null(repository);
        Guard.Against.Null(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException(nameof(TargetTrackingOptions), typeof(TargetTrackingOptions), problems);
        }

        _store = store;
        _tenantAccessor = tenantAccessor;
        _pinned = pinned;
        _repository = Scope(store, pinned, options.Tenancy.Required, tenantAccessor);
        repository = _repository;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _auditAccessor = auditAccessor;
        _logger = logger;
        Pipeline = new StatusStateMachine(options.Pipeline);
        _writer = new TargetWriter(repository, Pipeline, options, _time, (ILogger?)logger ?? NullLogger.Instance, () => MetricsTenant);
    }

    /// <summary>Gets the status state machine: allowed moves, next statuses, Mermaid graph.</summary>
    public StatusStateMachine Pipeline { get; }

    /// <summary>
    /// Returns a tracker with the same options, clock, audit accessor and logger over another store, for example one
    /// whose writes run inside a host's own transaction (<c>Linq2DbTargetStore.InHostTransaction</c>).
    /// </summary>
    /// <param name="repository">The store to use.</param>
    /// <returns>The new tracker; this one is unchanged.</returns>
    public TargetTracker WithRepository(ITargetRepository repository) => new(repository, null, _options, _time, _auditAccessor, _logger, _tenantAccessor);

    /// <summary>
    /// Returns a tracker pinned to one tenant: every call of it, and of the façades built over it (<see cref="TargetHealth"/>,
    /// <see cref="HierarchyTracker"/>, <see cref="TargetReports"/>, <see cref="TargetOperations"/>, <see cref="ChangeFeed"/>,
    /// <see cref="StagnationMonitor"/>), reads and writes that tenant's rows only; the <see cref="ITenantAccessor"/> is not asked.
    /// An id of another tenant's row is not found, exactly as a missing id.
    /// </summary>
    /// <param name="tenant">The tenant (<see cref="TenantIds.IsValid"/>).</param>
    /// <returns>The pinned tracker; this one is unchanged.</returns>
    /// <exception cref="ArgumentException">The tenant id is not valid.</exception>
    /// <exception cref="NotSupportedException">The store holds one tenant only and <paramref name="tenant"/> is not <see cref="TenantIds.Default"/>.</exception>
    public TargetTracker ForTenant(string tenant) => new(_store, TenantIds.Check(tenant), _options, _time, _auditAccessor, _logger, null);

    /// <summary>Creates a target at version 1 and records a <see cref="HistoryAction.Created"/> entry.</summary>
    /// <param name="target">The fields of the new target.</param>
    /// <param name="audit">Who creates it; when <see langword="null"/>, the <see cref="IAuditContextAccessor"/> is asked.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The created target, or <see cref="InvalidInputError"/> or <see cref="UnknownStatusError"/>.</returns>
    /// <exception cref="TargetStoreUnavailableException">The store kept failing with transient errors after every retry; it says what happened.</exception>
    public async Task<Result<Target>> CreateAsync(NewTarget target, AuditContext? audit = null, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(target);
        return Single(await _writer.ExecuteAsync([new CreateCommand(TargetId.New(_time), target)], BulkMode.AllOrNothing, ResolveAudit(audit), null, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Creates many targets in one transaction.</summary>
    /// <param name="targets">The targets to create (at most <see cref="TargetTrackingOptions.MaxBulkItems"/>).</param>
    /// <param name="mode">All-or-nothing (the default), or partial: valid targets are created, invalid ones report their error.</param>
    /// <param name="audit">Who creates them.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>One outcome per target, in order; each outcome carries the created target.</returns>
    /// <exception cref="TargetStoreUnavailableException">The store kept failing with transient errors after every retry; it says what happened.</exception>
    public Task<BulkResult> CreateManyAsync(IEnumerable<NewTarget> targets, BulkMode mode = BulkMode.AllOrNothing, AuditContext? audit = null, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(targets);
        var bulk = BeginBulk();
        foreach (var target in targets)
        {
            bulk.Create(target);
        }

        return bulk.CommitAsync(mode, audit, cancellationToken);
    }

    /// <summary>Reads one target.</summary>
    /// <param name="id">The target.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The target, or <see cref="NotFoundError"/>.</returns>
    /// <exception cref="TargetStoreUnavailableException">The store kept failing with transient errors after every retry; it says what happened.</exception>
    public async Task<Result<Target>> GetAsync(TargetId id, CancellationToken cancellationToken = default)
    {
        var target = await _writer.ReadAsync(ct => _repository.GetAsync(id, ct), cancellationToken).ConfigureAwait(false);
        return target is null ? new NotFoundError(id) : target;
    }

    /// <summary>Queries targets by status (Not Set included), market and name text, sorted and paged.</summary>
    /// <param name="query">The query; <see langword="null"/> for the first page of all targets.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The page and the total count of matches.</returns>
    /// <remarks>
    /// Statuses match ignoring case, stored data included: targets stored as <c>Hot</c> are found after the pipeline renamed
    /// the status <c>hot</c>. A status the pipeline no longer has can be filtered by while targets are stored in it.
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// A status filter is neither configured nor stored, filter text holds a NUL or an unpaired surrogate
    /// (<see cref="TargetRules.ValidateFilter"/>), or paging is out of range.
    /// </exception>
    /// <exception cref="TargetStoreUnavailableException">The store kept failing with transient errors after every retry; it says what happened.</exception>
    public async Task<TargetPage> QueryAsync(TargetQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new TargetQuery();
        Guard.Against.OutOfRange(query.Skip, nameof(query.Skip), 0, int.MaxValue);
        Guard.Against.OutOfRange(query.Take, nameof(query.Take), 1, TargetQuery.MaxTake);
        Guard.Against.EnumOutOfRange(query.SortBy, nameof(query.SortBy));

        var normalized = await NormalizeFilterAsync(query, cancellationToken).ConfigureAwait(false);
        return await _writer.ReadAsync(ct => _repository.QueryAsync(normalized, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Counts the targets in each stored status, as stored: spellings that differ only in case are counted apart, and a status
    /// the pipeline no longer has is listed like any other (<see cref="StatusStateMachine.TryNormalize"/> tells which are configured).
    /// </summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>One count per stored status, Not Set (<see langword="null"/>) first, then by status in ordinal order.</returns>
    /// <exception cref="TargetStoreUnavailableException">The store kept failing with transient errors after every retry; it says what happened.</exception>
    public async Task<IReadOnlyList<StatusCount>> CountByStatusAsync(CancellationToken cancellationToken = default)
    {
        var counts = await _writer.ReadAsync(ct => _repository.CountByStatusAsync(ct), cancellationToken).ConfigureAwait(false);
        return [.. counts.OrderBy(c => c.Status is not null).ThenBy(c => c.Status, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Finds the stored statuses the pipeline does not have (no configured status matches them, ignoring case), with how many
    /// targets are in each: targets stranded by a change of <see cref="PipelineOptions.Statuses"/>. Reads, updates and deletes of
    /// such targets work; single moves out of them get <see cref="StatusNotConfiguredError"/>; a tracked operation moves them
    /// (<see cref="StartOperationRequest.MoveOutOfUnconfiguredStatus"/>). <c>AddTargetTracking</c> logs them at start-up.
    /// </summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The unconfigured stored statuses, in ordinal order; empty when every stored status is configured.</returns>
    /// <exception cref="TargetStoreUnavailableException">The store kept failing with transient errors after every retry; it says what happened.</exception>
    public async Task<IReadOnlyList<StatusCount>> FindUnconfiguredStatusesAsync(CancellationToken cancellationToken = default) =>
        [.. (await CountByStatusAsync(cancellationToken).ConfigureAwait(false)).Where(c => !Pipeline.TryNormalize(c.Status, out _))];

    /// <summary>Replaces name, description and markets, and records an <see cref="HistoryAction.Updated"/> entry. An update that changes nothing is a no-op.</summary>
    /// <param name="id">The target.</param>
    /// <param name="expectedVersion">The version read.</param>
    /// <param name="update">The new fields.</param>
    /// <param name="audit">Who updates it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The updated target, or <see cref="NotFoundError"/>, <see cref="VersionConflictError"/>, <see cref="InvalidInputError"/>.</returns>
    /// <exception cref="TargetStoreUnavailableException">The store kept failing with transient errors after every retry; it says what happened.</exception>
    public async Task<Result<Target>> UpdateAsync(TargetId id, long expectedVersion, TargetUpdate update, AuditContext? audit = null, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(update);
        return Single(await _writer.ExecuteAsync([new UpdateCommand(id, expectedVersion, update)], BulkMode.AllOrNothing, ResolveAudit(audit), null, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Moves a target to another status through the state machine and records a <see cref="HistoryAction.StatusChanged"/> entry. A move to the current status is a no-op.</summary>
    /// <param name="id">The target.</param>
    /// <param name="expectedVersion">The version read.</param>
    /// <param name="status">The new status, matched ignoring case; Not Set is <see langword="null"/>, <see cref="PipelineOptions.NotSet"/> or "Not Set".</param>
    /// <param name="audit">Who moves it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The target after the move, or <see cref="NotFoundError"/>, <see cref="VersionConflictError"/>, <see cref="UnknownStatusError"/>, <see cref="TransitionNotAllowedError"/>.</returns>
    /// <exception cref="TargetStoreUnavailableException">The store kept failing with transient errors after every retry; it says what happened.</exception>
    public Task<Result<Target>> ChangeStatusAsync(TargetId id, long expectedVersion, string? status, AuditContext? audit = null, CancellationToken cancellationToken = default) =>
        ChangeStatusAsync(id, expectedVersion, status, (LostReason?)null, audit, cancellationToken);

    /// <summary>
    /// Moves a target to another status, giving why it was lost: a move into a closed-lost status needs a reason from
    /// <see cref="PipelineOptions.LostReasons"/> when any is configured, and no other move takes one. The code is recorded in the
    /// entry's <see cref="HistoryEntry.Reason"/>, the free text in its <see cref="HistoryEntry.Note"/>.
    /// </summary>
    /// <param name="id">The target.</param>
    /// <param name="expectedVersion">The version read.</param>
    /// <param name="status">The new status, matched ignoring case; Not Set is <see langword="null"/>, <see cref="PipelineOptions.NotSet"/> or "Not Set".</param>
    /// <param name="reason">Why the target was lost; <see langword="null"/> for a move that needs no reason.</param>
    /// <param name="audit">Who moves it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>
    /// The target after the move, or <see cref="LostReasonError"/> (nothing written), <see cref="NotFoundError"/>, <see cref="VersionConflictError"/>,
    /// <see cref="UnknownStatusError"/>, <see cref="TransitionNotAllowedError"/>.
    /// </returns>
    /// <exception cref="TargetStoreUnavailableException">The store kept failing with transient errors after every retry; it says what happened.</exception>
    public async Task<Result<Target>> ChangeStatusAsync(TargetId id, long expectedVersion, string? status, LostReason? reason, AuditContext? audit = null, CancellationToken cancellationToken = default) =>
        Single(await _writer.ExecuteAsync([new ChangeStatusCommand(id, expectedVersion, status, reason)], BulkMode.AllOrNothing, ResolveAudit(audit), null, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Moves a target to another status, recording when the move really took effect (a deal that moved last Tuesday, recorded
    /// today): the entry keeps both times (<see cref="HistoryEntry.OccurredAt"/> now, <see cref="HistoryEntry.EffectiveAt"/> as
    /// given) and the target's <see cref="Target.StatusChangedAt"/> is the effective time. The change is appended after every
    /// entry the target has, never a rewrite of them. A move to the current status is a no-op.
    /// </summary>
    /// <param name="id">The target.</param>
    /// <param name="expectedVersion">The version read.</param>
    /// <param name="status">The new status, matched ignoring case; Not Set is <see langword="null"/>, <see cref="PipelineOptions.NotSet"/> or "Not Set".</param>
    /// <param name="effectiveAt">
    /// When the move took effect (kept in UTC, to the microsecond): not after now, not before the target's previous effective change
    /// (<see cref="Target.StatusChangedAt"/>, or <see cref="Target.CreatedAt"/>).
    /// </param>
    /// <param name="audit">Who moves it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>
    /// The target after the move, or <see cref="NotFoundError"/>, <see cref="VersionConflictError"/>, <see cref="UnknownStatusError"/>,
    /// <see cref="TransitionNotAllowedError"/>, <see cref="EffectiveTimeOutOfRangeError"/> (naming the bound).
    /// </returns>
    /// <exception cref="TargetStoreUnavailableException">The store kept failing with transient errors after every retry; it says what happened.</exception>
    public async Task<Result<Target>> ChangeStatusAsync(TargetId id, long expectedVersion, string? status, DateTimeOffset effectiveAt, AuditContext? audit = null, CancellationToken cancellationToken = default) =>
        Single(await _writer.ExecuteAsync([new ChangeStatusCommand(id, expectedVersion, status, EffectiveAt: effectiveAt)], BulkMode.AllOrNothing, ResolveAudit(audit), null, cancellationToken).ConfigureAwait(false));

    /// <summary>Deletes a target; its history is kept with a <see cref="HistoryAction.Deleted"/> entry, or purged under <see cref="DeletePolicy.PurgeHistory"/>.</summary>
    /// <param name="id">The target.</param>
    /// <param name="expectedVersion">The version read.</param>
    /// <param name="audit">Who deletes it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The target as it was, or <see cref="NotFoundError"/>, <see cref="VersionConflictError"/>.</returns>
    /// <exception cref="TargetStoreUnavailableException">The store kept failing with transient errors after every retry; it says what happened.</exception>
    public async Task<Result<Target>> DeleteAsync(TargetId id, long expectedVersion, AuditContext? audit = null, CancellationToken cancellationToken = default) =>
        Single(await _writer.ExecuteAsync([new DeleteCommand(id, expectedVersion)], BulkMode.AllOrNothing, ResolveAudit(audit), null, cancellationToken).ConfigureAwait(false));

    /// <summary>Reads a target's history, newest first, a page at a time (pass the last version read as <see cref="HistoryPageRequest.BeforeVersion"/>).</summary>
    /// <param name="id">The target; the history of a deleted target stays readable.</param>
    /// <param name="page">The page; <see langword="null"/> for the newest 50 entries.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries, newest first.</returns>
    /// <exception cref="TargetStoreUnavailableException">The store kept failing with transient errors after every retry; it says what happened.</exception>
    public Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(TargetId id, HistoryPageRequest? page = null, CancellationToken cancellationToken = default)
    {
        page ??= new HistoryPageRequest();
        Guard.Against.OutOfRange(page.Limit, nameof(page.Limit), 1, 1000);
        return _writer.ReadAsync(ct => _repository.GetHistoryAsync(id, page, ct), cancellationToken);
    }

    /// <summary>
    /// Reads the history of every target since a point in time, oldest first, for reports by time. Do not follow changes
    /// with it: <see cref="HistoryEntry.OccurredAt"/> is taken before the commit, so a unit of work that decided first and
    /// committed last lands behind a reader that already moved past its time. Follow changes with <see cref="ChangeFeed"/>.
    /// </summary>
    /// <param name="request">Where to start and how many.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries, ordered by time then entry id.</returns>
    /// <exception cref="TargetStoreUnavailableException">The store kept failing with transient errors after every retry; it says what happened.</exception>
    public Task<IReadOnlyList<HistoryEntry>> GetHistoryFeedAsync(HistoryFeedRequest request, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(request);
        Guard.Against.OutOfRange(request.Limit, nameof(request.Limit), 1, 1000);
        return _writer.ReadAsync(ct => _repository.GetHistoryFeedAsync(request, ct), cancellationToken);
    }

    /// <summary>Starts a bulk unit of work.</summary>
    /// <returns>An empty unit of work.</returns>
    public BulkUpdate BeginBulk() => new(_writer, _time, _options.MaxBulkItems, ResolveAudit);

    /// <summary>
    /// Brings a filter to the form stores expect: configured status spellings (a status the pipeline no longer has stays as
    /// given, when targets are stored in it), normalized search text.
    /// </summary>
    /// <exception cref="ArgumentException">A status is neither configured nor stored, or filter text is not storable (<see cref="TargetRules.ValidateFilter"/>).</exception>
    internal async Task<TargetQuery> NormalizeFilterAsync(TargetQuery query, CancellationToken cancellationToken)
    {
        if (TargetRules.ValidateFilter(query) is { } invalid)
        {
            throw new ArgumentException(invalid.Message, nameof(query));
        }

        List<string?>? statuses = null;
        IReadOnlyList<StatusCount>? stored = null;
        if (query.Statuses is not null)
        {
            statuses = [];
            foreach (var status in query.Statuses)
            {
                string? canonical;
                if (!Pipeline.TryNormalize(status, out canonical))
                {
                    // Not configured: a filter by it is still valid while targets are stored in it (they were stranded by a pipeline change).
                    stored ??= await _writer.ReadAsync(ct => _repository.CountByStatusAsync(ct), cancellationToken).ConfigureAwait(false);
                    canonical = stored.Any(s => StatusStateMachine.SameStatus(s.Status, status))
                        ? status
                        : Pipeline.NormalizeArgument(status, nameof(query), $"'{status}' is not a pipeline status. Known statuses: {string.Join(", ", Pipeline.Statuses)}.");
                }

                if (!statuses.Any(s => StatusStateMachine.SameStatus(s, canonical)))
                {
                    statuses.Add(canonical);
                }
            }
        }

        return query with
        {
            Statuses = statuses?.AsReadOnly(),
            Market = string.IsNullOrWhiteSpace(query.Market) ? null : TextSearch.Normalize(query.Market.Trim()),
            NameContains = string.IsNullOrEmpty(query.NameContains) ? null : TextSearch.Normalize(query.NameContains),
            Currency = query.Currency?.ToUpperInvariant(),
        };
    }

    internal ITargetRepository Repository => _repository;

    /// <summary>Gets the store in every tenant, for the all-tenants members (the back office feed, the operation runner).</summary>
    internal ITargetRepository Store => _store;

    /// <summary>
    /// The one rule of where a call's tenant comes from: a pinned tenant; else the accessor's (none is an error where
    /// tenancy is required, otherwise the default tenant); else, where tenancy is required, an error; else the store as it is.
    /// </summary>
    private static ITargetRepository Scope(ITargetRepository store, string? pinned, bool required, ITenantAccessor? accessor)
    {
        Guard.Against.Null(store);
        if (pinned is null && accessor is null && !required)
        {
            return store;
        }

        if (store is not ITenantStore tenants)
        {
            return pinned == TenantIds.Default
                ? store
                : throw new NotSupportedException($"The store {store.GetType().Name} holds one tenant only (it does not implement {nameof(ITenantStore)}), so it cannot be seen through a tenant.");
        }

        if (pinned is not null)
        {
            return tenants.ForTenant(() => pinned);
        }

        return tenants.ForTenant(() => accessor?.Tenant switch
        {
            { } tenant => TenantIds.Check(tenant),
            null when required => throw new TenantRequiredException(),
            null => TenantIds.Default,
        });
    }

    /// <summary>
    /// Tells whether the store implements a storage port (<see cref="IReportStore"/>, <see cref="IHierarchyStore"/>, …). This
    /// is the one rule for a capability a store lacks: every store TargetTracking ships implements every port (a linq2db store
    /// seen through a host's transaction too), and a member of a façade (<see cref="TargetReports"/>, <see cref="HierarchyTracker"/>,
    /// <see cref="TargetOperations"/>, <see cref="ChangeFeed"/>, <see cref="TargetHealth"/>, <see cref="StagnationMonitor"/>)
    /// that needs a port the store lacks throws <see cref="NotSupportedException"/> naming both, before it touches the store.
    /// </summary>
    /// <typeparam name="TPort">The port, from <c>TargetTracking.Storage</c>.</typeparam>
    /// <returns><see langword="true"/> when the store implements it.</returns>
    public bool Supports<TPort>()
        where TPort : class => _repository is TPort;

    /// <summary>Gets the store as a port a member needs; see <see cref="Supports{TPort}"/>.</summary>
    /// <exception cref="NotSupportedException">The store does not implement the port.</exception>
    internal TPort Port<TPort>()
        where TPort : class =>
        _repository as TPort
        ?? throw new NotSupportedException($"The store {_repository.GetType().Name} does not implement {typeof(TPort).Name}, which this needs (every store TargetTracking ships implements it).");

    internal TargetWriter Writer => _writer;

    /// <summary>Gets the tenant this tracker is pinned to (<see cref="ForTenant"/>), or <see langword="null"/>.</summary>
    internal string? Pinned => _pinned;

    /// <summary>
    /// Gets the tenant the metrics of the current call are tagged with (<see cref="TargetTrackingTelemetry.TenantTag"/>), or
    /// <see langword="null"/> when the host switched the tag off (<see cref="TenancyOptions.TagMetrics"/>). Read after the call
    /// reached the store, so it names the tenant the call worked in; an accessor's missing or invalid tenant tags nothing.
    /// </summary>
    internal string? MetricsTenant =>
        !_options.Tenancy.TagMetrics ? null
        : _pinned is not null ? _pinned
        : _tenantAccessor is null ? TenantIds.Default
        : _tenantAccessor.Tenant is { } tenant ? (TenantIds.IsValid(tenant) ? tenant : null)
        : _options.Tenancy.Required ? null : TenantIds.Default;

    /// <summary>Gets the tenant a call of this tracker works in now: the pinned one, the accessor's, or the default tenant (the rule of <see cref="Scope"/>).</summary>
    internal string CurrentTenant =>
        _pinned
        ?? (_tenantAccessor?.Tenant is { } tenant ? TenantIds.Check(tenant)
            : _options.Tenancy.Required ? throw new TenantRequiredException()
            : TenantIds.Default);

    internal TimeProvider Time => _time;

    internal TargetTrackingOptions Options => _options;

    internal AuditContext ResolveAudit(AuditContext? audit) => audit ?? _auditAccessor?.Current ?? AuditContext.Anonymous;

    private static Result<Target> Single(BulkResult result)
    {
        var item = result.Items[0];
        return item.Error is { } error ? error : item.Target!;
    }
}
