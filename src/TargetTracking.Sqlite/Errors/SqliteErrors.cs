using Microsoft.Data.Sqlite;
using TargetTracking.Linq2Db;

namespace TargetTracking.Sqlite;

/// <summary>The one place that classifies SQLite failures.</summary>
internal sealed class SqliteErrors : DialectErrors
{
    private const int Busy = 5;
    private const int Locked = 6;

    /// <summary>
    /// SQLITE_BUSY (another connection holds the file lock) and SQLITE_LOCKED (a table lock, as in a shared-cache
    /// in-memory database), with all their extended codes, are transient: re-running the unit of work may succeed.
    /// </summary>
    protected override bool? Classify(Exception exception) =>
        exception is SqliteException sqlite && (IsBusyOrLocked(sqlite.SqliteErrorCode) || IsBusyOrLocked(sqlite.SqliteExtendedErrorCode)) ? true : null;

    // An embedded database has no connection to lose: an I/O failure or a timeout is no reason to run the unit of work again.
    protected override bool LostConnection(Exception exception) => false;

    // Inserts skip an existing id (ON CONFLICT DO NOTHING) and the row count tells: nothing to translate (the default).

    // Extended codes keep the primary code in their low byte (SQLITE_BUSY_SNAPSHOT = 5 | 2 << 8).
    private static bool IsBusyOrLocked(int code) => (code & 0xFF) is Busy or Locked;
}
