using System.Data.Common;

namespace TargetTracking.Conformance;

/// <summary>
/// How a database test project picks the server of its run, whatever the database: the one an environment variable
/// names (a connection string of a user who may create databases), or else a throwaway one it starts
/// (<see cref="ThrowawayServerFolder"/>); and what it leaves when the process exits: a throwaway server is stopped and
/// removed with all it holds, while on a named server the databases the run created are dropped, best effort.
/// </summary>
public static class TestRunServer
{
    /// <summary>Picks the server: the one <paramref name="variable"/> names, or else one <paramref name="start"/> starts.</summary>
    /// <typeparam name="TServer">The throwaway server.</typeparam>
    /// <param name="variable">The environment variable that may name a server.</param>
    /// <param name="start">Starts a throwaway server.</param>
    /// <param name="connectionString">The administrator's connection string of a started server.</param>
    /// <returns>The administrator's connection string, and the throwaway server when one was started.</returns>
    public static async Task<(string AdminConnectionString, TServer? Throwaway)> PickAsync<TServer>(string variable, Func<Task<TServer>> start, Func<TServer, string> connectionString)
        where TServer : class, IDisposable
    {
        var named = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(named))
        {
            return (named, null);
        }

        var server = await start();
        return (connectionString(server), server);
    }

    /// <summary>Cleans up when the process exits: closes pooled connections, then stops the throwaway server or drops what the run created.</summary>
    /// <param name="throwaway">The throwaway server, or <see langword="null"/> on a named server.</param>
    /// <param name="clearPools">Closes the driver's pooled connections.</param>
    /// <param name="dropCreated">Drops the databases the run created on a named server.</param>
    public static void CleanUpAtExit(IDisposable? throwaway, Action clearPools, Action dropCreated) =>
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            clearPools();
            if (throwaway is not null)
            {
                throwaway.Dispose();
                return;
            }

            try
            {
                dropCreated();
            }
            catch (DbException)
            {
                // Best effort: the databases have unique names and harm nobody if left behind.
            }
        };
}
