using System.Collections.Frozen;
using System.Collections.ObjectModel;
using System.Text;
using Microsoft.Extensions.Options;

namespace TargetTracking;

/// <summary>
/// The status state machine, built once from <see cref="PipelineOptions"/>: knows the statuses,
/// decides whether a move is allowed (and says why not), lists the next statuses, and prints the
/// pipeline as a Mermaid graph. Immutable and thread-safe; every list it returns is a read-only snapshot.
/// </summary>
/// <remarks>
/// Not Set comes back as <see langword="null"/>. As input, every member takes Not Set in any of its spellings:
/// <see langword="null"/>, <see cref="PipelineOptions.NotSet"/> or "Not Set", ignoring case (<see cref="PipelineOptions.IsNotSet"/>).
/// </remarks>
public sealed class StatusStateMachine
{
    private static readonly StringComparer Comparer = StringComparer.OrdinalIgnoreCase;
    private readonly FrozenDictionary<string, string> _canonical;
    private readonly FrozenDictionary<string, ReadOnlyCollection<string?>> _next;
    private readonly ReadOnlyCollection<string?> _nextFromNotSet;
    private readonly FrozenDictionary<string, string?[]> _into;
    private readonly string?[] _intoNotSet;
    private readonly FrozenDictionary<string, StatusMetadata> _metadata;
    private readonly StatusMetadata _notSetMetadata;
    private readonly FrozenDictionary<string, ReadOnlyCollection<TargetField>> _required;
    private readonly FrozenDictionary<string, string> _lostReasons;

    /// <summary>Initializes a new instance from validated options.</summary>
    /// <param name="options">The pipeline.</param>
    /// <exception cref="OptionsValidationException">The options contradict themselves; the message names each setting.</exception>
    public StatusStateMachine(PipelineOptions options)
    {
        Guard.Against.Null(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(nameof(PipelineOptions), typeof(PipelineOptions), problems);
        }

        Statuses = Array.AsReadOnly([.. options.Statuses]);
        _canonical = Statuses.ToFrozenDictionary(s => s, s => s, Comparer);
        var next = Statuses.ToDictionary(s => s, _ => ReadOnlyCollection<string?>.Empty, Comparer);
        _nextFromNotSet = ReadOnlyCollection<string?>.Empty;
        foreach (var (from, targets) in options.Transitions)
        {
            // Listed in the order of Statuses, Not Set last, so answers do not depend on how options were written.
            var set = (targets ?? []).Select(t => PipelineOptions.IsNotSet(t) ? null : _canonical[t]).ToHashSet();
            var ordered = Array.AsReadOnly<string?>([.. Statuses.Where(set.Contains), .. set.Contains(null) ? new string?[] { null } : []]);
            if (PipelineOptions.IsNotSet(from))
            {
                _nextFromNotSet = ordered;
            }
            else
            {
                next[_canonical[from]] = ordered;
            }
        }

        _next = next.ToFrozenDictionary(Comparer);

        // The inverse of the moves, for guarded changes: which stored statuses may move into each status.
        var into = Statuses.ToDictionary(s => s, _ => new List<string?>(), Comparer);
        var intoNotSet = new List<string?>();
        foreach (var from in Statuses.Prepend(null))
        {
            foreach (var to in Next(from).Where(to => !SameStatus(from, to)))
            {
                (to is null ? intoNotSet : into[to]).Add(from);
            }
        }

        _into = into.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray(), Comparer);
        _intoNotSet = [.. intoNotSet];

        // Spelled as configured: a status without an entry is open, 0 %, in the first forecast category.
        ForecastCategories = Array.AsReadOnly([.. options.ForecastCategories]);
        var unset = new StatusMetadata(0, ForecastCategories[0]);
        StatusMetadata Spelled(StatusMetadata m) => m with { ForecastCategory = ForecastCategories.First(c => Comparer.Equals(c, m.ForecastCategory)) };
        _metadata = Statuses.ToFrozenDictionary(s => s, s => options.Metadata.TryGetValue(s, out var m) ? Spelled(m) : unset, Comparer);
        _notSetMetadata = options.Metadata.FirstOrDefault(p => PipelineOptions.IsNotSet(p.Key)).Value is { } notSet ? Spelled(notSet) : unset;
        Won = Array.AsReadOnly([.. Statuses.Where(s => _metadata[s].Outcome == StatusOutcome.Won)]);
        Lost = Array.AsReadOnly([.. Statuses.Where(s => _metadata[s].Outcome == StatusOutcome.Lost)]);

        // Only statuses that require something are kept: a move into any other one checks nothing and allocates nothing.
        LostReasons = Array.AsReadOnly([.. options.LostReasons]);
        TimedMoves = Array.AsReadOnly([.. options.TimedMoves.Select(m => m with { From = _canonical[m.From], To = _canonical[m.To] })]);
        TimedMoveActor = options.TimedMoveActor;
        _lostReasons = LostReasons.ToFrozenDictionary(r => r, r => r, Comparer);
        _required = options.RequiredFields
            .Where(p => p.Value is { Count: > 0 })
            .ToFrozenDictionary(p => _canonical[p.Key], p => Array.AsReadOnly([.. p.Value.Distinct()]), Comparer);
    }

    /// <summary>Gets the timed moves, statuses in their configured spelling (<see cref="PipelineOptions.TimedMoves"/>); a read-only list.</summary>
    public IReadOnlyList<TimedMove> TimedMoves { get; }

    /// <summary>Gets who the history names as the maker of timed moves (<see cref="PipelineOptions.TimedMoveActor"/>).</summary>
    internal AuditContext TimedMoveActor { get; }

    /// <summary>Gets the reason codes a move into a closed-lost status must give, as configured (<see cref="PipelineOptions.LostReasons"/>); a read-only list.</summary>
    public IReadOnlyList<string> LostReasons { get; }

    /// <summary>
    /// Checks the reason of a move into <paramref name="status"/> (canonical spelling): a closed-lost status needs one of
    /// <see cref="LostReasons"/> when any is configured, and no other move takes one. Needs no row, so it is decided before the store.
    /// </summary>
    /// <param name="status">The status asked for, canonical.</param>
    /// <param name="reason">The reason given.</param>
    /// <param name="stored">The reason with its code as configured and its note storable.</param>
    /// <returns><see langword="null"/> when the reason fits the move; otherwise the error.</returns>
    internal TargetError? CheckReason(string? status, LostReason? reason, out LostReason? stored)
    {
        stored = null;
        var required = _lostReasons.Count > 0 && status is not null && _metadata[status].Outcome == StatusOutcome.Lost;
        var code = string.IsNullOrEmpty(reason?.Code) ? null : reason.Code;
        if (!required)
        {
            return reason is null ? null : new LostReasonError(status, code ?? string.Empty, LostReasons, false);
        }

        if (code is null || !_lostReasons.TryGetValue(code, out var configured))
        {
            return new LostReasonError(status, code, LostReasons, true);
        }

        if (reason!.Note is { } note && (note.Length > LostReason.MaxNoteLength || !TargetRules.IsStorable(note)))
        {
            return new InvalidInputError([new FieldError("reason.note", $"The reason's note must be at most {LostReason.MaxNoteLength} characters, without NUL or unpaired surrogates.")]);
        }

        stored = new LostReason(configured, string.IsNullOrEmpty(reason.Note) ? null : reason.Note);
        return null;
    }

    /// <summary>Gets the fields a target must have to enter a status (<see cref="PipelineOptions.RequiredFields"/>).</summary>
    /// <param name="status">The status; any spelling of Not Set (which requires nothing).</param>
    /// <returns>The fields, in the order configured; empty when it requires none.</returns>
    /// <exception cref="ArgumentException"><paramref name="status"/> is not a configured status.</exception>
    public IReadOnlyList<TargetField> RequiredFieldsOf(string? status) =>
        NormalizeArgument(status, nameof(status), $"'{status}' is not a pipeline status.") is { } canonical && _required.TryGetValue(canonical, out var fields)
            ? fields
            : ReadOnlyCollection<TargetField>.Empty;

    /// <summary>Tells whether entering a status (canonical spelling) requires fields: then only the locked decision can check them.</summary>
    internal bool RequiresFields(string? status) => status is not null && _required.ContainsKey(status);

    /// <summary>Checks that a target (as it would enter <paramref name="status"/>) has the fields the status requires.</summary>
    /// <returns><see langword="null"/> when it has them (or the status requires none); otherwise the error naming each missing field.</returns>
    internal RequiredFieldsMissingError? CheckRequired(Target target, string? status)
    {
        if (_required.Count == 0 || status is null || !_required.TryGetValue(status, out var fields))
        {
            return null;
        }

        List<TargetField>? missing = null;
        foreach (var field in fields)
        {
            var has = field switch
            {
                TargetField.Amount => target.Amount is not null,
                TargetField.Owner => target.OwnerId is not null,
                TargetField.Description => !string.IsNullOrEmpty(target.Description),
                _ => target.Markets.Count > 0,
            };
            if (!has)
            {
                (missing ??= []).Add(field);
            }
        }

        return missing is null ? null : new RequiredFieldsMissingError(target.Id, status, missing.AsReadOnly());
    }

    /// <summary>Gets the forecast categories, in display order; a read-only list.</summary>
    public IReadOnlyList<string> ForecastCategories { get; }

    /// <summary>Gets the closed-won statuses, in display order; a read-only list.</summary>
    public IReadOnlyList<string> Won { get; }

    /// <summary>Gets the closed-lost statuses, in display order; a read-only list.</summary>
    public IReadOnlyList<string> Lost { get; }

    /// <summary>Gets what a status means: its win probability, forecast category (as configured) and outcome.</summary>
    /// <param name="status">The status; any spelling of Not Set.</param>
    /// <returns>The metadata; a status without an entry is open, 0 %, in the first forecast category.</returns>
    /// <exception cref="ArgumentException"><paramref name="status"/> is not a configured status.</exception>
    public StatusMetadata MetadataOf(string? status) =>
        NormalizeArgument(status, nameof(status), $"'{status}' is not a pipeline status.") is { } canonical ? _metadata[canonical] : _notSetMetadata;

    /// <summary>Gets the configured statuses, in display order (Not Set is not listed); a read-only list.</summary>
    public IReadOnlyList<string> Statuses { get; }

    /// <summary>Returns the display name of a status: the status itself, or "Not Set" for <see langword="null"/>.</summary>
    /// <param name="status">The status.</param>
    /// <returns>The display name.</returns>
    public static string Display(string? status) => status ?? "Not Set";

    /// <summary>Finds the configured spelling of a status, ignoring case.</summary>
    /// <param name="status">The status given; <see langword="null"/>, <see cref="PipelineOptions.NotSet"/> and "Not Set" are Not Set.</param>
    /// <param name="canonical">The configured spelling (<see langword="null"/> for Not Set).</param>
    /// <returns><see langword="true"/> when the status is Not Set or configured.</returns>
    public bool TryNormalize(string? status, out string? canonical)
    {
        if (PipelineOptions.IsNotSet(status))
        {
            canonical = null;
            return true;
        }

        var found = _canonical.TryGetValue(status, out var value);
        canonical = value;
        return found;
    }

    /// <summary>Lists the statuses a target in <paramref name="from"/> may move to.</summary>
    /// <param name="from">The current status; <see langword="null"/>, <see cref="PipelineOptions.NotSet"/> and "Not Set" are Not Set.</param>
    /// <returns>The allowed next statuses (<see langword="null"/> is Not Set), in display order: a read-only list.</returns>
    /// <exception cref="ArgumentException"><paramref name="from"/> is not a configured status.</exception>
    public IReadOnlyList<string?> NextStatuses(string? from) =>
        Next(NormalizeArgument(from, nameof(from), $"'{from}' is not a pipeline status."));

    private ReadOnlyCollection<string?> Next(string? canonical) => canonical is null ? _nextFromNotSet : _next[canonical];

    /// <summary>Finds the configured spelling of a status given as an argument of a public member.</summary>
    /// <param name="status">The status given; any spelling of Not Set (<see cref="PipelineOptions.IsNotSet"/>).</param>
    /// <param name="parameterName">The argument the status came in, named in the exception.</param>
    /// <param name="message">The exception message.</param>
    /// <returns>The configured spelling (<see langword="null"/> for Not Set).</returns>
    /// <exception cref="ArgumentException"><paramref name="status"/> is not a configured status.</exception>
    internal string? NormalizeArgument(string? status, string parameterName, string message)
    {
        Guard.Against.InvalidInput(status, parameterName, s => TryNormalize(s, out _), message);
        TryNormalize(status, out var canonical);
        return canonical;
    }

    /// <summary>Decides whether a move is allowed. A move to the same status (ignoring case) is always allowed (it is a no-op).</summary>
    /// <param name="id">The target, named in the error.</param>
    /// <param name="from">The current status, as stored; any spelling of Not Set.</param>
    /// <param name="to">The status asked for; any spelling of Not Set.</param>
    /// <returns><see langword="null"/> when allowed; otherwise the error that says why not.</returns>
    public TargetError? Check(TargetId id, string? from, string? to)
    {
        if (!TryNormalize(to, out var target))
        {
            return new UnknownStatusError(to!, Statuses);
        }

        if (!TryNormalize(from, out var source))
        {
            // A stored status the pipeline no longer has: it has no moves out; a tracked operation moves such targets.
            return new StatusNotConfiguredError(id, from!, target, Statuses);
        }

        if (Comparer.Equals(source, target) || (source is null && target is null))
        {
            return null;
        }

        var next = Next(source);
        return next.Contains(target) ? null : new TransitionNotAllowedError(id, source, target, next);
    }

    /// <summary>
    /// Lists the stored statuses a target may move out of into <paramref name="to"/> (configured spellings, <see langword="null"/>
    /// for Not Set), <paramref name="to"/> itself left out: a row in one of them passes <see cref="Check"/> and changes. A guarded
    /// change (<see cref="Storage.GuardedStatusChange"/>) hands this list to the store, which compares it ordinally with the row:
    /// a row stored in another spelling of a status fails that guard and is decided by <see cref="Check"/> instead.
    /// </summary>
    /// <param name="to">A configured status (canonical spelling) or <see langword="null"/>.</param>
    /// <returns>The statuses, in display order, Not Set first.</returns>
    internal IReadOnlyList<string?> MovesInto(string? to) => to is null ? _intoNotSet : _into[to];

    /// <summary>
    /// Decides a move made by a tracked operation: as <see cref="Check"/>, except that a target in a status the pipeline no
    /// longer has may move to any configured status (or Not Set), which is how stranded targets are moved back into the pipeline.
    /// </summary>
    internal TargetError? CheckTrackedMove(TargetId id, string? from, string? to) =>
        Check(id, from, to) is { } refused && refused is not StatusNotConfiguredError ? refused : null;

    /// <summary>Tells whether two statuses are the same status: equal ignoring case, any spelling of Not Set included.</summary>
    /// <param name="a">One status.</param>
    /// <param name="b">The other.</param>
    /// <returns><see langword="true"/> when they name the same status.</returns>
    public static bool SameStatus(string? a, string? b) =>
        PipelineOptions.IsNotSet(a) ? PipelineOptions.IsNotSet(b) : !PipelineOptions.IsNotSet(b) && Comparer.Equals(a, b);

    /// <summary>Answers whether a move is allowed.</summary>
    /// <param name="from">The current status; any spelling of Not Set.</param>
    /// <param name="to">The status asked for; any spelling of Not Set.</param>
    /// <returns><see langword="true"/> when the move is allowed or a no-op.</returns>
    public bool CanMove(string? from, string? to) => Check(default, from, to) is null;

    /// <summary>Prints the pipeline as a Mermaid state diagram.</summary>
    /// <returns>The diagram source, starting with <c>stateDiagram-v2</c>.</returns>
    public string ToMermaid()
    {
        var text = new StringBuilder("stateDiagram-v2\n");
        text.Append("    NotSet: Not Set\n");
        foreach (var status in Statuses)
        {
            text.Append("    ").Append(Node(status)).Append(": ").Append(status).Append('\n');
        }

        void Edges(string? from)
        {
            foreach (var to in NextStatuses(from))
            {
                text.Append("    ").Append(Node(from)).Append(" --> ").Append(Node(to)).Append('\n');
            }
        }

        Edges(null);
        foreach (var status in Statuses)
        {
            Edges(status);
        }

        return text.ToString();
    }

    // Mermaid state ids must be identifiers; display names go in the label.
    private string Node(string? status) =>
        status is null ? "NotSet" : "S" + Statuses.ToList().IndexOf(status) + "_" + new string([.. status.Where(char.IsAsciiLetterOrDigit)]);
}
