using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace TargetTracking;

/// <summary>
/// The head of a tenant's chain at one moment (docs/ledger.md, digests): what a later verification checks the chain
/// against. A verification against an older digest proves that nothing up to the digest's position changed since — even a
/// chain recomputed by the database's owner — and that the newest entries were not truncated.
/// </summary>
public sealed record LedgerDigest
{
    /// <summary>The format name written in every digest.</summary>
    public const string Format = "tt-ledger-digest-v1";

    /// <summary>Gets the tenant whose chain it is.</summary>
    public required string Tenant { get; init; }

    /// <summary>Gets how many entries were sealed.</summary>
    public required long Position { get; init; }

    /// <summary>Gets the chain hash at <see cref="Position"/>, 64 lowercase hex digits.</summary>
    public required string Hash { get; init; }

    /// <summary>Gets when the digest was issued.</summary>
    public required DateTimeOffset IssuedAt { get; init; }

    /// <summary>Gets the body that is signed: compact JSON with the fields in a fixed order.</summary>
    public string Body => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["format"] = Format,
        ["tenant"] = Tenant,
        ["position"] = Position,
        ["hash"] = Hash,
        ["issuedAt"] = IssuedAt.ToUniversalTime(),
    });

    internal static LedgerDigest FromBody(string body)
    {
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        if (root.GetProperty("format").GetString() != Format)
        {
            throw new FormatException($"The digest is not a {Format} document.");
        }

        return new LedgerDigest
        {
            Tenant = root.GetProperty("tenant").GetString()!,
            Position = root.GetProperty("position").GetInt64(),
            Hash = root.GetProperty("hash").GetString()!,
            IssuedAt = root.GetProperty("issuedAt").GetDateTimeOffset(),
        };
    }
}

/// <summary>
/// A <see cref="LedgerDigest"/> signed with the host's key (ECDSA P-256 with SHA-256, ES256): a small document to keep
/// outside the database — a file, object storage, an email to the auditor. <see cref="ToString"/> writes it;
/// <see cref="Parse"/> reads it back.
/// </summary>
/// <param name="Body">The digest's body as signed (<see cref="LedgerDigest.Body"/>).</param>
/// <param name="Signature">The signature of the body's UTF-8 bytes, IEEE P1363 form, base64.</param>
public sealed record SignedLedgerDigest(string Body, string Signature)
{
    /// <summary>The signature algorithm, in the JOSE name: ECDSA on P-256 with SHA-256.</summary>
    public const string Algorithm = "ES256";

    /// <summary>Signs a digest.</summary>
    /// <param name="digest">The digest.</param>
    /// <param name="signingKey">The host's P-256 private key.</param>
    /// <returns>The signed digest.</returns>
    /// <exception cref="ArgumentException">The key is not on P-256.</exception>
    public static SignedLedgerDigest Sign(LedgerDigest digest, ECDsa signingKey)
    {
        Guard.Against.Null(digest);
        Guard.Against.Null(signingKey);
        if (signingKey.KeySize != 256)
        {
            throw new ArgumentException("A ledger digest is signed with an ECDSA key on P-256.", nameof(signingKey));
        }

        var body = digest.Body;
        return new SignedLedgerDigest(body, Convert.ToBase64String(signingKey.SignData(Encoding.UTF8.GetBytes(body), HashAlgorithmName.SHA256)));
    }

    /// <summary>Reads a signed digest written by <see cref="ToString"/>.</summary>
    /// <param name="text">The document.</param>
    /// <returns>The signed digest; verify it with <see cref="Verify"/> before trusting it.</returns>
    /// <exception cref="FormatException">The text is not a signed ledger digest.</exception>
    public static SignedLedgerDigest Parse(string text)
    {
        Guard.Against.Null(text);
        try
        {
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            return root.GetProperty("alg").GetString() == Algorithm
                ? new SignedLedgerDigest(root.GetProperty("body").GetString()!, root.GetProperty("signature").GetString()!)
                : throw new FormatException($"A signed ledger digest is signed with {Algorithm}.");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException("The text is not a signed ledger digest.", e);
        }
    }

    /// <summary>Checks the signature with the host's public key and returns the digest.</summary>
    /// <param name="publicKey">The P-256 public key that matches the signing key.</param>
    /// <returns>The digest.</returns>
    /// <exception cref="CryptographicException">The signature does not match: the document was changed, or signed with another key.</exception>
    public LedgerDigest Verify(ECDsa publicKey)
    {
        Guard.Against.Null(publicKey);
        var valid = false;
        try
        {
            valid = publicKey.VerifyData(Encoding.UTF8.GetBytes(Body), Convert.FromBase64String(Signature), HashAlgorithmName.SHA256);
        }
        catch (FormatException)
        {
            // A signature that is not base64 is no signature.
        }

        return valid ? LedgerDigest.FromBody(Body) : throw new CryptographicException("The ledger digest's signature does not match its body and key.");
    }

    /// <summary>Writes the document: <c>{"alg":"ES256","body":"…","signature":"…"}</c>.</summary>
    /// <returns>The document's text.</returns>
    public override string ToString() =>
        JsonSerializer.Serialize(new Dictionary<string, string> { ["alg"] = Algorithm, ["body"] = Body, ["signature"] = Signature });
}
