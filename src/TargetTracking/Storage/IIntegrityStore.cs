namespace TargetTracking.Storage;

/// <summary>
/// The storage port of the integrity check: a store that implements it answers "what is wrong with the stored
/// targets and history" itself, set-based, over one consistent snapshot, streaming what it finds so memory stays
/// flat in the size of the data. The in-memory store answers by brute force, as the model; the relational stores
/// answer with window functions in the database. <see cref="TargetHealth"/> turns findings into problems and repairs.
/// A store that does not implement it cannot be checked (<see cref="TargetTracker.Supports{TPort}"/>).
/// </summary>
public interface IIntegrityStore
{
    /// <summary>
    /// Scans the store (or the targets named in <see cref="IntegrityScan.Targets"/>) and reports every finding as it
    /// is read. Never throws for bad data: a row the store cannot read is a <see cref="IntegrityProblemKind.MalformedRow"/> finding.
    /// </summary>
    /// <param name="scan">What to scan.</param>
    /// <param name="found">
    /// Receives each finding while the store reads; it must be quick and must not call the store (a database reader
    /// is open while it runs).
    /// </param>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <returns>How many targets and entries the snapshot held (of the named targets, when given).</returns>
    Task<IntegrityCounts> ScanIntegrityAsync(IntegrityScan scan, Action<IntegrityFinding> found, CancellationToken cancellationToken = default);
}

/// <summary>What an integrity scan covers.</summary>
public sealed record IntegrityScan
{
    /// <summary>
    /// Gets the statuses of the pipeline in their configured spelling. A target whose stored status is not one of them,
    /// spelled exactly, is reported as an <see cref="IntegrityProblemKind.UnknownStatus"/> candidate; the core drops
    /// the candidates the pipeline knows under another case.
    /// </summary>
    public required IReadOnlyCollection<string> KnownStatuses { get; init; }

    /// <summary>
    /// Gets the only targets to scan (their rows and their history), or <see langword="null"/> for the whole store
    /// over one consistent snapshot. Targeted scans skip malformed rows (they cannot be told apart by target).
    /// </summary>
    public IReadOnlyCollection<TargetId>? Targets { get; init; }
}

/// <summary>How many rows an integrity scan saw.</summary>
/// <param name="Targets">Target rows.</param>
/// <param name="Entries">History entries.</param>
public readonly record struct IntegrityCounts(long Targets, long Entries);

/// <summary>
/// One fact a store found: the kind, where, and what the core needs to describe and repair it. Every finding of a
/// target carries the same <see cref="Row"/> and <see cref="Tail"/>.
/// </summary>
public sealed record IntegrityFinding
{
    /// <summary>Gets what is wrong.</summary>
    public required IntegrityProblemKind Kind { get; init; }

    /// <summary>Gets the target, or <see langword="null"/> for a malformed row whose target id cannot be read.</summary>
    public TargetId? TargetId { get; init; }

    /// <summary>
    /// Gets the entry the finding is about: for a gap, a broken chain or a duplicate version, the entry itself; for
    /// orphaned history and a status that disagrees, the newest entry.
    /// </summary>
    public HistoryEntryFacts? Entry { get; init; }

    /// <summary>Gets the entry before <see cref="Entry"/> by version, for a gap or a broken chain; <see langword="null"/> when it is the first.</summary>
    public HistoryEntryFacts? Previous { get; init; }

    /// <summary>Gets the target's row as stored, or <see langword="null"/> where there is none.</summary>
    public IntegrityRow? Row { get; init; }

    /// <summary>Gets the target's newest readable entry, or <see langword="null"/> where it has none.</summary>
    public HistoryEntryFacts? Tail { get; init; }

    /// <summary>Gets where a malformed row is and what in it cannot be read; set only for <see cref="IntegrityProblemKind.MalformedRow"/>.</summary>
    public MalformedRow? Malformed { get; init; }

    /// <summary>
    /// Gets the link that should not exist; set only for <see cref="IntegrityProblemKind.LinkToMissingRow"/>. Such a
    /// finding carries the outcome's <see cref="Row"/> (when there is one) but no <see cref="Tail"/>: the link's
    /// <see cref="IntegrityLink.LastVersion"/> is all a repair needs of the history.
    /// </summary>
    public IntegrityLink? Link { get; init; }
}
