namespace TargetTracking;

/// <summary>
/// An amount of money in one currency: a <see cref="decimal"/>, never a floating-point number. Every store keeps it exactly
/// as a 64-bit count of ten-thousandths of the currency unit (the range and precision of SQL Server's <c>money</c>): at most
/// <see cref="Scale"/> fractional digits, from 0 to <see cref="MaxValue"/>. <see cref="TargetRules"/> refuses anything else;
/// nothing is ever rounded.
/// </summary>
/// <param name="Value">The amount, 0 to <see cref="MaxValue"/>, with at most <see cref="Scale"/> fractional digits; kept without trailing zeros.</param>
/// <param name="Currency">The ISO 4217 alphabetic code: three letters, kept in upper case (EUR, USD, JPY).</param>
public sealed record Money(decimal Value, string Currency)
{
    /// <summary>The most fractional digits an amount may have (ISO 4217 minor units go up to 4).</summary>
    public const int Scale = 4;

    /// <summary>The largest amount: 2^63 − 1 ten-thousandths.</summary>
    public const decimal MaxValue = 922_337_203_685_477.5807m;

    /// <summary>Returns the amount and its currency, for example <c>1234.5 EUR</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => FormattableString.Invariant($"{Value} {Currency}");
}
