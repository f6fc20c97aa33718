using LinqToDB;

namespace TargetTracking.Linq2Db;

/// <summary>
/// Where a store sends the reads that may lag the primary — reports, counts as of a date, the change feed and history
/// pages — when its dialect runs on a primary with standbys (PostgreSQL's <c>StandbyReads</c>).
/// </summary>
/// <param name="Options">Connections to a standby (or, when none answers, to the primary).</param>
/// <param name="CatchUpWait">
/// For read-your-writes: how long a read waits for the standby to replay what the primary had committed when the read began,
/// before it reads on the primary instead; <see langword="null"/> reads the standby as it is.
/// </param>
internal sealed record StandbyRoute(DataOptions Options, TimeSpan? CatchUpWait);
