using System.Runtime.InteropServices;

namespace TargetTracking.Linq2Db;

/// <summary>A row of the targets table. Column names are shared by every dialect; types are mapped per dialect.</summary>
internal sealed class TargetRecord : ITenantRow
{
    /// <summary>The tenant the row belongs to: the first column of every key.</summary>
    public string TenantId { get; set; } = string.Empty;

    public Guid Id { get; set; }

    public string Name { get; set; } = string.Empty;

    /// <summary>The name as <see cref="TextSearch.Normalize"/> gives it: what the name filter searches.</summary>
    public string NameNorm { get; set; } = string.Empty;

    public string? Description { get; set; }

    public string[] Markets { get; set; } = [];

    /// <summary>The normalized markets, where the dialect keeps them in the row (an array column); otherwise unmapped.</summary>
    public string[] MarketsNorm { get; set; } = [];

    public string? Status { get; set; }

    /// <summary><c>UPPER(status)</c> as the database computes it, where a dialect keeps it in a generated column (<see cref="StorageShape.StatusUpper"/>); never written, never read into a target.</summary>
    public string? StatusUpper { get; set; }

    public long Version { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? StatusChangedAt { get; set; }

    /// <summary>The amount in ten-thousandths of <see cref="Currency"/> (<see cref="MoneyUnits"/>).</summary>
    public long? AmountUnits { get; set; }

    public string? Currency { get; set; }

    public string? OwnerId { get; set; }

    /// <summary>
    /// The columns a <see cref="Target"/> is made of: reads leave out the search columns (normalized name and markets),
    /// which only filters use; decoding a 10,000-row lock's second text array is measurable.
    /// </summary>
    public static System.Linq.Expressions.Expression<Func<TargetRecord, TargetRecord>> Readable { get; } = t => new TargetRecord
    {
        Id = t.Id,
        Name = t.Name,
        Description = t.Description,
        Markets = t.Markets,
        Status = t.Status,
        Version = t.Version,
        CreatedAt = t.CreatedAt,
        UpdatedAt = t.UpdatedAt,
        StatusChangedAt = t.StatusChangedAt,
        AmountUnits = t.AmountUnits,
        Currency = t.Currency,
        OwnerId = t.OwnerId,
    };

    public static TargetRecord From(Target target) => new()
    {
        Id = target.Id.Value,
        Name = target.Name,
        NameNorm = TextSearch.Normalize(target.Name),
        Description = target.Description,
        Markets = [.. target.Markets],
        MarketsNorm = [.. target.Markets.Select(TextSearch.Normalize)],
        Status = target.Status,
        Version = target.Version,
        CreatedAt = target.CreatedAt,
        UpdatedAt = target.UpdatedAt,
        StatusChangedAt = target.StatusChangedAt,
        AmountUnits = MoneyUnits.Of(target.Amount),
        Currency = target.Amount?.Currency,
        OwnerId = target.OwnerId,
    };

    public Target ToTarget() => new()
    {
        Id = new TargetId(Id),
        Name = Name,
        Description = Description,

        // The array is this row's own: the target's immutable markets wrap it without a copy.
        Markets = ImmutableCollectionsMarshal.AsImmutableArray(Markets),
        Status = Status,
        Version = Version,
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        StatusChangedAt = StatusChangedAt,
        Amount = MoneyUnits.ToMoney(AmountUnits, Currency),
        OwnerId = OwnerId,
    };
}

/// <summary>A row of the side table that indexes normalized markets, for dialects without array columns.</summary>
internal sealed class MarketRecord : ITenantRow
{
    /// <summary>The tenant the row belongs to: the first column of every key.</summary>
    public string TenantId { get; set; } = string.Empty;

    public Guid TargetId { get; set; }

    public string MarketNorm { get; set; } = string.Empty;
}

/// <summary>A row of the append-only history table.</summary>
internal sealed class HistoryRecord : ITenantRow
{
    /// <summary>The tenant the row belongs to: the first column of every key.</summary>
    public string TenantId { get; set; } = string.Empty;

    public Guid Id { get; set; }

    public Guid TargetId { get; set; }

    public string Action { get; set; } = string.Empty;

    public string? OldStatus { get; set; }

    public string? NewStatus { get; set; }

    public long Version { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    /// <summary>When the change took effect; NULL on entries written before the column existed, which took effect when recorded.</summary>
    public DateTimeOffset? EffectiveAt { get; set; }

    public string? ActorId { get; set; }

    public string? ActorName { get; set; }

    public string CorrelationId { get; set; } = string.Empty;

    public string? OperationId { get; set; }

    public string? ClientAddress { get; set; }

    public string? UserAgent { get; set; }

    public string? Note { get; set; }

    public long? OldAmountUnits { get; set; }

    public string? OldCurrency { get; set; }

    public long? NewAmountUnits { get; set; }

    public string? NewCurrency { get; set; }

    public string? OldOwnerId { get; set; }

    public string? NewOwnerId { get; set; }

    public string? Reason { get; set; }

    public static HistoryRecord From(HistoryEntry entry) => new()
    {
        Id = entry.Id,
        TargetId = entry.TargetId.Value,
        Action = entry.Action.ToString(),
        OldStatus = entry.OldStatus,
        NewStatus = entry.NewStatus,
        Version = entry.Version,
        OccurredAt = entry.OccurredAt,
        EffectiveAt = entry.EffectiveAt,
        ActorId = entry.ActorId,
        ActorName = entry.ActorName,
        CorrelationId = entry.CorrelationId,
        OperationId = entry.OperationId,
        ClientAddress = entry.ClientAddress,
        UserAgent = entry.UserAgent,
        Note = entry.Note,
        OldAmountUnits = MoneyUnits.Of(entry.OldAmount),
        OldCurrency = entry.OldAmount?.Currency,
        NewAmountUnits = MoneyUnits.Of(entry.NewAmount),
        NewCurrency = entry.NewAmount?.Currency,
        OldOwnerId = entry.OldOwnerId,
        NewOwnerId = entry.NewOwnerId,
        Reason = entry.Reason,
    };

    public HistoryEntry ToEntry() => new()
    {
        Id = Id,
        TargetId = new TargetId(TargetId),
        Action = Enum.Parse<HistoryAction>(Action),
        OldStatus = OldStatus,
        NewStatus = NewStatus,
        Version = Version,
        OccurredAt = OccurredAt,
        EffectiveAt = EffectiveAt ?? OccurredAt,
        ActorId = ActorId,
        ActorName = ActorName,
        CorrelationId = CorrelationId,
        OperationId = OperationId,
        ClientAddress = ClientAddress,
        UserAgent = UserAgent,
        Note = Note,
        OldAmount = MoneyUnits.ToMoney(OldAmountUnits, OldCurrency),
        NewAmount = MoneyUnits.ToMoney(NewAmountUnits, NewCurrency),
        OldOwnerId = OldOwnerId,
        NewOwnerId = NewOwnerId,
        Reason = Reason,
    };
}

/// <summary>A row of the tracked operations table.</summary>
internal sealed class OperationRecord : ITenantRow
{
    /// <summary>The tenant the row belongs to: the first column of every key.</summary>
    public string TenantId { get; set; } = string.Empty;

    public string Id { get; set; } = string.Empty;

    public string Status { get; set; } = string.Empty;

    public string? TargetStatus { get; set; }

    public DateTimeOffset? EffectiveAt { get; set; }

    public string Selection { get; set; } = string.Empty;

    public long Total { get; set; }

    public long Processed { get; set; }

    public long Succeeded { get; set; }

    public long Failed { get; set; }

    public int BatchSize { get; set; }

    public long CurrentBatch { get; set; }

    public Guid? Cursor { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset LastUpdatedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    public string? Error { get; set; }

    public int RetryCount { get; set; }

    public int MaxRetries { get; set; }

    public bool CancelRequested { get; set; }

    public string? ActorId { get; set; }

    public string? ActorName { get; set; }

    public string? ClientAddress { get; set; }

    public string? UserAgent { get; set; }

    public string? Reason { get; set; }

    public string? ReasonNote { get; set; }

    public static OperationRecord From(BulkOperation o) => new()
    {
        Id = o.Id,
        Status = o.Status.ToString(),
        TargetStatus = o.TargetStatus,
        EffectiveAt = o.EffectiveAt,
        Selection = o.Selection,
        Total = o.Total,
        Processed = o.Processed,
        Succeeded = o.Succeeded,
        Failed = o.Failed,
        BatchSize = o.BatchSize,
        CurrentBatch = o.CurrentBatch,
        Cursor = o.Cursor?.Value,
        CreatedAt = o.CreatedAt,
        StartedAt = o.StartedAt,
        LastUpdatedAt = o.LastUpdatedAt,
        CompletedAt = o.CompletedAt,
        Error = o.Error,
        RetryCount = o.RetryCount,
        MaxRetries = o.MaxRetries,
        CancelRequested = o.CancelRequested,
        ActorId = o.ActorId,
        ActorName = o.ActorName,
        ClientAddress = o.ClientAddress,
        UserAgent = o.UserAgent,
        Reason = o.Reason?.Code,
        ReasonNote = o.Reason?.Note,
    };

    public BulkOperation ToOperation() => new()
    {
        Id = Id,
        Status = Enum.Parse<OperationStatus>(Status),
        TargetStatus = TargetStatus,
        EffectiveAt = EffectiveAt,
        Selection = Selection,
        Total = Total,
        Processed = Processed,
        Succeeded = Succeeded,
        Failed = Failed,
        BatchSize = BatchSize,
        CurrentBatch = CurrentBatch,
        Cursor = Cursor is { } cursor ? new TargetId(cursor) : null,
        CreatedAt = CreatedAt,
        StartedAt = StartedAt,
        LastUpdatedAt = LastUpdatedAt,
        CompletedAt = CompletedAt,
        Error = Error,
        RetryCount = RetryCount,
        MaxRetries = MaxRetries,
        CancelRequested = CancelRequested,
        ActorId = ActorId,
        ActorName = ActorName,
        ClientAddress = ClientAddress,
        UserAgent = UserAgent,
        Reason = Reason is { } code ? new LostReason(code, ReasonNote) : null,
    };
}

/// <summary>A target id in an operation's fixed selection.</summary>
internal sealed class OperationItemRecord : ITenantRow
{
    /// <summary>The tenant the row belongs to: the first column of every key.</summary>
    public string TenantId { get; set; } = string.Empty;

    public string OperationId { get; set; } = string.Empty;

    public Guid TargetId { get; set; }
}

/// <summary>A failed item of an operation.</summary>
internal sealed class OperationFailureRecord : ITenantRow
{
    /// <summary>The tenant the row belongs to: the first column of every key.</summary>
    public string TenantId { get; set; } = string.Empty;

    public string OperationId { get; set; } = string.Empty;

    /// <summary>Insertion order among the failures of one target (an identity, or SQLite's rowid); never written.</summary>
    public long Seq { get; set; }

    public Guid TargetId { get; set; }

    public string Code { get; set; } = string.Empty;

    public string Message { get; set; } = string.Empty;

    public DateTimeOffset OccurredAt { get; set; }

    public OperationItemFailure ToFailure() => new(OperationId, new TargetId(TargetId), Code, Message, OccurredAt);
}

/// <summary>A target id read from the stays table by raw SQL (the integrity check), mapped as the dialect stores ids.</summary>
internal sealed class StayKeyRecord
{
    public Guid TargetId { get; set; }
}
