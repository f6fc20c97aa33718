namespace TargetTracking;

/// <summary>
/// The pipeline: which statuses exist and which moves between them are allowed. Not Set (a target
/// without a status) is always part of the pipeline; name it <see cref="NotSet"/> in <see cref="Transitions"/>.
/// </summary>
/// <remarks>
/// The default pipeline is:
/// <list type="table">
/// <item><term>Not Set</term><description>Cold, Active, Hot, Passed</description></item>
/// <item><term>Cold</term><description>Active, Hot, Passed</description></item>
/// <item><term>Active</term><description>Cold, Hot, Passed, Closed</description></item>
/// <item><term>Hot</term><description>Cold, Active, Passed, Closed</description></item>
/// <item><term>Passed</term><description>Cold, Active (a passed target can be reopened)</description></item>
/// <item><term>Closed</term><description>none: Closed is final</description></item>
/// </list>
/// Each status also has metadata (<see cref="Metadata"/>): win probability, forecast category and outcome. The default is
/// Passed 0 % Omitted closed-lost, Cold 10 % Pipeline, Active 30 % Pipeline, Hot 60 % Best case, Closed 100 % Closed
/// closed-won. A status without an entry (Not Set included) is open, 0 %, in the first forecast category.
/// To define your own pipeline, clear <see cref="Statuses"/>, <see cref="Transitions"/> and <see cref="Metadata"/> and fill them;
/// <see cref="RequiredFields"/> is empty by default.
/// </remarks>
public sealed class PipelineOptions
{
    /// <summary>The name that stands for Not Set in <see cref="Transitions"/>.</summary>
    public const string NotSet = "NotSet";

    /// <summary>Gets the statuses, in display order.</summary>
    /// <value>The default value is Passed, Cold, Active, Hot, Closed.</value>
    public IList<string> Statuses { get; } = ["Passed", "Cold", "Active", "Hot", "Closed"];

    /// <summary>Gets the allowed moves: for each status (or <see cref="NotSet"/>), the statuses it may move to.</summary>
    /// <value>The default table is described in the remarks.</value>
    public IDictionary<string, IList<string>> Transitions { get; } = new Dictionary<string, IList<string>>(StringComparer.OrdinalIgnoreCase)
    {
        [NotSet] = ["Cold", "Active", "Hot", "Passed"],
        ["Cold"] = ["Active", "Hot", "Passed"],
        ["Active"] = ["Cold", "Hot", "Passed", "Closed"],
        ["Hot"] = ["Cold", "Active", "Passed", "Closed"],
        ["Passed"] = ["Cold", "Active"],
        ["Closed"] = [],
    };

    /// <summary>Gets the forecast categories, in display order.</summary>
    /// <value>The default value is Pipeline, Best case, Commit, Closed, Omitted.</value>
    public IList<string> ForecastCategories { get; } = ["Pipeline", "Best case", "Commit", "Closed", "Omitted"];

    /// <summary>
    /// Gets what each status means (win probability, forecast category, outcome), by status ignoring case; Not Set may be given
    /// metadata as <see cref="NotSet"/> (it cannot be closed). Reports take won and lost from here, and only from here.
    /// </summary>
    /// <value>The default table is described in the remarks.</value>
    public IDictionary<string, StatusMetadata> Metadata { get; } = new Dictionary<string, StatusMetadata>(StringComparer.OrdinalIgnoreCase)
    {
        ["Passed"] = new(0, "Omitted", StatusOutcome.Lost),
        ["Cold"] = new(10, "Pipeline"),
        ["Active"] = new(30, "Pipeline"),
        ["Hot"] = new(60, "Best case"),
        ["Closed"] = new(100, "Closed", StatusOutcome.Won),
    };

    /// <summary>
    /// Gets the fields a target must have to enter a status (by a move, a create or a tracked operation), by status ignoring
    /// case: for example Hot requires <see cref="TargetField.Amount"/> and <see cref="TargetField.Owner"/>. A move without them
    /// is refused with <see cref="RequiredFieldsMissingError"/> naming each missing field; nothing is written.
    /// </summary>
    /// <value>The default value is empty: no status requires a field.</value>
    public IDictionary<string, IList<TargetField>> RequiredFields { get; } = new Dictionary<string, IList<TargetField>>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets the reason codes a move into a closed-lost status (<see cref="StatusOutcome.Lost"/>) must give, one of them, as
    /// <see cref="LostReason.Code"/> (matched ignoring case, stored as configured in the entry's <see cref="HistoryEntry.Reason"/>).
    /// When the list is empty, no move needs a reason and none may be given.
    /// </summary>
    /// <value>The default value is empty: moves into a closed-lost status need no reason.</value>
    public IList<string> LostReasons { get; } = [];

    /// <summary>
    /// Gets the host's guards (<see cref="ITransitionGuard"/>), asked in order about every status change before it is written;
    /// the first refusal wins. Services registered as <see cref="ITransitionGuard"/> are added after these.
    /// </summary>
    /// <value>The default value is empty: no guard, and no cost.</value>
    public IList<ITransitionGuard> Guards { get; } = [];

    /// <summary>
    /// Gets or sets how long the guards of one call (a single change, a bulk unit of work, a tracked operation's batch) may take
    /// together. When it runs out, the move being asked about and every later one of the call are refused with
    /// <see cref="GuardRefusedError"/> naming <c>GuardBudget</c>; the caller's own cancellation throws as ever.
    /// </summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan GuardBudget { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets the timed moves ("Hot → Cold after 30 days in Hot"), at most one per status moved from. The stagnation monitor
    /// (<see cref="StagnationMonitor"/>) makes them, as <see cref="TimedMoveActor"/>, each guarded by the version it read.
    /// </summary>
    /// <value>The default value is empty.</value>
    public IList<TimedMove> TimedMoves { get; } = [];

    /// <summary>Gets or sets who the history names as the maker of timed moves.</summary>
    /// <value>The default value is actor id <c>system:timed-moves</c>, name <c>Timed moves</c>.</value>
    public AuditContext TimedMoveActor { get; set; } = new() { ActorId = "system:timed-moves", ActorName = "Timed moves" };

    /// <summary>Adds a timed move (<see cref="TimedMoves"/>).</summary>
    /// <param name="from">The status a target stays in.</param>
    /// <param name="after">How long its stay lasts before the move.</param>
    /// <param name="to">The status it then moves to (the move must be allowed).</param>
    /// <param name="reason">The lost reason, when <paramref name="to"/> is closed-lost and <see cref="LostReasons"/> are configured.</param>
    /// <returns>These options, for chaining.</returns>
    public PipelineOptions MoveAfter(string from, TimeSpan after, string to, LostReason? reason = null)
    {
        Guard.Against.NullOrWhiteSpace(from);
        Guard.Against.NullOrWhiteSpace(to);
        TimedMoves.Add(new TimedMove(from, after, to) { Reason = reason });
        return this;
    }

    /// <summary>Requires fields of a target entering a status (<see cref="RequiredFields"/>).</summary>
    /// <param name="status">A configured status.</param>
    /// <param name="fields">The fields it requires.</param>
    /// <returns>These options, for chaining.</returns>
    public PipelineOptions Require(string status, params TargetField[] fields)
    {
        Guard.Against.NullOrWhiteSpace(status);
        Guard.Against.Null(fields);
        if (!RequiredFields.TryGetValue(status, out var list))
        {
            RequiredFields[status] = list = [];
        }

        foreach (var field in fields)
        {
            list.Add(field);
        }

        return this;
    }

    /// <summary>Sets the metadata of a status.</summary>
    /// <param name="status">The status, or <see cref="NotSet"/>.</param>
    /// <param name="winProbability">The win probability in whole percent, 0 to 100.</param>
    /// <param name="forecastCategory">One of <see cref="ForecastCategories"/>.</param>
    /// <param name="outcome">Whether the status is open, closed-won or closed-lost.</param>
    /// <returns>These options, for chaining.</returns>
    public PipelineOptions Describe(string status, int winProbability, string forecastCategory, StatusOutcome outcome = StatusOutcome.Open)
    {
        Guard.Against.NullOrWhiteSpace(status);
        Metadata[status] = new StatusMetadata(winProbability, forecastCategory, outcome);
        return this;
    }

    /// <summary>Allows a move, adding the source status to <see cref="Transitions"/> when needed.</summary>
    /// <param name="from">The status moved from, or <see cref="NotSet"/>.</param>
    /// <param name="to">The statuses it may move to.</param>
    /// <returns>These options, for chaining.</returns>
    public PipelineOptions Permit(string from, params string[] to)
    {
        Guard.Against.NullOrWhiteSpace(from);
        Guard.Against.Null(to);
        if (!Transitions.TryGetValue(from, out var list))
        {
            Transitions[from] = list = [];
        }

        foreach (var status in to)
        {
            list.Add(status);
        }

        return this;
    }

    /// <summary>Checks that the options describe one consistent pipeline.</summary>
    /// <returns>Every problem found, each naming the setting; empty when valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        var known = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < Statuses.Count; i++)
        {
            var status = Statuses[i];
            if (string.IsNullOrWhiteSpace(status))
            {
                problems.Add($"Pipeline:Statuses[{i}] is blank.");
            }
            else if (status.Trim() != status)
            {
                problems.Add($"Pipeline:Statuses[{i}] '{status}' has leading or trailing white space.");
            }
            else if (IsNotSet(status))
            {
                problems.Add($"Pipeline:Statuses[{i}] '{status}' is reserved: Not Set is always part of the pipeline.");
            }
            else if (status.Length > 64)
            {
                problems.Add($"Pipeline:Statuses[{i}] '{status}' is longer than 64 characters.");
            }
            else if (!known.Add(status))
            {
                problems.Add($"Pipeline:Statuses[{i}] '{status}' is listed twice (ignoring case).");
            }
        }

        if (known.Count == 0)
        {
            problems.Add("Pipeline:Statuses is empty: a pipeline needs at least one status.");
        }

        foreach (var (from, targets) in Transitions)
        {
            if (!IsNotSet(from) && !known.Contains(from))
            {
                problems.Add($"Pipeline:Transitions:{from} names an unknown status '{from}'.");
            }

            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var repeated = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var to in targets ?? [])
            {
                if (string.IsNullOrWhiteSpace(to) || (!IsNotSet(to) && !known.Contains(to)))
                {
                    problems.Add($"Pipeline:Transitions:{from} names an unknown status '{to}'.");
                }
                else if (!seen.Add(IsNotSet(to) ? NotSet : to))
                {
                    if (repeated.Add(to))
                    {
                        problems.Add($"Pipeline:Transitions:{from} lists '{to}' more than once.");
                    }
                }
                else if (string.Equals(IsNotSet(from) ? NotSet : from, IsNotSet(to) ? NotSet : to, StringComparison.OrdinalIgnoreCase))
                {
                    problems.Add($"Pipeline:Transitions:{from} lists a move to itself; a change to the same status is always a no-op.");
                }
            }
        }

        ValidateMetadata(known, problems);
        ValidateLostReasons(problems);
        if (GuardBudget <= TimeSpan.Zero || GuardBudget > TimeSpan.FromMinutes(5))
        {
            problems.Add($"Pipeline:GuardBudget must be more than 0 and at most 5 minutes; it is {GuardBudget}.");
        }

        if (Guards.Any(g => g is null))
        {
            problems.Add("Pipeline:Guards holds a null guard.");
        }

        ValidateTimedMoves(known, problems);
        foreach (var (status, fields) in RequiredFields)
        {
            if (IsNotSet(status) || !known.Contains(status))
            {
                problems.Add($"Pipeline:RequiredFields:{status} names an unknown status '{status}' (Not Set requires nothing).");
            }

            foreach (var field in (fields ?? []).Where(f => !Enum.IsDefined(f)))
            {
                problems.Add($"Pipeline:RequiredFields:{status} lists '{field}', which is not a {nameof(TargetField)}.");
            }
        }

        return problems;
    }

    private void ValidateTimedMoves(HashSet<string> known, List<string> problems)
    {
        var from = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < TimedMoves.Count; i++)
        {
            var move = TimedMoves[i];
            var name = $"Pipeline:TimedMoves[{i}]";
            if (move is null || !known.Contains(move.From ?? string.Empty) || !known.Contains(move.To ?? string.Empty))
            {
                problems.Add($"{name} must move from a configured status to a configured status.");
            }
            else if (!Transitions.TryGetValue(move.From!, out var next) || !(next ?? []).Contains(move.To, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{name} moves {move.From} to {move.To}, which Pipeline:Transitions does not allow.");
            }
            else if (move.After <= TimeSpan.Zero)
            {
                problems.Add($"{name}:After must be positive; it is {move.After}.");
            }
            else if (!from.Add(move.From!))
            {
                problems.Add($"{name} is a second timed move out of {move.From}.");
            }
        }
    }

    private void ValidateLostReasons(List<string> problems)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < LostReasons.Count; i++)
        {
            var reason = LostReasons[i];
            if (string.IsNullOrWhiteSpace(reason) || reason.Trim() != reason || reason.Length > LostReason.MaxCodeLength || !TargetRules.IsStorable(reason))
            {
                problems.Add($"Pipeline:LostReasons[{i}] '{reason}' must be 1 to {LostReason.MaxCodeLength} characters without leading or trailing white space.");
            }
            else if (!seen.Add(reason))
            {
                problems.Add($"Pipeline:LostReasons[{i}] '{reason}' is listed twice (ignoring case).");
            }
        }
    }

    private void ValidateMetadata(HashSet<string> known, List<string> problems)
    {
        var categories = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < ForecastCategories.Count; i++)
        {
            var category = ForecastCategories[i];
            if (string.IsNullOrWhiteSpace(category) || category.Trim() != category || category.Length > 64)
            {
                problems.Add($"Pipeline:ForecastCategories[{i}] '{category}' must be 1 to 64 characters without leading or trailing white space.");
            }
            else if (!categories.Add(category))
            {
                problems.Add($"Pipeline:ForecastCategories[{i}] '{category}' is listed twice (ignoring case).");
            }
        }

        if (ForecastCategories.Count == 0)
        {
            problems.Add("Pipeline:ForecastCategories is empty: every status needs a forecast category.");
        }

        foreach (var (status, metadata) in Metadata)
        {
            var name = $"Pipeline:Metadata:{status}";
            if (!IsNotSet(status) && !known.Contains(status))
            {
                problems.Add($"{name} names an unknown status '{status}' (a custom pipeline clears Metadata with Statuses and Transitions).");
            }
            else if (metadata is null)
            {
                problems.Add($"{name} is null.");
            }
            else
            {
                if (metadata.WinProbability is < 0 or > 100)
                {
                    problems.Add($"{name}:WinProbability must be between 0 and 100 (percent); it is {metadata.WinProbability}.");
                }

                if (metadata.ForecastCategory is null || !categories.Contains(metadata.ForecastCategory))
                {
                    problems.Add($"{name}:ForecastCategory '{metadata.ForecastCategory}' is not one of Pipeline:ForecastCategories ({string.Join(", ", ForecastCategories)}).");
                }

                if (!Enum.IsDefined(metadata.Outcome))
                {
                    problems.Add($"{name}:Outcome '{metadata.Outcome}' is not a defined outcome.");
                }
                else if (IsNotSet(status) && metadata.Outcome != StatusOutcome.Open)
                {
                    problems.Add($"{name}:Outcome must be Open: Not Set cannot be closed-won or closed-lost.");
                }
            }
        }
    }

    /// <summary>
    /// Tells whether a status stands for Not Set: <see langword="null"/>, <see cref="NotSet"/> or "Not Set", ignoring case.
    /// This is the one rule for Not Set: the state machine, queries, status changes, operations and stagnation thresholds
    /// all accept these spellings alike.
    /// </summary>
    /// <param name="status">The status.</param>
    /// <returns><see langword="true"/> when the status means Not Set.</returns>
    public static bool IsNotSet([System.Diagnostics.CodeAnalysis.NotNullWhen(false)] string? status) =>
        status is null
        || string.Equals(status, NotSet, StringComparison.OrdinalIgnoreCase) || string.Equals(status, "Not Set", StringComparison.OrdinalIgnoreCase);
}
