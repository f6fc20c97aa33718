namespace TargetTracking;

/// <summary>Options of the ledger (<see cref="Ledger"/>, <see cref="LedgerSealer"/>, <c>AddLedger</c>); docs/ledger.md.</summary>
public sealed class LedgerOptions
{
    /// <summary>The most seals one batch writes, and the most seals one page of a verification reads.</summary>
    public const int MaxBatchSize = 10_000;

    /// <summary>
    /// Gets or sets the key of the keyed hash (HMAC-SHA-256) that covers each entry's personal fields, so an erasure keeps
    /// the proof. At least 32 bytes, from the host's secret store, never from the database; the same key for as long as
    /// the history it sealed is verified.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: it must be set.</value>
#pragma warning disable CA1819 // A key is bytes; the ledger copies it.
    public byte[]? PersonalDataKey { get; set; }
#pragma warning restore CA1819

    /// <summary>Gets or sets the name of this sealer in leases; unique per host instance.</summary>
    /// <value>The default value is the machine name and a random suffix, new for each process.</value>
    public string InstanceId { get; set; } = $"{Environment.MachineName}-{Guid.NewGuid():N}";

    /// <summary>Gets or sets how many entries one batch seals (one transaction) and one page of a verification reads.</summary>
    /// <value>The default value is 1000.</value>
    public int BatchSize { get; set; } = 1000;

    /// <summary>Gets or sets how long the hosted sealer waits after a pass that found nothing to seal: the window in which an entry is guarded but not yet sealed.</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long a sealer's lease on a tenant's chain lasts; renewed by every batch. A sealer that dies holds its chains this long.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    internal IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (PersonalDataKey is not { Length: >= 32 })
        {
            problems.Add($"Ledger:PersonalDataKey must be at least 32 bytes; it is {(PersonalDataKey is null ? "not set" : $"{PersonalDataKey.Length} bytes")}.");
        }

        if (string.IsNullOrWhiteSpace(InstanceId))
        {
            problems.Add("Ledger:InstanceId must not be empty.");
        }

        if (BatchSize is < 1 or > MaxBatchSize)
        {
            problems.Add($"Ledger:BatchSize must be between 1 and {MaxBatchSize}; it is {BatchSize}.");
        }

        if (Interval <= TimeSpan.Zero)
        {
            problems.Add($"Ledger:Interval must be positive; it is {Interval}.");
        }

        if (LeaseDuration <= TimeSpan.Zero)
        {
            problems.Add($"Ledger:LeaseDuration must be positive; it is {LeaseDuration}.");
        }

        return problems;
    }
}
