using TargetTracking;

namespace TargetTracking.Conformance;

/// <summary>What a store's test project supplies to run <see cref="IntegrityConformance{TFixture}"/>: stores it can corrupt.</summary>
public interface IIntegrityFixture : IStoreFixture
{
    /// <summary>Creates a new, empty, isolated store and a saboteur that writes into it behind the core's back.</summary>
    Task<(ITargetRepository Repository, IStoreSaboteur Saboteur)> CreateCorruptibleAsync();
}

/// <summary>A row the library cannot read, planted by raw SQL (or a test hook).</summary>
public enum Malformation
{
    /// <summary>A history entry whose target id is not a GUID (SQLite: any text fits the column).</summary>
    HistoryTargetIdNotGuid,

    /// <summary>A target whose markets are not a JSON array of text (SQLite: markets are JSON text).</summary>
    MarketsNotJson,

    /// <summary>A history entry with an action the library does not define.</summary>
    UnknownAction,
}

/// <summary>
/// Writes into a store the way a careless script or a bug would: raw SQL as the table owner for the relational
/// stores (history is append-only, so corruption is planted by inserting rows, or by dropping a key), a test-only hook
/// for the in-memory store.
/// </summary>
public interface IStoreSaboteur
{
    /// <summary>Gets the malformed rows the store's column types let in.</summary>
    IReadOnlySet<Malformation> Plantable { get; }

    /// <summary>Inserts a history entry as given.</summary>
    Task InsertHistoryAsync(HistoryEntry entry);

    /// <summary>Sets a target row's status and version, leaving its history alone.</summary>
    Task SetTargetStateAsync(TargetId id, string? status, long version);

    /// <summary>Deletes a target row, leaving its history and its links alone (the foreign keys off for the session).</summary>
    Task DeleteTargetRowAsync(TargetId id);

    /// <summary>Inserts a link row as given, with the foreign keys off for the session: its sides need not exist.</summary>
    Task InsertLinkAsync(OutcomeLink link);

    /// <summary>Deletes a goal, sprint or commitment row, leaving its links and history alone (the foreign keys off for the session).</summary>
    Task DeleteItemRowAsync(Guid itemId);

    /// <summary>Inserts a target row without history.</summary>
    Task InsertTargetRowAsync(Target target);

    /// <summary>Drops the key that keeps one entry per target and version.</summary>
    Task AllowDuplicateVersionsAsync();

    /// <summary>Plants a malformed row (on <paramref name="target"/>, where the row belongs to one).</summary>
    /// <returns>The id of the row as stored, which the report must name.</returns>
    Task<string> PlantAsync(Malformation malformation, TargetId target);
}
