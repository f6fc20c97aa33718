using System.Collections.Immutable;

namespace TargetTracking;

/// <summary>
/// The validation rules for target fields: the one place that decides what a valid target is.
/// Stores never repeat these rules except as database constraints of last resort.
/// </summary>
public static class TargetRules
{
    /// <summary>The longest name accepted, in UTF-16 characters.</summary>
    public const int MaxNameLength = 255;

    /// <summary>The longest description accepted, in UTF-16 characters.</summary>
    public const int MaxDescriptionLength = 4000;

    /// <summary>The most markets a target can have.</summary>
    public const int MaxMarkets = 50;

    /// <summary>The longest market accepted, in UTF-16 characters.</summary>
    public const int MaxMarketLength = 100;

    /// <summary>The longest owner id accepted, in UTF-16 characters.</summary>
    public const int MaxOwnerIdLength = 256;

    private const string StorableRule = "must not contain NUL characters or unpaired UTF-16 surrogates (no database stores them).";

    private const string NotStorable = "The text " + StorableRule;

    /// <summary>
    /// Validates the fields of a target and returns them in stored form (markets trimmed).
    /// </summary>
    /// <param name="name">The name.</param>
    /// <param name="description">The description.</param>
    /// <param name="markets">The markets.</param>
    /// <param name="normalizedMarkets">The markets as they are stored, when valid: an immutable list.</param>
    /// <returns><see langword="null"/> when valid; otherwise the error naming each bad field.</returns>
    public static InvalidInputError? Validate(string? name, string? description, IReadOnlyList<string?>? markets, out IReadOnlyList<string> normalizedMarkets) =>
        Validate(name, description, markets, null, null, out normalizedMarkets, out _);

    /// <summary>
    /// Validates the fields of a target, amount and owner included, and returns them in stored form (markets trimmed; the
    /// amount without trailing zeros, its currency in upper case).
    /// </summary>
    /// <param name="name">The name.</param>
    /// <param name="description">The description.</param>
    /// <param name="markets">The markets.</param>
    /// <param name="amount">The amount: 0 to <see cref="Money.MaxValue"/>, at most <see cref="Money.Scale"/> fractional digits, an ISO 4217 currency code (three letters).</param>
    /// <param name="ownerId">The owner: not blank, at most <see cref="MaxOwnerIdLength"/> characters.</param>
    /// <param name="normalizedMarkets">The markets as they are stored, when valid: an immutable list.</param>
    /// <param name="normalizedAmount">The amount as it is stored, when valid.</param>
    /// <returns><see langword="null"/> when valid; otherwise the error naming each bad field.</returns>
    public static InvalidInputError? Validate(
        string? name, string? description, IReadOnlyList<string?>? markets, Money? amount, string? ownerId, out IReadOnlyList<string> normalizedMarkets, out Money? normalizedAmount)
    {
        List<FieldError>? errors = null;
        void Fail(string field, string message) => (errors ??= []).Add(new FieldError(field, message));

        if (string.IsNullOrWhiteSpace(name))
        {
            Fail("name", "The name is required and must not be blank.");
        }
        else
        {
            if (name.Length > MaxNameLength)
            {
                Fail("name", $"The name must be at most {MaxNameLength} characters; it has {name.Length}.");
            }

            if (!IsStorable(name))
            {
                Fail("name", NotStorable);
            }
        }

        if (description is not null)
        {
            if (description.Length > MaxDescriptionLength)
            {
                Fail("description", $"The description must be at most {MaxDescriptionLength} characters; it has {description.Length}.");
            }

            if (!IsStorable(description))
            {
                Fail("description", NotStorable);
            }
        }

        var result = new List<string>(markets?.Count ?? 0);
        if (markets is not null)
        {
            if (markets.Count > MaxMarkets)
            {
                Fail("markets", $"A target can have at most {MaxMarkets} markets; {markets.Count} were given.");
            }

            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < markets.Count; i++)
            {
                var market = markets[i]?.Trim();
                var field = $"markets[{i}]";
                if (string.IsNullOrEmpty(market))
                {
                    Fail(field, "A market must not be blank.");
                }
                else if (market.Length > MaxMarketLength)
                {
                    Fail(field, $"A market must be at most {MaxMarketLength} characters; it has {market.Length}.");
                }
                else if (!IsStorable(market))
                {
                    Fail(field, NotStorable);
                }
                else if (!seen.Add(market))
                {
                    Fail(field, $"The market '{market}' is listed more than once (ignoring case).");
                }
                else
                {
                    result.Add(market);
                }
            }
        }

        normalizedMarkets = ImmutableArray.CreateRange(result);
        normalizedAmount = amount;
        if (amount is not null)
        {
            if (amount.Value is < 0 or > Money.MaxValue)
            {
                Fail("amount", FormattableString.Invariant($"The amount must be between 0 and {Money.MaxValue}; it is {amount.Value}."));
            }
            else if (decimal.Round(amount.Value, Money.Scale) != amount.Value)
            {
                Fail("amount", FormattableString.Invariant($"The amount must have at most {Money.Scale} fractional digits; {amount.Value} has more (nothing is rounded)."));
            }

            if (amount.Currency is not { Length: 3 } currency || !currency.All(char.IsAsciiLetter))
            {
                Fail("amount.currency", $"The currency must be an ISO 4217 code of three letters (EUR, USD); it is '{amount.Currency}'.");
            }
            else
            {
                // The stored form: no trailing zeros (1.5, not 1.5000), so every store gives back the same decimal.
                normalizedAmount = new Money(amount.Value / 1.0000000000000000000000000000m, amount.Currency.ToUpperInvariant());
            }
        }

        if (ownerId is not null)
        {
            if (string.IsNullOrWhiteSpace(ownerId))
            {
                Fail("ownerId", "The owner must not be blank; null means no owner.");
            }
            else if (ownerId.Length > MaxOwnerIdLength)
            {
                Fail("ownerId", $"The owner must be at most {MaxOwnerIdLength} characters; it has {ownerId.Length}.");
            }
            else if (!IsStorable(ownerId))
            {
                Fail("ownerId", NotStorable);
            }
        }

        return errors is null ? null : new InvalidInputError([.. errors]);
    }

    /// <summary>
    /// Validates the filters of a query (<see cref="TargetQuery.NameContains"/>, <see cref="TargetQuery.Market"/>,
    /// <see cref="TargetQuery.OwnerId"/>, <see cref="TargetQuery.Currency"/>, the amount bounds): text
    /// no store can keep (a NUL, an unpaired surrogate) is refused the same way on every store, instead of reaching one
    /// database as an error and another as a search that matches nothing, or something else. Statuses are the pipeline's to check.
    /// </summary>
    /// <param name="query">The query.</param>
    /// <returns><see langword="null"/> when valid; otherwise the error naming each bad filter.</returns>
    public static InvalidInputError? ValidateFilter(TargetQuery query)
    {
        Guard.Against.Null(query);
        List<FieldError>? errors = null;
        if (query.NameContains is { } text && !IsStorable(text))
        {
            (errors ??= []).Add(new FieldError("nameContains", "The name filter " + StorableRule));
        }

        if (query.Market is { } market && !IsStorable(market))
        {
            (errors ??= []).Add(new FieldError("market", "The market filter " + StorableRule));
        }

        if (query.OwnerId is { } owner && !IsStorable(owner))
        {
            (errors ??= []).Add(new FieldError("ownerId", "The owner filter " + StorableRule));
        }

        if (query.Currency is { } currency && (currency.Length != 3 || !currency.All(char.IsAsciiLetter)))
        {
            (errors ??= []).Add(new FieldError("currency", $"The currency filter must be an ISO 4217 code of three letters; it is '{currency}'."));
        }

        foreach (var (field, bound) in new[] { ("amountAtLeast", query.AmountAtLeast), ("amountAtMost", query.AmountAtMost) })
        {
            if (bound is < 0 or > Money.MaxValue)
            {
                (errors ??= []).Add(new FieldError(field, FormattableString.Invariant($"The amount filter must be between 0 and {Money.MaxValue}; it is {bound}.")));
            }
        }

        return errors is null ? null : new InvalidInputError([.. errors]);
    }

    /// <summary>
    /// Brings audit text (who made a change, from where) to a form every store keeps as given, so audit text never refuses
    /// a change: NUL characters are removed, unpaired surrogates become U+FFFD (the replacement character), and text longer
    /// than <paramref name="maxLength"/> UTF-16 code units is cut on a character boundary (a surrogate pair is never split).
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="maxLength">The most UTF-16 code units kept.</param>
    /// <returns>The storable text.</returns>
    internal static string ToStorable(string text, int maxLength)
    {
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            text = text.Replace("\0", string.Empty, StringComparison.Ordinal);
        }

        if (!IsStorable(text))
        {
            var chars = text.ToCharArray();
            for (var i = 0; i < chars.Length; i++)
            {
                if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
                {
                    i++;
                }
                else if (char.IsSurrogate(chars[i]))
                {
                    chars[i] = '\uFFFD';
                }
            }

            text = new string(chars);
        }

        if (text.Length <= maxLength)
        {
            return text;
        }

        // Every surrogate is paired now: a high surrogate at the cut belongs with the low one after it.
        return text[..(char.IsHighSurrogate(text[maxLength - 1]) ? maxLength - 1 : maxLength)];
    }

    /// <summary>Tells whether every store keeps the text as given: no NUL, and valid UTF-16 (every surrogate paired).</summary>
    /// <param name="text">The text.</param>
    /// <returns><see langword="true"/> when the text round-trips through every store.</returns>
    public static bool IsStorable(string text)
    {
        Guard.Against.Null(text);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0' || char.IsLowSurrogate(c) || (char.IsHighSurrogate(c) && (++i >= text.Length || !char.IsLowSurrogate(text[i]))))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>
/// The normalization behind case-insensitive text search (name contains, market equals). Stores keep
/// the normalized form beside the original and compare ordinally, so every adapter matches the same way.
/// </summary>
public static class TextSearch
{
    /// <summary>Normalizes text for search: upper case, invariant culture.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The normalized text.</returns>
    public static string Normalize(string text)
    {
        Guard.Against.Null(text);
        return text.ToUpperInvariant();
    }
}

/// <summary>
/// Compares strings by Unicode code point, the order of UTF-8 bytes, which is what PostgreSQL
/// (<c>COLLATE "C"</c>) and SQLite (<c>BINARY</c>) sort by. Plain ordinal comparison of UTF-16
/// would put characters above U+FFFF before U+E000..U+FFFF.
/// </summary>
public sealed class CodePointComparer : IComparer<string?>
{
    /// <summary>The shared instance.</summary>
    public static CodePointComparer Instance { get; } = new();

    private CodePointComparer()
    {
    }

    /// <inheritdoc />
    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            var a = x[i];
            var b = y[i];
            if (a != b)
            {
                // Surrogates (D800-DFFF) encode code points above FFFF: rank them above E000-FFFF.
                return Rank(a).CompareTo(Rank(b));
            }
        }

        return x.Length.CompareTo(y.Length);
    }

    private static int Rank(char c) => c >= 0xE000 ? c - 0x800 : char.IsSurrogate(c) ? c + 0x2000 : c;
}
