using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TargetTracking;

/// <summary>
/// The Standard Webhooks signing scheme (standardwebhooks.com), for the sender and for receivers: the headers
/// <c>webhook-id</c>, <c>webhook-timestamp</c> (Unix seconds) and <c>webhook-signature</c>, whose value is
/// <c>v1,</c> and the base64 HMAC-SHA256 of <c>{id}.{timestamp}.{body}</c> under the secret's bytes (the base64 after
/// <c>whsec_</c>). A receiver checks the signature and that the timestamp is recent, then takes the event once by its id.
/// </summary>
public static class WebhookSignature
{
    /// <summary>The header holding the event's id, the same on every attempt.</summary>
    public const string IdHeader = "webhook-id";

    /// <summary>The header holding when the attempt was signed, in Unix seconds.</summary>
    public const string TimestampHeader = "webhook-timestamp";

    /// <summary>The header holding the signatures, space-separated, each <c>v1,</c> and a base64 HMAC-SHA256.</summary>
    public const string SignatureHeader = "webhook-signature";

    private const string SecretPrefix = "whsec_";

    /// <summary>Gets how far a timestamp may be from the receiver's clock, either way, by default: 5 minutes (replays of old requests fail).</summary>
    public static TimeSpan DefaultTolerance { get; } = TimeSpan.FromMinutes(5);

    /// <summary>Makes a new random secret: <c>whsec_</c> and the base64 of 32 bytes.</summary>
    /// <returns>The secret, for the sender's <see cref="WebhookSubscription.Secret"/> and the subscriber's check.</returns>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Reads a secret's key bytes.</summary>
    /// <param name="secret">The secret: <c>whsec_</c> and the base64 of 24 to 64 bytes.</param>
    /// <param name="key">The key bytes, when the secret is well formed.</param>
    /// <returns><see langword="true"/> when the secret is well formed.</returns>
    public static bool TryReadSecret(string? secret, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? key)
    {
        key = null;
        if (secret is null || !secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var bytes = new byte[64];
        if (!Convert.TryFromBase64String(secret[SecretPrefix.Length..], bytes, out var length) || length < 24)
        {
            return false;
        }

        key = bytes[..length];
        return true;
    }

    /// <summary>Signs an attempt: the value of <c>webhook-signature</c>.</summary>
    /// <param name="secret">The subscription's secret.</param>
    /// <param name="id">The event id (<c>webhook-id</c>).</param>
    /// <param name="timestamp">The time of the attempt; <c>webhook-timestamp</c> carries its Unix seconds.</param>
    /// <param name="body">The request body, exactly as sent.</param>
    /// <returns><c>v1,</c> and the base64 signature.</returns>
    /// <exception cref="ArgumentException">The secret is not well formed.</exception>
    public static string Sign(string secret, string id, DateTimeOffset timestamp, string body) =>
        Sign(Key(secret), id, timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), body);

    /// <summary>
    /// Verifies a request as a receiver: one of the signatures in <paramref name="signatures"/> is the secret's over the
    /// id, timestamp and body, and the timestamp is within <paramref name="tolerance"/> of <paramref name="now"/>.
    /// Compares in constant time.
    /// </summary>
    /// <param name="secret">The subscription's secret.</param>
    /// <param name="id">The <c>webhook-id</c> header.</param>
    /// <param name="timestamp">The <c>webhook-timestamp</c> header.</param>
    /// <param name="signatures">The <c>webhook-signature</c> header.</param>
    /// <param name="body">The request body, exactly as received.</param>
    /// <param name="now">The receiver's time.</param>
    /// <param name="tolerance">How far the timestamp may be from <paramref name="now"/>; <see langword="null"/> for <see cref="DefaultTolerance"/>.</param>
    /// <returns><see langword="true"/> when the request is authentic and recent.</returns>
    /// <exception cref="ArgumentException">The secret is not well formed.</exception>
    public static bool Verify(string secret, string? id, string? timestamp, string? signatures, string body, DateTimeOffset now, TimeSpan? tolerance = null)
    {
        Guard.Against.Null(body);
        var key = Key(secret);
        if (string.IsNullOrEmpty(id) || signatures is null
            || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || Math.Abs(now.ToUnixTimeSeconds() - seconds) > (tolerance ?? DefaultTolerance).TotalSeconds)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(key, id, timestamp!, body));
        return signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), expected));
    }

    private static byte[] Key(string secret) =>
        TryReadSecret(secret, out var key) ? key : throw new ArgumentException("A webhook secret is 'whsec_' followed by the base64 of 24 to 64 bytes.", nameof(secret));

    private static string Sign(byte[] key, string id, string timestamp, string body) =>
        "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
}
