namespace TargetTracking;

/// <summary>What deleting a goal, sprint, commitment or target does with its links.</summary>
public enum LinkDeletePolicy
{
    /// <summary>The links go with it, each with a <see cref="HistoryAction.Unlinked"/> entry on its outcome.</summary>
    Cascade = 0,

    /// <summary>The delete is refused with <see cref="LinksExistError"/> while links exist.</summary>
    Restrict = 1,
}

/// <summary>The hierarchy of goals, sprints and commitments: their statuses, the roll-up weights and the delete policy.</summary>
public sealed class HierarchyOptions
{
    /// <summary>Gets the statuses and moves of goals.</summary>
    /// <value>The default: Not Set → Active; Active ↔ At Risk; both → Achieved or Abandoned; Abandoned → Active.</value>
    public PipelineOptions Goals { get; } = Pipeline(
        ["Active", "At Risk", "Achieved", "Abandoned"],
        (PipelineOptions.NotSet, ["Active"]),
        ("Active", ["At Risk", "Achieved", "Abandoned"]),
        ("At Risk", ["Active", "Achieved", "Abandoned"]),
        ("Achieved", []),
        ("Abandoned", ["Active"]));

    /// <summary>Gets the statuses and moves of sprints.</summary>
    /// <value>The default: Not Set → Planned; Planned → Active or Cancelled; Active → Completed or Cancelled.</value>
    public PipelineOptions Sprints { get; } = Pipeline(
        ["Planned", "Active", "Completed", "Cancelled"],
        (PipelineOptions.NotSet, ["Planned", "Active"]),
        ("Planned", ["Active", "Cancelled"]),
        ("Active", ["Completed", "Cancelled"]),
        ("Completed", []),
        ("Cancelled", []));

    /// <summary>Gets the statuses and moves of commitments.</summary>
    /// <value>The default: Not Set → To Do or In Progress; To Do ↔ In Progress; both → Done or Dropped; Done and Dropped → To Do (reopen).</value>
    public PipelineOptions Commitments { get; } = Pipeline(
        ["To Do", "In Progress", "Done", "Dropped"],
        (PipelineOptions.NotSet, ["To Do", "In Progress"]),
        ("To Do", ["In Progress", "Done", "Dropped"]),
        ("In Progress", ["To Do", "Done", "Dropped"]),
        ("Done", ["To Do"]),
        ("Dropped", ["To Do"]));

    /// <summary>
    /// Gets the weight (0–100) of each outcome status in a goal's progress; an outcome whose status is not listed is left out.
    /// Not Set is <see cref="PipelineOptions.NotSet"/>. Keys match target statuses ignoring case.
    /// </summary>
    /// <value>The default: Closed 100, Hot 75, Active 50, Cold 25, Not Set 0; Passed is left out.</value>
    public IDictionary<string, int> OutcomeWeights { get; } = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase)
    {
        ["Closed"] = 100,
        ["Hot"] = 75,
        ["Active"] = 50,
        ["Cold"] = 25,
        [PipelineOptions.NotSet] = 0,
    };

    /// <summary>Gets the weight (0–100) of each commitment status in a sprint's progress; a commitment whose status is not listed is left out.</summary>
    /// <value>The default: Done 100, In Progress 50, To Do 0, Not Set 0; Dropped is left out.</value>
    public IDictionary<string, int> CommitmentWeights { get; } = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase)
    {
        ["Done"] = 100,
        ["In Progress"] = 50,
        ["To Do"] = 0,
        [PipelineOptions.NotSet] = 0,
    };

    /// <summary>Gets or sets what deleting a target does with its links (item deletes take the policy per call).</summary>
    /// <value>The default value is <see cref="LinkDeletePolicy.Cascade"/>.</value>
    public LinkDeletePolicy TargetDeletePolicy { get; set; } = LinkDeletePolicy.Cascade;

    /// <summary>Gets the pipeline of one kind.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>Its options.</returns>
    public PipelineOptions For(HierarchyKind kind) => kind switch
    {
        HierarchyKind.Goal => Goals,
        HierarchyKind.Sprint => Sprints,
        _ => Commitments,
    };

    /// <summary>Checks the options.</summary>
    /// <returns>Every problem found, each naming the setting; empty when valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        foreach (var kind in Enum.GetValues<HierarchyKind>())
        {
            problems.AddRange(For(kind).Validate().Select(p => $"Hierarchy:{kind}s:{p}"));
        }

        foreach (var (name, weights) in new[] { ("OutcomeWeights", OutcomeWeights), ("CommitmentWeights", CommitmentWeights) })
        {
            problems.AddRange(weights.Where(w => w.Value is < 0 or > 100).Select(w => $"Hierarchy:{name}:{w.Key} is {w.Value}; a weight is 0 to 100."));
        }

        if (!Enum.IsDefined(TargetDeletePolicy))
        {
            problems.Add($"Hierarchy:TargetDeletePolicy {TargetDeletePolicy} is not a policy.");
        }

        return problems;
    }

    private static PipelineOptions Pipeline(string[] statuses, params (string From, string[] To)[] moves)
    {
        var options = new PipelineOptions();
        options.Statuses.Clear();
        options.Transitions.Clear();
        options.Metadata.Clear();
        foreach (var status in statuses)
        {
            options.Statuses.Add(status);
        }

        foreach (var (from, to) in moves)
        {
            options.Transitions[from] = [.. to];
        }

        return options;
    }
}
