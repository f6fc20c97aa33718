using System.Globalization;
using System.Text;

namespace TargetTracking;

/// <summary>
/// An opaque position in the change feed: the feed resumes after it. Keep it with what you did with the entry (the same
/// transaction, ideally) and pass it back to <see cref="ChangeFeed.ReadAsync"/> or <see cref="ChangeFeed.SubscribeAsync"/>
/// after a restart. Its text (<see cref="ToString"/>) is stable across versions of the library; do not parse it.
/// </summary>
/// <remarks>
/// Inside, a token is the commit sequence of the unit of work that wrote the entry (a counter every store advances once
/// per committing unit of work, in commit order), then the entry's version and id. Entries written before the feed
/// existed (migration 0008) share sequence 0 and come first.
/// </remarks>
public sealed record FeedToken : IComparable<FeedToken>
{
    private const string Prefix = "f1.";

    private FeedToken(long sequence, long version, Guid id)
    {
        Sequence = sequence;
        Version = version;
        Id = id;
    }

    /// <summary>Gets the token before every entry: a feed read from it starts at the oldest stored entry.</summary>
    public static FeedToken Start { get; } = new(-1, long.MinValue, Guid.Empty);

    /// <summary>Gets the commit sequence of the unit of work that wrote the entry (for store adapters).</summary>
    public long Sequence { get; }

    /// <summary>Gets the entry's version, which orders a target's entries within one unit of work (for store adapters).</summary>
    public long Version { get; }

    /// <summary>Gets the entry's id, the last tie-break: every position is unique (for store adapters).</summary>
    public Guid Id { get; }

    /// <summary>The position of an entry, for store adapters that implement <see cref="IChangeFeedStore"/>.</summary>
    /// <param name="sequence">The commit sequence of the unit of work that wrote the entry (0 or more).</param>
    /// <param name="version">The entry's version.</param>
    /// <param name="id">The entry's id.</param>
    /// <returns>The token.</returns>
    public static FeedToken Of(long sequence, long version, Guid id)
    {
        Guard.Against.Negative(sequence);
        return new FeedToken(sequence, version, id);
    }

    /// <summary>Reads a token written by <see cref="ToString"/>.</summary>
    /// <param name="text">The token's text.</param>
    /// <returns>The token.</returns>
    /// <exception cref="FormatException">The text is not a feed token.</exception>
    public static FeedToken Parse(string text) =>
        TryParse(text, out var token) ? token : throw new FormatException("The text is not a TargetTracking feed token (it must come from FeedToken.ToString()).");

    /// <summary>Reads a token written by <see cref="ToString"/>.</summary>
    /// <param name="text">The token's text.</param>
    /// <param name="token">The token, when the text is one.</param>
    /// <returns><see langword="true"/> when the text is a feed token.</returns>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out FeedToken? token)
    {
        token = null;
        if (text is null || text.Length > 200)
        {
            return false;
        }

        string plain;
        try
        {
            var base64 = text.Replace('-', '+').Replace('_', '/');
            plain = Encoding.ASCII.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=')));
        }
        catch (FormatException)
        {
            return false;
        }

        var parts = plain.Split('.');
        if (parts.Length != 4 || parts[0] + "." != Prefix
            || !long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var sequence) || sequence < -1
            || !long.TryParse(parts[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var version)
            || !Guid.TryParseExact(parts[3], "N", out var id))
        {
            return false;
        }

        token = new FeedToken(sequence, version, id);
        return true;
    }

    /// <summary>Orders positions as the feed delivers them.</summary>
    /// <param name="other">The other position.</param>
    /// <returns>Less than zero when this position comes first.</returns>
    public int CompareTo(FeedToken? other)
    {
        if (other is null)
        {
            return 1;
        }

        var order = Sequence.CompareTo(other.Sequence);
        order = order != 0 ? order : Version.CompareTo(other.Version);
        return order != 0 ? order : Id.CompareTo(other.Id);
    }

    /// <summary>Writes the token as URL-safe text.</summary>
    /// <returns>The text; <see cref="Parse"/> reads it back.</returns>
    public override string ToString()
    {
        var plain = string.Create(CultureInfo.InvariantCulture, $"{Prefix}{Sequence}.{Version}.{Id:N}");
        return Convert.ToBase64String(Encoding.ASCII.GetBytes(plain)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
