using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace TargetTracking.EntityFrameworkCore.Tests;

/// <summary>The MariaDB sample of docs/efcore.md, compiled and run by <see cref="MariaDbDocsTests"/>.</summary>
public static class MariaDbDocsSamples
{
    public static DbContextOptions<ShopContext> Register(IServiceCollection services, string connectionString)
    {
        #region sample_efcore_mariadb
        services.AddTargetTracking()
            .UseMySql(connectionString)      // the store, in the database of your DbContext
            .AddEntityFrameworkCore();

        var options = new DbContextOptionsBuilder<ShopContext>()
            .UseMySql(connectionString, ServerVersion.Parse("10.11.0-mariadb"))   // Pomelo 9.0.0 on EF Core 9
            .Options;
        #endregion
        return options;
    }
}
