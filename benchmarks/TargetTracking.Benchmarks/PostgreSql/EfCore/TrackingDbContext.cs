using Microsoft.EntityFrameworkCore;
using Npgsql;
using TargetTracking.Benchmarks.Infrastructure;

namespace TargetTracking.Benchmarks.PostgreSql.EfCore;

/// <summary>A target row as a hand-rolled EF Core model maps it.</summary>
internal sealed class TargetEntity
{
    public string TenantId { get; set; } = "default";

    public Guid Id { get; set; }

    public string Name { get; set; } = "";

    public string NameNorm { get; set; } = "";

    public string? Description { get; set; }

    public string[] Markets { get; set; } = [];

    public string[] MarketsNorm { get; set; } = [];

    public string? Status { get; set; }

    /// <summary>Gets or sets the version: the concurrency token.</summary>
    public long Version { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public DateTime? StatusChangedAt { get; set; }
}

/// <summary>A history row as a hand-rolled EF Core model maps it.</summary>
internal sealed class HistoryEntity
{
    public string TenantId { get; set; } = "default";

    public Guid Id { get; set; }

    public Guid TargetId { get; set; }

    public string Action { get; set; } = "";

    public string? OldStatus { get; set; }

    public string? NewStatus { get; set; }

    public long Version { get; set; }

    public DateTime OccurredAt { get; set; }

    public string? ActorId { get; set; }

    public string? ActorName { get; set; }

    public string CorrelationId { get; set; } = "";

    public string? OperationId { get; set; }

    public string? ClientAddress { get; set; }

    public string? UserAgent { get; set; }
}

/// <summary>What most users would write with EF Core 10 and Npgsql: the same two tables, the version as concurrency token.</summary>
internal sealed class TrackingDbContext(DbContextOptions<TrackingDbContext> options) : DbContext(options)
{
    public DbSet<TargetEntity> Targets => Set<TargetEntity>();

    public DbSet<HistoryEntity> History => Set<HistoryEntity>();

    public static DbContextOptions<TrackingDbContext> CreateOptions(NpgsqlDataSource dataSource) =>
        new DbContextOptionsBuilder<TrackingDbContext>().UseNpgsql(dataSource).Options;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(PostgreSqlBenchDatabase.Schema);
        modelBuilder.Entity<TargetEntity>(target =>
        {
            target.ToTable("targets");
            target.HasKey(t => new { t.TenantId, t.Id });
            target.Property(t => t.TenantId).HasColumnName("tenant_id");
            target.Property(t => t.Id).HasColumnName("id").ValueGeneratedNever();
            target.Property(t => t.Name).HasColumnName("name");
            target.Property(t => t.NameNorm).HasColumnName("name_norm");
            target.Property(t => t.Description).HasColumnName("description");
            target.Property(t => t.Markets).HasColumnName("markets");
            target.Property(t => t.MarketsNorm).HasColumnName("markets_norm");
            target.Property(t => t.Status).HasColumnName("status");
            target.Property(t => t.Version).HasColumnName("version").IsConcurrencyToken();
            target.Property(t => t.CreatedAt).HasColumnName("created_at");
            target.Property(t => t.UpdatedAt).HasColumnName("updated_at");
            target.Property(t => t.StatusChangedAt).HasColumnName("status_changed_at");
        });
        modelBuilder.Entity<HistoryEntity>(history =>
        {
            history.ToTable("target_history");
            history.HasKey(h => new { h.TenantId, h.Id });
            history.Property(h => h.TenantId).HasColumnName("tenant_id");
            history.Property(h => h.Id).HasColumnName("id").ValueGeneratedNever();
            history.Property(h => h.TargetId).HasColumnName("target_id");
            history.Property(h => h.Action).HasColumnName("action");
            history.Property(h => h.OldStatus).HasColumnName("old_status");
            history.Property(h => h.NewStatus).HasColumnName("new_status");
            history.Property(h => h.Version).HasColumnName("version");
            history.Property(h => h.OccurredAt).HasColumnName("occurred_at");
            history.Property(h => h.ActorId).HasColumnName("actor_id");
            history.Property(h => h.ActorName).HasColumnName("actor_name");
            history.Property(h => h.CorrelationId).HasColumnName("correlation_id");
            history.Property(h => h.OperationId).HasColumnName("operation_id");
            history.Property(h => h.ClientAddress).HasColumnName("client_address");
            history.Property(h => h.UserAgent).HasColumnName("user_agent");
        });
    }
}
