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
/// To define your own, clear both collections and fill them.
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

        return problems;
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
