using System.Net.Sockets;

namespace TargetTracking.Linq2Db;

/// <summary>A dialect's errors role: the driver's failures classified once, for the core's retry and the write path's translation.</summary>
internal abstract class DialectErrors
{
    /// <summary>
    /// Tells whether re-running the whole unit of work may succeed after this failure, however deeply the driver's error
    /// is wrapped: cancellation never (it is the caller's decision, though drivers wrap a cancelled statement in it), the
    /// driver's own verdict (<see cref="Classify"/>) where it has one, and a lost or timed-out connection always (<see cref="LostConnection"/>).
    /// </summary>
    public bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is OperationCanceledException)
            {
                return false;
            }

            if (Classify(e) is { } transient)
            {
                return transient;
            }

            if (LostConnection(e))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Translates a failure of the write path to the library's terms, or <see langword="null"/> to let it through (the default).</summary>
    public virtual Exception? Translate(Exception exception) => null;

    /// <summary>Tells whether an exception of the chain says the connection to the server was lost or timed out (a network database's default).</summary>
    protected virtual bool LostConnection(Exception exception) => exception is IOException or SocketException or TimeoutException;

    /// <summary>Classifies one exception of the chain the driver raised: transient or not, or <see langword="null"/> when it is not the driver's.</summary>
    protected abstract bool? Classify(Exception exception);
}
