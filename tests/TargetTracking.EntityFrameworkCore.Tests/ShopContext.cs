using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace TargetTracking.EntityFrameworkCore.Tests;

/// <summary>A host's own entity: an invoice for a deal (a target). Its number is unique, so a test can make SaveChanges fail.</summary>
public sealed class Invoice
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public Guid DealId { get; set; }

    public required string Number { get; set; }

    public decimal Amount { get; set; }
}

/// <summary>The host's DbContext, in the store's database (and, on PostgreSQL, in the store's schema).</summary>
public sealed class ShopContext(DbContextOptions<ShopContext> options, string? schema) : DbContext(options)
{
    public string? Schema { get; } = schema;

    public DbSet<Invoice> Invoices => Set<Invoice>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        if (Schema is not null)
        {
            modelBuilder.HasDefaultSchema(Schema);
        }

        modelBuilder.Entity<Invoice>(invoice =>
        {
            invoice.ToTable("shop_invoices");
            invoice.HasIndex(i => i.Number).IsUnique();
            invoice.Property(i => i.Number).HasMaxLength(40);
            invoice.Property(i => i.Amount).HasPrecision(12, 2);
        });
    }

    /// <summary>A model per schema: EF Core caches one per context type otherwise.</summary>
    public sealed class PerSchemaModels : IModelCacheKeyFactory
    {
        public object Create(DbContext context, bool designTime) => (context.GetType(), (context as ShopContext)?.Schema, designTime);
    }
}
