using Microsoft.Extensions.DependencyInjection.Extensions;
using TargetTracking;
using TargetTracking.EntityFrameworkCore;
using TargetTracking.Linq2Db;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers TargetTracking's Entity Framework Core integration.</summary>
public static class EntityFrameworkCoreTargetTrackingBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="DbContextTargetTracking"/>, which runs target changes inside a <c>DbContext</c>'s transaction. Needs
    /// a relational store (<c>UsePostgreSql</c>, <c>UseSqlite</c> or <c>UseLinq2Db</c>) on the context's database. Calling it
    /// twice does no harm.
    /// </summary>
    /// <param name="builder">The TargetTracking builder.</param>
    /// <returns>The builder.</returns>
    public static TargetTrackingBuilder AddEntityFrameworkCore(this TargetTrackingBuilder builder)
    {
        Guard.Against.Null(builder);
        builder.Services.TryAddSingleton(sp => new DbContextTargetTracking(
            sp.GetRequiredService<TargetTracker>(),
            sp.GetRequiredService<ITargetRepository>() as Linq2DbTargetStore
                ?? throw new InvalidOperationException("AddEntityFrameworkCore needs a relational store: register it with UsePostgreSql, UseSqlite, UseMySql or UseLinq2Db.")));
        return builder;
    }
}
