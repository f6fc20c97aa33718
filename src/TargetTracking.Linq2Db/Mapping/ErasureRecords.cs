namespace TargetTracking.Linq2Db;

/// <summary>A row of <c>erasures</c>: the record of one erasure of personal data.</summary>
internal sealed class ErasureRecord : ITenantRow
{
    /// <summary>The tenant the row belongs to: the first column of its key.</summary>
    public string TenantId { get; set; } = string.Empty;

    public Guid Id { get; set; }

    public DateTimeOffset ErasedAt { get; set; }

    public string Reason { get; set; } = string.Empty;

    public string? ActorId { get; set; }

    public string? ActorName { get; set; }

    public string CorrelationId { get; set; } = string.Empty;

    public string? ClientAddress { get; set; }

    public string? UserAgent { get; set; }

    /// <summary>The <see cref="ErasureSubject"/>'s name.</summary>
    public string Subject { get; set; } = string.Empty;

    public Guid? TargetId { get; set; }

    public long Entries { get; set; }

    public long Targets { get; set; }

    public static ErasureRecord From(Erasure erasure) => new()
    {
        TenantId = erasure.Tenant,
        Id = erasure.Id,
        ErasedAt = erasure.ErasedAt,
        Reason = erasure.Reason,
        ActorId = erasure.Audit.ActorId,
        ActorName = erasure.Audit.ActorName,
        CorrelationId = erasure.Audit.CorrelationId ?? string.Empty,
        ClientAddress = erasure.Audit.ClientAddress,
        UserAgent = erasure.Audit.UserAgent,
        Subject = erasure.Subject.ToString(),
        TargetId = erasure.TargetId?.Value,
        Entries = erasure.Entries,
        Targets = erasure.Targets,
    };

    public Erasure ToErasure() => new()
    {
        Id = Id,
        Tenant = TenantId,
        ErasedAt = ErasedAt,
        Reason = Reason,
        Audit = new AuditContext { ActorId = ActorId, ActorName = ActorName, CorrelationId = CorrelationId, ClientAddress = ClientAddress, UserAgent = UserAgent },
        Subject = Enum.Parse<ErasureSubject>(Subject),
        TargetId = TargetId is { } id ? new TargetId(id) : null,
        Entries = Entries,
        Targets = Targets,
    };
}

/// <summary>A row of <c>erased_entries</c>: an entry an erasure changed.</summary>
internal sealed class ErasedEntryRecord : ITenantRow
{
    /// <summary>The tenant the row belongs to: the first column of its key.</summary>
    public string TenantId { get; set; } = string.Empty;

    public Guid EntryId { get; set; }

    public Guid ErasureId { get; set; }
}
