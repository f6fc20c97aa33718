namespace TargetTracking.Linq2Db;

/// <summary>A row of <c>ledger_heads</c>: the head of a tenant's chain and the lease of its sealer.</summary>
internal sealed class LedgerHeadRecord : ITenantRow
{
    /// <summary>The tenant the row belongs to: its key.</summary>
    public string TenantId { get; set; } = string.Empty;

    public long Position { get; set; }

    public string Hash { get; set; } = string.Empty;

    /// <summary>The feed token's text of the newest sealed entry; <see langword="null"/> before the first.</summary>
    public string? SealedThrough { get; set; }

    public DateTimeOffset? SealedAt { get; set; }

    public string? LeaseOwner { get; set; }

    public DateTimeOffset? LeaseUntil { get; set; }

    public LedgerHead ToHead() => new(Position, Hash, SealedThrough is null ? null : FeedToken.Parse(SealedThrough), SealedAt);
}

/// <summary>A row of <c>ledger_seals</c>: the seal of one entry.</summary>
internal sealed class LedgerSealRecord : ITenantRow
{
    /// <summary>The tenant the row belongs to: the first column of every key.</summary>
    public string TenantId { get; set; } = string.Empty;

    public long Position { get; set; }

    public Guid EntryId { get; set; }

    public string PersonalHash { get; set; } = string.Empty;

    public string Hash { get; set; } = string.Empty;

    public static LedgerSealRecord From(LedgerSeal s) => new() { Position = s.Position, EntryId = s.EntryId, PersonalHash = s.PersonalHash, Hash = s.Hash };

    public LedgerSeal ToSeal() => new(Position, EntryId, PersonalHash, Hash);
}
