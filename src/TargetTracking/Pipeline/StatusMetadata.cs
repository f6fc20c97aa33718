namespace TargetTracking;

/// <summary>Whether a status ends a target's course, and how.</summary>
public enum StatusOutcome
{
    /// <summary>The target is still in play.</summary>
    Open = 0,

    /// <summary>Closed-won: reports count a target whose last outcome is this status as won.</summary>
    Won = 1,

    /// <summary>Closed-lost: reports count a target whose last outcome is this status as lost.</summary>
    Lost = 2,
}

/// <summary>What a status means: its win probability, its forecast category and its outcome.</summary>
/// <param name="WinProbability">The chance, in whole percent from 0 to 100, that a target in this status is won.</param>
/// <param name="ForecastCategory">The forecast category (one of <see cref="PipelineOptions.ForecastCategories"/>).</param>
/// <param name="Outcome">Whether the status is open, closed-won or closed-lost.</param>
public sealed record StatusMetadata(int WinProbability, string ForecastCategory, StatusOutcome Outcome = StatusOutcome.Open);

/// <summary>A field of a target that a status can require (<see cref="PipelineOptions.RequiredFields"/>).</summary>
public enum TargetField
{
    /// <summary>The amount (<see cref="Target.Amount"/>).</summary>
    Amount = 0,

    /// <summary>The owner (<see cref="Target.OwnerId"/>).</summary>
    Owner = 1,

    /// <summary>The description (<see cref="Target.Description"/>).</summary>
    Description = 2,

    /// <summary>At least one market (<see cref="Target.Markets"/>).</summary>
    Markets = 3,
}

/// <summary>Why a target was lost: a code from <see cref="PipelineOptions.LostReasons"/> and, optionally, free text.</summary>
/// <param name="Code">One of the configured reason codes, matched ignoring case; stored in <see cref="HistoryEntry.Reason"/> as configured.</param>
/// <param name="Note">
/// Free text, stored in the entry's <see cref="HistoryEntry.Note"/> (a personal field of the ledger: it may name a person); at most
/// <see cref="MaxNoteLength"/> characters, no NUL, no unpaired surrogate.
/// </param>
public sealed record LostReason(string Code, string? Note = null)
{
    /// <summary>The longest reason code, in UTF-16 code units.</summary>
    public const int MaxCodeLength = 64;

    /// <summary>The longest free text, in UTF-16 code units.</summary>
    public const int MaxNoteLength = 2000;
}
