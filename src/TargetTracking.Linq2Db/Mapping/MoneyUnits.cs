namespace TargetTracking.Linq2Db;

/// <summary>
/// How every dialect stores an amount: a 64-bit count of ten-thousandths of its currency (<see cref="Money.Scale"/> = 4), the
/// one integer form that is exact, sortable and summable on PostgreSQL, SQLite and MariaDB alike.
/// </summary>
internal static class MoneyUnits
{
    private const decimal PerUnit = 10_000m;

    /// <summary>The stored count of an amount the core validated (<see cref="TargetRules"/>: 0 to <see cref="Money.MaxValue"/>, scale 4).</summary>
    public static long? Of(Money? amount) => amount is null ? null : (long)(amount.Value * PerUnit);

    /// <summary>The stored count of an amount filter bound, rounded inward: the least count at or above it.</summary>
    public static long AtLeast(decimal bound) => (long)decimal.Ceiling(bound * PerUnit);

    /// <summary>The greatest count at or below an amount filter bound.</summary>
    public static long AtMost(decimal bound) => (long)decimal.Floor(bound * PerUnit);

    /// <summary>The amount a sum of stored counts stands for, without trailing zeros.</summary>
    public static decimal Sum(decimal units) => units / PerUnit / 1.0000000000000000000000000000m;

    /// <summary>The amount a stored count and currency stand for, without trailing zeros (as the core keeps it).</summary>
    public static Money? ToMoney(long? units, string? currency) =>
        units is { } count && currency is not null ? new Money(count / PerUnit / 1.0000000000000000000000000000m, currency) : null;
}
