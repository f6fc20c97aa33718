namespace TargetTracking;

/// <summary>
/// Thrown when the store kept failing with transient errors (a lost connection, a busy database) after every configured
/// retry, by writes and reads alike. It says what happened: which unit of work gave up (<see cref="CorrelationId"/>), what
/// it asked for (<see cref="Changes"/>, enough to replay it), how often it was tried, and whether its last commit may have
/// gone through (<see cref="CommitOutcomeUnknown"/>). The same is logged once, as event 3 (<c>UnitOfWorkAbandoned</c>).
/// </summary>
public sealed class TargetStoreUnavailableException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public TargetStoreUnavailableException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public TargetStoreUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the last failure.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The last transient failure.</param>
    public TargetStoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance that describes the work that gave up.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The last transient failure.</param>
    /// <param name="attempts">How many times the work was tried.</param>
    /// <param name="correlationId">The unit of work's correlation id, shared by every history entry it would have written.</param>
    /// <param name="operationId">The tracked operation the work belonged to.</param>
    /// <param name="changes">What the unit of work asked for, in order.</param>
    /// <param name="commitOutcomeUnknown">Whether the answer to a commit was lost, so the changes may have been written.</param>
    /// <param name="operation">For a tracked operation's run, the operation as this runner last read or committed it.</param>
    internal TargetStoreUnavailableException(
        string message,
        Exception innerException,
        int attempts,
        string? correlationId,
        string? operationId,
        IReadOnlyList<RequestedChange> changes,
        bool commitOutcomeUnknown,
        BulkOperation? operation)
        : base(message, innerException)
    {
        Attempts = attempts;
        CorrelationId = correlationId;
        OperationId = operationId;
        Changes = changes;
        CommitOutcomeUnknown = commitOutcomeUnknown;
        Operation = operation;
    }

    /// <summary>Gets how many times the work was tried (1 plus the configured retries).</summary>
    public int Attempts { get; }

    /// <summary>Gets the correlation id of the unit of work that gave up; every history entry it writes carries it. <see langword="null"/> for reads.</summary>
    public string? CorrelationId { get; }

    /// <summary>Gets the tracked operation the work belonged to, if any.</summary>
    public string? OperationId { get; }

    /// <summary>Gets what the unit of work asked for, in order: target ids, expected versions and requested changes, enough to replay it. Empty for reads.</summary>
    public IReadOnlyList<RequestedChange> Changes { get; } = [];

    /// <summary>
    /// Gets a value indicating whether a commit was sent but its answer was lost and could not be checked since: the changes
    /// may have been written. Before replaying, look for <see cref="CorrelationId"/> in the targets' history. When
    /// <see langword="false"/>, nothing was written.
    /// </summary>
    public bool CommitOutcomeUnknown { get; }

    /// <summary>
    /// Gets, when <see cref="TargetOperations.RunAsync"/> could not reach the store, the operation as this runner last read or
    /// committed it: what is stored, unless a batch whose commit answer was lost went through. Run it again to resume.
    /// </summary>
    public BulkOperation? Operation { get; }
}

/// <summary>What one item of a unit of work asked for.</summary>
public enum RequestedChangeKind
{
    /// <summary>Create a target (<see cref="RequestedChange.NewTarget"/>).</summary>
    Create = 0,

    /// <summary>Replace name, description and markets (<see cref="RequestedChange.Update"/>).</summary>
    Update = 1,

    /// <summary>Move to a status (<see cref="RequestedChange.Status"/>).</summary>
    ChangeStatus = 2,

    /// <summary>Delete the target.</summary>
    Delete = 3,
}

/// <summary>One item of a unit of work as it was asked for: enough to replay it (<see cref="TargetStoreUnavailableException.Changes"/>).</summary>
public sealed record RequestedChange
{
    /// <summary>Gets what was asked for.</summary>
    public required RequestedChangeKind Kind { get; init; }

    /// <summary>Gets the target (for a create, the id it would have).</summary>
    public required TargetId TargetId { get; init; }

    /// <summary>Gets the version the caller read; <see langword="null"/> for creates and tracked operations (which move any version).</summary>
    public long? ExpectedVersion { get; init; }

    /// <summary>Gets the status asked for, for <see cref="RequestedChangeKind.ChangeStatus"/> (<see langword="null"/>: Not Set).</summary>
    public string? Status { get; init; }

    /// <summary>Gets the fields of the target to create, for <see cref="RequestedChangeKind.Create"/>.</summary>
    public NewTarget? NewTarget { get; init; }

    /// <summary>Gets the new fields, for <see cref="RequestedChangeKind.Update"/>.</summary>
    public TargetUpdate? Update { get; init; }

    /// <summary>Returns the change in one line, as logged.</summary>
    /// <returns>For example <c>ChangeStatus 0197… at version 3 to Hot</c>.</returns>
    public override string ToString() => Kind switch
    {
        RequestedChangeKind.Create => $"Create {TargetId} with {Fields(NewTarget?.Name, NewTarget?.Description, NewTarget?.Markets)}, status {StatusStateMachine.Display(NewTarget?.Status)}",
        RequestedChangeKind.Update => $"Update {TargetId} at version {ExpectedVersion} to {Fields(Update?.Name, Update?.Description, Update?.Markets)}",
        RequestedChangeKind.ChangeStatus => $"ChangeStatus {TargetId} at {(ExpectedVersion is { } v ? $"version {v}" : "any version")} to {StatusStateMachine.Display(Status)}",
        _ => $"Delete {TargetId} at version {ExpectedVersion}",
    };

    private static string Fields(string? name, string? description, IReadOnlyList<string>? markets) =>
        $"name \"{name}\", description {(description is null ? "none" : $"\"{description}\"")}, markets [{string.Join(", ", markets ?? [])}]";

    /// <summary>Describes a command of the write path.</summary>
    internal static RequestedChange Of(WriteCommand command) => command switch
    {
        CreateCommand c => new() { Kind = RequestedChangeKind.Create, TargetId = c.Id, NewTarget = c.Target, Status = c.Target.Status },
        UpdateCommand u => new() { Kind = RequestedChangeKind.Update, TargetId = u.Id, ExpectedVersion = u.ExpectedVersion, Update = u.Update },
        ChangeStatusCommand s => new() { Kind = RequestedChangeKind.ChangeStatus, TargetId = s.Id, ExpectedVersion = s.ExpectedVersion, Status = s.Status },
        DeleteCommand d => new() { Kind = RequestedChangeKind.Delete, TargetId = d.Id, ExpectedVersion = d.ExpectedVersion },
        _ => throw new InvalidOperationException($"Unknown command {command.GetType().Name}."),
    };
}
