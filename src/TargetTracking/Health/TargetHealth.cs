namespace TargetTracking;

/// <summary>A target that has stayed in its status longer than allowed.</summary>
/// <param name="Target">The target.</param>
/// <param name="InStatusSince">When it entered its status (its creation, when it never moved).</param>
/// <param name="Age">How long it has been there.</param>
public sealed record StagnantTarget(Target Target, DateTimeOffset InStatusSince, TimeSpan Age);

/// <summary>What the last integrity check found.</summary>
/// <param name="ProblemCount">How many problems it found.</param>
/// <param name="CountByKind">How many of each kind.</param>
/// <param name="CheckedAt">When it finished.</param>
public sealed record LastIntegrityCheck(long ProblemCount, IReadOnlyDictionary<IntegrityProblemKind, long> CountByKind, DateTimeOffset CheckedAt);

/// <summary>
/// Checks the health of stored data: the integrity check (set-based in the store, over one consistent snapshot) and
/// its repair, and stagnation detection (targets stuck in a status too long). Run them as maintenance jobs.
/// </summary>
public sealed class TargetHealth
{
    /// <summary>The most problems a report lists unless told otherwise.</summary>
    public const int DefaultMaxProblems = 10_000;

    /// <summary>How many targets one repair unit of work takes at most.</summary>
    internal const int RepairBatch = 1000;

    private static readonly IReadOnlyDictionary<IntegrityProblemKind, long> NoCounts = new Dictionary<IntegrityProblemKind, long>();
    private readonly TargetTracker _tracker;
    private readonly Ledger? _ledger;
    private LastIntegrityCheck? _lastCheck;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="tracker">The tracker whose store is checked.</param>
    public TargetHealth(TargetTracker tracker)
    {
        Guard.Against.Null(tracker);
        _tracker = tracker;
    }

    /// <summary>Initializes a new instance whose integrity check also verifies the tenant's ledger (<see cref="IntegrityReport.Ledger"/>).</summary>
    /// <param name="tracker">The tracker whose store is checked.</param>
    /// <param name="ledger">The ledger to verify with each check; <see langword="null"/> for none.</param>
    public TargetHealth(TargetTracker tracker, Ledger? ledger)
        : this(tracker)
    {
        _ledger = ledger;
    }

    /// <summary>
    /// Gets the result of the last integrity check this instance ran (<see cref="CheckIntegrityAsync"/>), or
    /// <see langword="null"/> before the first. The integrity health check reports it.
    /// </summary>
    public LastIntegrityCheck? LastCheck => Volatile.Read(ref _lastCheck);

    /// <summary>
    /// Checks every target and every history entry in the store, set-based, over one consistent snapshot (writers may
    /// keep writing; what they commit meanwhile is not seen), with memory flat in the size of the data. Finds orphaned
    /// history, a status or version that disagrees with the last entry, targets without history, version gaps, broken
    /// chains, duplicate versions, targets in a status the pipeline no longer has, and rows that cannot be read
    /// (reported with their stored id, never thrown). Entries up to a target's newest <see cref="HistoryAction.Repaired"/>
    /// entry are not checked again.
    /// </summary>
    /// <param name="maxProblems">How many problems the report lists at most (all are counted).</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The report.</returns>
    /// <exception cref="NotSupportedException">The store cannot be checked (<see cref="TargetTracker.Supports{TPort}"/>).</exception>
    public async Task<IntegrityReport> CheckIntegrityAsync(int maxProblems = DefaultMaxProblems, CancellationToken cancellationToken = default)
    {
        Guard.Against.OutOfRange(maxProblems, nameof(maxProblems), 0, int.MaxValue);
        var store = Integrity();
        var listed = new List<IntegrityProblem>();
        var counts = new Dictionary<IntegrityProblemKind, long>();
        long total = 0;
        var scanned = await store.ScanIntegrityAsync(Scan(null), finding =>
        {
            if (!Counts(finding))
            {
                return;
            }

            total++;
            counts[finding.Kind] = counts.GetValueOrDefault(finding.Kind) + 1;
            if (listed.Count < maxProblems)
            {
                listed.Add(IntegrityProblem.From(finding));
            }
        }, cancellationToken).ConfigureAwait(false);

        listed.Sort(IntegrityProblem.Compare);
        var report = new IntegrityReport
        {
            TargetsChecked = scanned.Targets,
            EntriesChecked = scanned.Entries,
            Problems = listed.AsReadOnly(),
            ProblemCount = total,
            CountByKind = counts.Count == 0 ? NoCounts : counts.AsReadOnly(),
            Ledger = _ledger is null ? null : await _ledger.VerifyAsync(cancellationToken).ConfigureAwait(false),
        };
        TargetTrackingTelemetry.IntegrityProblemsFound(report.CountByKind, _tracker.MetricsTenant);
        _lastCheck = new LastIntegrityCheck(report.ProblemCount, report.CountByKind, _tracker.Writer.Now());
        return report;
    }

    /// <summary>
    /// Plans a repair without writing anything (a dry run): checks the store as <see cref="CheckIntegrityAsync"/> does
    /// and decides, per target, what <see cref="ApplyRepairAsync"/> would append and how the row would change. Memory
    /// grows with the number of problems, not with the size of the data.
    /// </summary>
    /// <param name="policy">Which side to believe where a row and its history disagree.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="NotSupportedException">The store cannot be checked (<see cref="TargetTracker.Supports{TPort}"/>).</exception>
    public async Task<RepairPlan> PlanRepairAsync(RepairPolicy policy, CancellationToken cancellationToken = default)
    {
        Guard.Against.EnumOutOfRange(policy, nameof(policy));
        var store = Integrity();
        var byTarget = new SortedDictionary<TargetId, List<IntegrityFinding>>();
        var unattributed = new List<IntegrityProblem>();
        await store.ScanIntegrityAsync(Scan(null), finding =>
        {
            if (!Counts(finding))
            {
                return;
            }

            if (finding.TargetId is { } id)
            {
                if (!byTarget.TryGetValue(id, out var list))
                {
                    byTarget[id] = list = [];
                }

                list.Add(finding);
            }
            else
            {
                unattributed.Add(IntegrityProblem.From(finding));
            }
        }, cancellationToken).ConfigureAwait(false);

        var repairs = new List<TargetRepair>();
        var notRepairable = new List<IntegrityProblem>(unattributed);
        foreach (var (id, findings) in byTarget)
        {
            if (RepairRules.Decide(id, findings, policy) is { } repair)
            {
                repairs.Add(repair);
                notRepairable.AddRange(findings.Where(f => f.Kind == IntegrityProblemKind.UnknownStatus).Select(IntegrityProblem.From));
            }
            else
            {
                notRepairable.AddRange(findings.Select(IntegrityProblem.From));
            }
        }

        notRepairable.Sort(IntegrityProblem.Compare);
        return new RepairPlan { Policy = policy, Repairs = repairs.AsReadOnly(), NotRepairable = notRepairable.AsReadOnly() };
    }

    /// <summary>
    /// Repairs the targets of a plan. Repair never edits or deletes history: it appends corrective entries
    /// (<see cref="HistoryAction.Repaired"/>, with the actor and what was wrong in <see cref="HistoryEntry.Note"/>) and
    /// brings the row's status and version in line under the plan's policy. It goes through the write path of every
    /// change, in units of work of at most 1,000 targets: lock the rows, check those targets again under the lock,
    /// decide, write set-based, commit. A target that needs nothing any more is left alone, so applying twice changes
    /// nothing the second time.
    /// </summary>
    /// <param name="plan">The plan, from <see cref="PlanRepairAsync"/>.</param>
    /// <param name="audit">Who repairs; when <see langword="null"/>, the <see cref="IAuditContextAccessor"/> is asked.</param>
    /// <param name="cancellationToken">Cancels the repair; units of work committed stay.</param>
    /// <returns>What was written.</returns>
    /// <exception cref="NotSupportedException">The store cannot be checked (<see cref="TargetTracker.Supports{TPort}"/>).</exception>
    public async Task<RepairResult> ApplyRepairAsync(RepairPlan plan, AuditContext? audit = null, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(plan);
        Guard.Against.EnumOutOfRange(plan.Policy, nameof(plan));
        var store = Integrity();
        var who = _tracker.ResolveAudit(audit).Sanitized();
        var applied = new List<TargetRepair>();
        var sound = new List<TargetId>();
        var batch = Math.Min(RepairBatch, _tracker.Options.MaxBulkItems);
        foreach (var chunk in plan.Repairs.Select(r => r.TargetId).Distinct().Chunk(batch))
        {
            // One correlation id per unit of work, kept across its retries (and named if the store stays unavailable).
            var unitAudit = who.CorrelationId is null ? who with { CorrelationId = Guid.CreateVersion7(_tracker.Writer.Now()).ToString("N") } : who;
            var (done, skipped) = await _tracker.Writer.RunAsync(
                (session, ct) => RepairOnceAsync(store, session, chunk, plan.Policy, unitAudit, ct),
                new UnitOfWork(unitAudit.CorrelationId, null, []),
                cancellationToken).ConfigureAwait(false);
            applied.AddRange(done);
            sound.AddRange(skipped);
        }

        return new RepairResult { Applied = applied.AsReadOnly(), AlreadySound = sound.AsReadOnly() };
    }

    /// <summary>One unit of work of a repair: lock, check again under the lock, decide, write, commit.</summary>
    private async Task<(List<TargetRepair> Applied, List<TargetId> Sound)> RepairOnceAsync(
        IIntegrityStore store, ITargetWriteSession session, TargetId[] ids, RepairPolicy policy, AuditContext audit, CancellationToken cancellationToken)
    {
        // No writer can change a locked row or append to its history now; a target without a row has no writer at all.
        var locked = await session.LockAsync(ids, cancellationToken).ConfigureAwait(false);
        var findings = new Dictionary<TargetId, List<IntegrityFinding>>();
        await store.ScanIntegrityAsync(Scan(ids), finding =>
        {
            if (finding.TargetId is { } id && Counts(finding))
            {
                if (!findings.TryGetValue(id, out var list))
                {
                    findings[id] = list = [];
                }

                list.Add(finding);
            }
        }, cancellationToken).ConfigureAwait(false);

        var now = _tracker.Writer.Now();
        var correlationId = audit.CorrelationId ?? Guid.CreateVersion7(now).ToString("N");
        var applied = new List<TargetRepair>();
        var sound = new List<TargetId>();
        var updates = new List<TargetWrite>();
        var history = new List<HistoryEntry>();
        var removedLinks = new List<OutcomeLink>();
        var rebuildStays = new List<TargetId>();
        foreach (var id in ids)
        {
            var repair = findings.TryGetValue(id, out var list) ? RepairRules.Decide(id, list, policy) : null;
            if (repair is null)
            {
                sound.Add(id);
                continue;
            }

            var row = locked.GetValueOrDefault(id);
            if ((row is null) != (repair.Before is null) || (row is not null && row.Version != repair.Before!.Version))
            {
                throw new ConcurrentWriteException($"Target {id} changed between its lock and its check; the repair is re-run.");
            }

            if (row is not null && repair.After is { } after)
            {
                updates.Add(new TargetWrite(
                    row with
                    {
                        Status = after.Status,
                        Version = after.Version,
                        UpdatedAt = now,
                        StatusChangedAt = string.Equals(after.Status, row.Status, StringComparison.Ordinal) ? row.StatusChangedAt : now,
                    },
                    row.Version));
            }

            history.AddRange(repair.Entries.Select(e => new HistoryEntry
            {
                Id = Guid.CreateVersion7(now),
                TargetId = id,
                Action = e.Action,
                OldStatus = e.OldStatus,
                NewStatus = e.NewStatus,
                Version = e.Version,
                OccurredAt = now,
                ActorId = audit.ActorId,
                ActorName = audit.ActorName,
                CorrelationId = correlationId,
                ClientAddress = audit.ClientAddress,
                UserAgent = audit.UserAgent,
                Note = e.Note,
            }));
            removedLinks.AddRange(repair.RemovedLinks.Select(l => new OutcomeLink(id, l.ItemId, LinkKind(l))));
            if (repair.RebuildsStays)
            {
                rebuildStays.Add(id);
            }

            applied.Add(repair);
        }

        if (removedLinks.Count > 0)
        {
            var links = session as IHierarchyWriteSession
                ?? throw new NotSupportedException($"The store's write session ({session.GetType().Name}) cannot remove links (IHierarchyWriteSession).");
            await links.SaveHierarchyAsync(new HierarchyChangeSet { RemovedLinks = removedLinks }, cancellationToken).ConfigureAwait(false);
        }

        if (history.Count > 0 || removedLinks.Count > 0 || rebuildStays.Count > 0)
        {
            await session.SaveAsync(new ChangeSet { Updates = updates, History = history, RebuildStays = rebuildStays }, cancellationToken).ConfigureAwait(false);
            await session.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return (applied, sound);
    }

    /// <summary>
    /// The kind of a link to remove. Stores remove a link by its outcome and item alone, so a kind stored as text no kind
    /// spells (only possible with the keys off) is carried as <see cref="HierarchyKind.Goal"/> without effect.
    /// </summary>
    private static HierarchyKind LinkKind(IntegrityLink link) => Enum.TryParse<HierarchyKind>(link.Kind, out var kind) && Enum.IsDefined(kind) ? kind : HierarchyKind.Goal;

    private IIntegrityStore Integrity() =>
        _tracker.Port<IIntegrityStore>();

    private IntegrityScan Scan(IReadOnlyCollection<TargetId>? targets) => new() { KnownStatuses = _tracker.Pipeline.Statuses, Targets = targets };

    /// <summary>Drops unknown-status candidates the pipeline knows under another case: statuses match ignoring case.</summary>
    private bool Counts(IntegrityFinding finding) =>
        finding.Kind != IntegrityProblemKind.UnknownStatus || !_tracker.Pipeline.TryNormalize(finding.Row?.Status, out _);

    /// <summary>Finds targets that have stayed in their status longer than allowed, longest first.</summary>
    /// <param name="maxAge">
    /// How long each status may last, keyed by status (matched ignoring case, stored spellings included); a status not listed
    /// (final statuses, say) never stagnates. Key Not Set as <see cref="PipelineOptions.NotSet"/> or "Not Set".
    /// </param>
    /// <param name="cancellationToken">Cancels the search.</param>
    /// <returns>The stagnant targets.</returns>
    /// <exception cref="ArgumentException">A key is not a configured status.</exception>
    public async Task<IReadOnlyList<StagnantTarget>> FindStagnantAsync(IReadOnlyDictionary<string, TimeSpan> maxAge, CancellationToken cancellationToken = default)
    {
        Guard.Against.Null(maxAge);
        var pipeline = _tracker.Pipeline;
        var limits = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var (status, age) in maxAge)
        {
            var canonical = pipeline.NormalizeArgument(status, nameof(maxAge), $"'{status}' is not a pipeline status.");
            limits[canonical ?? PipelineOptions.NotSet] = age;
        }

        var now = _tracker.Writer.Now();
        var stagnant = new List<StagnantTarget>();
        await foreach (var target in AllTargetsAsync(cancellationToken).ConfigureAwait(false))
        {
            // The stored spelling may differ in case from the configured one; a status the pipeline no longer has has no limit.
            var since = target.StatusChangedAt ?? target.CreatedAt;
            if (pipeline.TryNormalize(target.Status, out var status)
                && limits.TryGetValue(status ?? PipelineOptions.NotSet, out var limit) && now - since > limit)
            {
                stagnant.Add(new StagnantTarget(target, since, now - since));
            }
        }

        TargetTrackingTelemetry.StagnantTargetsFound(stagnant.Count, _tracker.MetricsTenant);
        return [.. stagnant.OrderByDescending(s => s.Age).ThenBy(s => s.Target.Id)];
    }

    private async IAsyncEnumerable<Target> AllTargetsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var skip = 0; ; skip += TargetQuery.MaxTake)
        {
            var page = await _tracker.QueryAsync(new TargetQuery { SortBy = TargetSort.CreatedAt, Skip = skip, Take = TargetQuery.MaxTake }, cancellationToken).ConfigureAwait(false);
            foreach (var target in page.Items)
            {
                yield return target;
            }

            if (page.Items.Count < TargetQuery.MaxTake)
            {
                yield break;
            }
        }
    }
}
