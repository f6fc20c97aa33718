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
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    public TargetTracker(
        ITargetRepository repository,
        TargetTrackingOptions options,
        TimeProvider? timeProvider = null,
        IAuditContextAccessor? auditAccessor = null,
        ILogger<TargetTracker>? logger = null)
    {
        Guard.Against.Null(repository);
        Guard.Against.Null(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException(nameof(TargetTrackingOptions), typeof(TargetTrackingOptions), problems);
        }

        _repository = repository;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _auditAccessor = auditAccessor;
        _logger = logger;
        Pipeline = new StatusStateMachine(options.Pipeline);
        _writer = new TargetWriter(repository, Pipeline, options, _time, (ILogger?)logger ?? NullLogger.Instance);
    }

    /// <summary>Gets the status state machine: allowed moves, next statuses, Mermaid graph.</summary>
    public StatusStateMachine Pipeline { get; }

    /// <summary>
    /// Returns a tracker with the same options, clock, audit accessor and logger over another store, for example one
    /// whose writes run inside a host's own transaction (<c>Linq2DbTargetStore.InHostTransaction</c>).
    /// </summary>
    /// <param name="repository">The store to use.</param>
    /// <returns>The new tracker; this one is unchanged.</returns>
    public TargetTracker WithRepository(ITargetRepository repository) => new(repository, _options, _time, _auditAccessor, _logger);

    /// <summary>Creates a target at version 1 and records a <see cref="HistoryAction.Created"/> entry.</summary>
    /// <param name="target">The fields of the new target.</param>
    /// <param name="audit">Who creates it; when <see langword="null"/>, the <see cref="IAuditContextAccessor"/> is asked.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The created target, or <see cref="InvalidInputError"/> or <see cref="UnknownStatusError"/>.</returns>
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
    public async Task<Result<Target>> GetAsync(TargetId id, CancellationToken cancellationToken = default)
    {
        var target = await _repository.GetAsync(id, cancellationToken).ConfigureAwait(false);
        return target is null ? new NotFoundError(id) : target;
    }

    /// <summary>Queries targets by status (Not Set included), market and name text, sorted and paged.</summary>
    /// <param name="query">The query; <see langword="null"/> for the first page of all targets.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The page and the total count of matches.</returns>
    /// <exception cref="ArgumentException">
    /// A status filter is not a configured status, filter text holds a NUL or an unpaired surrogate (<see cref="TargetRules.ValidateFilter"/>),
    /// or paging is out of range.
    /// </exception>
    public Task<TargetPage> QueryAsync(TargetQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new TargetQuery();
        Guard.Against.OutOfRange(query.Skip, nameof(query.Skip), 0, int.MaxValue);
        Guard.Against.OutOfRange(query.Take, nameof(query.Take), 1, TargetQuery.MaxTake);
        Guard.Against.EnumOutOfRange(query.SortBy, nameof(query.SortBy));

        var normalized = NormalizeFilter(query);
        return _repository.QueryAsync(normalized, cancellationToken);
    }

    /// <summary>Replaces name, description and markets, and records an <see cref="HistoryAction.Updated"/> entry. An update that changes nothing is a no-op.</summary>
    /// <param name="id">The target.</param>
    /// <param name="expectedVersion">The version read.</param>
    /// <param name="update">The new fields.</param>
    /// <param name="audit">Who updates it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The updated target, or <see cref="NotFoundError"/>, <see cref="VersionConflictError"/>, <see cref="InvalidInputError"/>.</returns>
    public async Task<Result<Target>> UpdateAsync(TargetId id, long expectedVersion, TargetUpdate update, AuditContext? audit = null, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(update);
        return Single(await _writer.ExecuteAsync([new UpdateCommand(id, expectedVersion, update)], BulkMode.AllOrNothing, ResolveAudit(audit), null, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Moves a target to another status through the state machine and records a <see cref="HistoryAction.StatusChanged"/> entry. A move to the current status is a no-op.</summary>
    /// <param name="id">The target.</param>
    /// <param name="expectedVersion">The version read.</param>
    /// <param name="status">The new status; <see langword="null"/> is Not Set. Matched ignoring case.</param>
    /// <param name="audit">Who moves it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The target after the move, or <see cref="NotFoundError"/>, <see cref="VersionConflictError"/>, <see cref="UnknownStatusError"/>, <see cref="TransitionNotAllowedError"/>.</returns>
    public async Task<Result<Target>> ChangeStatusAsync(TargetId id, long expectedVersion, string? status, AuditContext? audit = null, CancellationToken cancellationToken = default) =>
        Single(await _writer.ExecuteAsync([new ChangeStatusCommand(id, expectedVersion, status)], BulkMode.AllOrNothing, ResolveAudit(audit), null, cancellationToken).ConfigureAwait(false));

    /// <summary>Deletes a target; its history is kept with a <see cref="HistoryAction.Deleted"/> entry, or purged under <see cref="DeletePolicy.PurgeHistory"/>.</summary>
    /// <param name="id">The target.</param>
    /// <param name="expectedVersion">The version read.</param>
    /// <param name="audit">Who deletes it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The target as it was, or <see cref="NotFoundError"/>, <see cref="VersionConflictError"/>.</returns>
    public async Task<Result<Target>> DeleteAsync(TargetId id, long expectedVersion, AuditContext? audit = null, CancellationToken cancellationToken = default) =>
        Single(await _writer.ExecuteAsync([new DeleteCommand(id, expectedVersion)], BulkMode.AllOrNothing, ResolveAudit(audit), null, cancellationToken).ConfigureAwait(false));

    /// <summary>Reads a target's history, newest first, a page at a time (pass the last version read as <see cref="HistoryPageRequest.BeforeVersion"/>).</summary>
    /// <param name="id">The target; the history of a deleted target stays readable.</param>
    /// <param name="page">The page; <see langword="null"/> for the newest 50 entries.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries, newest first.</returns>
    public Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(TargetId id, HistoryPageRequest? page = null, CancellationToken cancellationToken = default)
    {
        page ??= new HistoryPageRequest();
        Guard.Against.OutOfRange(page.Limit, nameof(page.Limit), 1, 1000);
        return _repository.GetHistoryAsync(id, page, cancellationToken);
    }

    /// <summary>Reads the history of every target since a point in time, oldest first, for feeds and reports.</summary>
    /// <param name="request">Where to start and how many.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries, ordered by time then entry id.</returns>
    public Task<IReadOnlyList<HistoryEntry>> GetHistoryFeedAsync(HistoryFeedRequest request, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(request);
        Guard.Against.OutOfRange(request.Limit, nameof(request.Limit), 1, 1000);
        return _repository.GetHistoryFeedAsync(request, cancellationToken);
    }

    /// <summary>Starts a bulk unit of work.</summary>
    /// <returns>An empty unit of work.</returns>
    public BulkUpdate BeginBulk() => new(_writer, _time, _options.MaxBulkItems, ResolveAudit);

    /// <summary>Brings a filter to the form stores expect: configured status spellings, normalized search text.</summary>
    /// <exception cref="ArgumentException">A status is not configured, or filter text is not storable (<see cref="TargetRules.ValidateFilter"/>).</exception>
    internal TargetQuery NormalizeFilter(TargetQuery query)
    {
        if (TargetRules.ValidateFilter(query) is { } invalid)
        {
            throw new ArgumentException(invalid.Message, nameof(query));
        }

        List<string?>? statuses = null;
        if (query.Statuses is not null)
        {
            statuses = [];
            foreach (var status in query.Statuses)
            {
                var canonical = Pipeline.NormalizeArgument(status, nameof(query), $"'{status}' is not a pipeline status. Known statuses: {string.Join(", ", Pipeline.Statuses)}.");
                if (!statuses.Contains(canonical))
                {
                    statuses.Add(canonical);
                }
            }
        }

        return query with
        {
            Statuses = statuses,
            Market = string.IsNullOrWhiteSpace(query.Market) ? null : TextSearch.Normalize(query.Market.Trim()),
            NameContains = string.IsNullOrEmpty(query.NameContains) ? null : TextSearch.Normalize(query.NameContains),
        };
    }

    internal ITargetRepository Repository => _repository;

    internal TargetWriter Writer => _writer;

    internal TargetTrackingOptions Options => _options;

    internal AuditContext ResolveAudit(AuditContext? audit) => audit ?? _auditAccessor?.Current ?? AuditContext.Anonymous;

    private static Result<Target> Single(BulkResult result)
    {
        var item = result.Items[0];
        return item.Error is { } error ? error : item.Target!;
    }
}
