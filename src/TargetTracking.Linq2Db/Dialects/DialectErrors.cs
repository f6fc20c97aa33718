namespace TargetTracking.Linq2Db;

/// <summary>A dialect's errors role: the driver's failures classified once, for the core's retry and the write path's translation.</summary>
internal abstract class DialectErrors
{
    /// <summary>Tells whether re-running the whole unit of work may succeed after this failure.</summary>
    public abstract bool IsTransient(Exception exception);

    /// <summary>Translates a failure of the write path to the library's terms, or <see langword="null"/> to let it through (the default).</summary>
    public virtual Exception? Translate(Exception exception) => null;
}
