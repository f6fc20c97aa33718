namespace TargetTracking.Linq2Db;

/// <summary>A row of <c>tenant_deletions</c>: the record of a deleted tenant, kept outside its data.</summary>
internal sealed class TenantDeletionRecord : ITenantRow
{
    /// <summary>The tenant that was deleted.</summary>
    public string TenantId { get; set; } = string.Empty;

    public Guid Id { get; set; }

    public DateTimeOffset DeletedAt { get; set; }

    public string Reason { get; set; } = string.Empty;

    public string? ActorId { get; set; }

    public string? ActorName { get; set; }

    public string CorrelationId { get; set; } = string.Empty;

    public string? ClientAddress { get; set; }

    public string? UserAgent { get; set; }

    public long Targets { get; set; }

    public long HistoryEntries { get; set; }

    public static TenantDeletionRecord From(TenantDeletion deletion) => new()
    {
        TenantId = deletion.Tenant,
        Id = deletion.Id,
        DeletedAt = deletion.DeletedAt,
        Reason = deletion.Reason,
        ActorId = deletion.Audit.ActorId,
        ActorName = deletion.Audit.ActorName,
        CorrelationId = deletion.Audit.CorrelationId ?? string.Empty,
        ClientAddress = deletion.Audit.ClientAddress,
        UserAgent = deletion.Audit.UserAgent,
        Targets = deletion.Targets,
        HistoryEntries = deletion.HistoryEntries,
    };

    public TenantDeletion ToDeletion() => new()
    {
        Id = Id,
        Tenant = TenantId,
        DeletedAt = DeletedAt,
        Reason = Reason,
        Audit = new AuditContext { ActorId = ActorId, ActorName = ActorName, CorrelationId = CorrelationId, ClientAddress = ClientAddress, UserAgent = UserAgent },
        Targets = Targets,
        HistoryEntries = HistoryEntries,
    };
}
