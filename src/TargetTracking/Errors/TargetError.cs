namespace TargetTracking;

/// <summary>
/// An expected reason a request was not applied. Errors are values, returned instead of thrown, so a host
/// can <c>switch</c> on the type (and map it to 404, 409, 422 or 400). When an error is returned, nothing was written.
/// </summary>
public abstract record TargetError
{
    private protected TargetError()
    {
    }

    /// <summary>Gets a stable machine-readable code, e.g. <c>not_found</c>.</summary>
    public abstract string Code { get; }

    /// <summary>Gets a sentence a person can read.</summary>
    public abstract string Message { get; }
}

/// <summary>The target does not exist (it never did, or it was deleted).</summary>
/// <param name="Id">The id asked for.</param>
public sealed record NotFoundError(TargetId Id) : TargetError
{
    /// <inheritdoc />
    public override string Code => "not_found";

    /// <inheritdoc />
    public override string Message => $"Target {Id} was not found.";
}

/// <summary>The write named a version that is no longer current: someone else changed the target first.</summary>
/// <param name="ExpectedVersion">The version the caller read.</param>
/// <param name="Current">The target as it is now; re-apply the change to it and try again.</param>
public sealed record VersionConflictError(long ExpectedVersion, Target Current) : TargetError
{
    /// <inheritdoc />
    public override string Code => "version_conflict";

    /// <inheritdoc />
    public override string Message =>
        $"Target {Current.Id} is at version {Current.Version}, not {ExpectedVersion}: it was changed since it was read.";
}

/// <summary>The status is not one of the configured statuses.</summary>
/// <param name="Status">The status given.</param>
/// <param name="KnownStatuses">The configured statuses (Not Set is <see langword="null"/> and always allowed as a value).</param>
public sealed record UnknownStatusError(string Status, IReadOnlyList<string> KnownStatuses) : TargetError
{
    /// <inheritdoc />
    public override string Code => "unknown_status";

    /// <inheritdoc />
    public override string Message =>
        $"'{Status}' is not a pipeline status. Known statuses: {string.Join(", ", KnownStatuses)} (or Not Set).";
}

/// <summary>The target lacks fields the status it would enter requires (<see cref="PipelineOptions.RequiredFields"/>); nothing was written.</summary>
/// <param name="Id">The target.</param>
/// <param name="Status">The status asked for.</param>
/// <param name="Missing">The required fields the target does not have, in the order configured.</param>
public sealed record RequiredFieldsMissingError(TargetId Id, string Status, IReadOnlyList<TargetField> Missing) : TargetError
{
    /// <inheritdoc />
    public override string Code => "required_fields_missing";

    /// <inheritdoc />
    public override string Message =>
        $"Target {Id} cannot enter {Status} without {string.Join(", ", Missing.Select(f => f.ToString().ToLowerInvariant()))}: set {(Missing.Count == 1 ? "it" : "them")} first, or in the same unit of work.";
}

/// <summary>
/// A move into a closed-lost status gave no reason, or one that is not configured (<see cref="PipelineOptions.LostReasons"/>); or a
/// move into any other status gave one. Nothing was written.
/// </summary>
/// <param name="Status">The status asked for (<see langword="null"/>: Not Set).</param>
/// <param name="Given">The reason code given; <see langword="null"/> when none was.</param>
/// <param name="Reasons">The configured reason codes; a move into <paramref name="Status"/> must give one of them, or none when it is not closed-lost.</param>
/// <param name="Required">Whether <paramref name="Status"/> is closed-lost, so that it needs a reason.</param>
public sealed record LostReasonError(string? Status, string? Given, IReadOnlyList<string> Reasons, bool Required) : TargetError
{
    /// <inheritdoc />
    public override string Code => Required ? (Given is null ? "lost_reason_required" : "lost_reason_unknown") : "lost_reason_not_allowed";

    /// <inheritdoc />
    public override string Message => !Required
        ? Reasons.Count == 0
            ? $"No lost reasons are configured (Pipeline:LostReasons), so a move takes none; '{Given}' was given."
            : $"A move into {StatusStateMachine.Display(Status)} takes no lost reason (only a move into a closed-lost status does); '{Given}' was given."
        : Given is null
            ? $"A move into {Status} needs a lost reason, one of: {string.Join(", ", Reasons)}."
            : $"'{Given}' is not a lost reason; a move into {Status} needs one of: {string.Join(", ", Reasons)}.";
}

/// <summary>A host's guard (<see cref="ITransitionGuard"/>) refused the move, or the guards did not decide within their budget. Nothing was written.</summary>
/// <param name="Id">The target.</param>
/// <param name="From">The status the guard saw (<see langword="null"/>: Not Set).</param>
/// <param name="To">The status asked for (<see langword="null"/>: Not Set).</param>
/// <param name="Guard">The guard's type name, or <c>GuardBudget</c> when the budget ran out first.</param>
/// <param name="Reason">The guard's reason.</param>
public sealed record GuardRefusedError(TargetId Id, string? From, string? To, string Guard, string Reason) : TargetError
{
    /// <inheritdoc />
    public override string Code => "guard_refused";

    /// <inheritdoc />
    public override string Message => $"Moving target {Id} from {StatusStateMachine.Display(From)} to {StatusStateMachine.Display(To)} was refused by {Guard}: {Reason}";
}

/// <summary>
/// The time a status change took effect is out of bounds: after now (the store's clock, <see cref="TimeProvider"/>), or before the
/// target's previous effective change (<see cref="Target.StatusChangedAt"/>, or its creation when its status never changed).
/// A backdated change is appended after every entry the target has; it cannot go before the one it follows. Nothing was written.
/// </summary>
/// <param name="Id">The target.</param>
/// <param name="EffectiveAt">The effective time given.</param>
/// <param name="NotBefore">The earliest time allowed: the target's previous effective change (<see langword="null"/> when the time was refused for being in the future).</param>
/// <param name="NotAfter">The latest time allowed: now, when the change was decided.</param>
public sealed record EffectiveTimeOutOfRangeError(TargetId Id, DateTimeOffset EffectiveAt, DateTimeOffset? NotBefore, DateTimeOffset NotAfter) : TargetError
{
    /// <inheritdoc />
    public override string Code => "effective_time_out_of_range";

    /// <inheritdoc />
    public override string Message => NotBefore is { } bound
        ? $"Target {Id} cannot change status effective {EffectiveAt:O}: that is before its previous effective change at {bound:O}."
        : $"Target {Id} cannot change status effective {EffectiveAt:O}: that is in the future (now is {NotAfter:O}).";
}

/// <summary>The pipeline does not allow this move.</summary>
/// <param name="Id">The target.</param>
/// <param name="From">The current status (<see langword="null"/>: Not Set).</param>
/// <param name="To">The status asked for (<see langword="null"/>: Not Set).</param>
/// <param name="AllowedNext">The statuses the target can move to from <paramref name="From"/>.</param>
public sealed record TransitionNotAllowedError(TargetId Id, string? From, string? To, IReadOnlyList<string?> AllowedNext) : TargetError
{
    /// <inheritdoc />
    public override string Code => "transition_not_allowed";

    /// <inheritdoc />
    public override string Message =>
        $"Target {Id} cannot move from {StatusStateMachine.Display(From)} to {StatusStateMachine.Display(To)}. " +
        (AllowedNext.Count == 0
            ? $"{StatusStateMachine.Display(From)} is a final status."
            : $"Allowed next: {string.Join(", ", AllowedNext.Select(StatusStateMachine.Display))}.");
}

/// <summary>
/// The target is in a status the pipeline no longer has (it was removed from the configuration while targets were in it).
/// Reads, updates and deletes keep working; the pipeline has no moves out of it. Move such targets to a configured status
/// with a tracked operation (<see cref="StartOperationRequest.MoveOutOfUnconfiguredStatus"/>), which records history like
/// any move, or configure the status again.
/// </summary>
/// <param name="Id">The target.</param>
/// <param name="Status">The stored status, which no configured status matches (ignoring case).</param>
/// <param name="To">The status asked for (<see langword="null"/>: Not Set).</param>
/// <param name="KnownStatuses">The configured statuses.</param>
public sealed record StatusNotConfiguredError(TargetId Id, string Status, string? To, IReadOnlyList<string> KnownStatuses) : TargetError
{
    /// <inheritdoc />
    public override string Code => "status_not_configured";

    /// <inheritdoc />
    public override string Message =>
        $"Target {Id} is in '{Status}', a status the pipeline no longer has, so it cannot move to {StatusStateMachine.Display(To)} directly. " +
        $"Move such targets to one of {string.Join(", ", KnownStatuses)} (or Not Set) with a tracked operation, or configure '{Status}' again.";
}

/// <summary>One or more fields are invalid.</summary>
/// <param name="Errors">What is wrong with which field.</param>
public sealed record InvalidInputError(IReadOnlyList<FieldError> Errors) : TargetError
{
    /// <inheritdoc />
    public override string Code => "invalid_input";

    /// <inheritdoc />
    public override string Message => string.Join(" ", Errors.Select(e => $"{e.Field}: {e.Message}"));
}

/// <summary>What is wrong with one field.</summary>
/// <param name="Field">The field, e.g. <c>name</c> or <c>markets[2]</c>.</param>
/// <param name="Message">What is wrong.</param>
public sealed record FieldError(string Field, string Message);
