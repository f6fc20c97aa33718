using Microsoft.Extensions.DependencyInjection;
using TargetTracking.Conformance;

namespace TargetTracking.EntityFrameworkCore.Tests;

/// <summary>docs/efcore.md shows the compiled samples, and the registration it shows resolves.</summary>
public sealed class DocsTests
{
    [Theory]
    [InlineData("sample_efcore_register")]
    [InlineData("sample_efcore_transaction")]
    public void EfCorePage_ShowsTheSample(string region) => DocSync.AssertShown("DocsSamples.cs.txt", "efcore.md", region);

    [Fact]
    public async Task Registration_ResolvesDbContextTargetTracking_OnTheStore()
    {
        var file = Path.Combine(Path.GetTempPath(), $"tt-efcore-docs-{Guid.NewGuid():N}.db");
        var services = new ServiceCollection();
        DocsSamples.Register(services, $"Data Source={file}");
        await using (var provider = services.BuildServiceProvider())
        {
            Assert.NotNull(provider.GetRequiredService<DbContextTargetTracking>());
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(file);
    }

    [Fact]
    public void Registration_WithoutARelationalStore_SaysWhatIsMissing()
    {
        var services = new ServiceCollection();
        services.AddTargetTracking().UseInMemory().AddEntityFrameworkCore();
        using var provider = services.BuildServiceProvider();
        var refused = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<DbContextTargetTracking>());
        Assert.Contains("UsePostgreSql, UseSqlite, UseMySql or UseLinq2Db", refused.Message, StringComparison.Ordinal);
    }
}
