using Microsoft.Extensions.DependencyInjection;
using TargetTracking.PostgreSql;

namespace TargetTracking.Cluster.Tests;

/// <summary>The samples of docs/scale-out.md, compiled and run by the tests; the page shows them verbatim.</summary>
public static class DocsSamples
{
    public static void RegisterWithStandbyReads(IServiceCollection services, string primaryAndStandbys)
    {
        #region sample_standby_reads
        // Host=pg1:5432,pg2:5432,pg3:5432;Target Session Attributes=primary;…: every node of the cluster.
        services.AddTargetTracking().UsePostgreSql(primaryAndStandbys, options =>
        {
            options.StandbyReads = StandbyReads.ReadYourWrites;   // or PreferStandby: the standby as it is
            options.StandbyWait = TimeSpan.FromSeconds(1);        // then the primary
        });
        #endregion
    }
}
