namespace TargetTracking.PostgreSql;

/// <summary>
/// Where a PostgreSQL store runs the reads that may lag the primary: reports, counts as of a date, the change feed and
/// history pages (<see cref="PostgreSqlStoreOptions.StandbyReads"/>). Writes, target reads and queries, the integrity check
/// and everything a write decides on always run on the primary.
/// </summary>
public enum StandbyReads
{
    /// <summary>Every read on the primary.</summary>
    Off,

    /// <summary>
    /// The reads that may lag on a standby when one answers (else on the primary): they see the standby's state, behind the
    /// primary by its replay lag — a change the caller just made may be missing.
    /// </summary>
    PreferStandby,

    /// <summary>
    /// As <see cref="PreferStandby"/>, but a read first waits (up to <see cref="PostgreSqlStoreOptions.StandbyWait"/>) until
    /// the standby has replayed everything the primary had committed when the read began — the caller's own writes
    /// included — and reads on the primary if it has not: one small query on the primary per read.
    /// </summary>
    ReadYourWrites,
}
