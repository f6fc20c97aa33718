namespace TargetTracking;

/// <summary>What is wrong with a target's stored state.</summary>
public enum IntegrityProblemKind
{
    /// <summary>History whose target is gone without a <see cref="HistoryAction.Deleted"/> entry.</summary>
    OrphanedHistory = 0,

    /// <summary>The target's status or version differs from what its last history entry says.</summary>
    StatusDisagreesWithHistory = 1,

    /// <summary>A target with no history at all.</summary>
    MissingHistory = 2,
}

/// <summary>One problem the integrity check found.</summary>
/// <param name="Kind">What is wrong.</param>
/// <param name="TargetId">The target.</param>
/// <param name="Detail">A sentence a person can read.</param>
public sealed record IntegrityProblem(IntegrityProblemKind Kind, TargetId TargetId, string Detail);

/// <summary>The result of an integrity check.</summary>
/// <param name="TargetsChecked">How many targets were read.</param>
/// <param name="EntriesChecked">How many history entries were read.</param>
/// <param name="Problems">What was found; empty when the data is sound.</param>
public sealed record IntegrityReport(long TargetsChecked, long EntriesChecked, IReadOnlyList<IntegrityProblem> Problems)
{
    /// <summary>Gets a value indicating whether no problem was found.</summary>
    public bool IsHealthy => Problems.Count == 0;
}

/// <summary>A target that has stayed in its status longer than allowed.</summary>
/// <param name="Target">The target.</param>
/// <param name="InStatusSince">When it entered its status (its creation, when it never moved).</param>
/// <param name="Age">How long it has been there.</param>
public sealed record StagnantTarget(Target Target, DateTimeOffset InStatusSince, TimeSpan Age);

/// <summary>
/// Checks the health of stored data through the storage port, so it works on every store: the integrity
/// check (orphaned history, a status that disagrees with its last history entry) and stagnation detection
/// (targets stuck in a status too long). Both read everything in pages of 1,000; run them as maintenance jobs.
/// </summary>
public sealed class TargetHealth
{
    private readonly TargetTracker _tracker;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="tracker">The tracker whose store is checked.</param>
    public TargetHealth(TargetTracker tracker)
    {
        Guard.Against.Null(tracker);
        _tracker = tracker;
    }

    /// <summary>
    /// Reads every target and every history entry and reports where they disagree. History is orphaned only when
    /// its target is gone without a <see cref="HistoryAction.Deleted"/> entry (delete keeps history by design).
    /// </summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The report.</returns>
    public async Task<IntegrityReport> CheckIntegrityAsync(CancellationToken cancellationToken = default)
    {
        var targets = new Dictionary<TargetId, Target>();
        await foreach (var target in AllTargetsAsync(cancellationToken).ConfigureAwait(false))
        {
            targets[target.Id] = target;
        }

        var last = new Dictionary<TargetId, HistoryEntry>();
        long entries = 0;
        var since = DateTimeOffset.MinValue;
        Guid? after = null;
        while (true)
        {
            var page = await _tracker.GetHistoryFeedAsync(new HistoryFeedRequest(since, after, 1000), cancellationToken).ConfigureAwait(false);
            foreach (var entry in page)
            {
                entries++;
                if (!last.TryGetValue(entry.TargetId, out var seen) || entry.Version > seen.Version)
                {
                    last[entry.TargetId] = entry;
                }
            }

            if (page.Count < 1000)
            {
                break;
            }

            (since, after) = (page[^1].OccurredAt, page[^1].Id);
        }

        var problems = new List<IntegrityProblem>();
        foreach (var (id, entry) in last)
        {
            if (targets.TryGetValue(id, out var target))
            {
                if (entry.Action == HistoryAction.Deleted || entry.NewStatus != target.Status || entry.Version != target.Version)
                {
                    problems.Add(new IntegrityProblem(
                        IntegrityProblemKind.StatusDisagreesWithHistory,
                        id,
                        $"The target is {StatusStateMachine.Display(target.Status)} at version {target.Version}; its last history entry ({entry.Action}) says {StatusStateMachine.Display(entry.NewStatus)} at version {entry.Version}."));
                }
            }
            else if (entry.Action != HistoryAction.Deleted)
            {
                problems.Add(new IntegrityProblem(IntegrityProblemKind.OrphanedHistory, id, $"The target is gone, but its last history entry is {entry.Action} at version {entry.Version}, not Deleted."));
            }
        }

        foreach (var id in targets.Keys.Where(id => !last.ContainsKey(id)))
        {
            problems.Add(new IntegrityProblem(IntegrityProblemKind.MissingHistory, id, "The target has no history entry."));
        }

        return new IntegrityReport(targets.Count, entries, [.. problems.OrderBy(p => p.Kind).ThenBy(p => p.TargetId)]);
    }

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
