using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TargetTracking;

/// <summary>
/// The canonical encoding of docs/ledger.md, in one place: the keyed hash of an entry's personal fields, the leaf of an
/// entry at a position, and the chain step. An auditor's script recomputes exactly this.
/// </summary>
internal static class LedgerEncoding
{
    /// <summary>The hash before the first position: 32 zero bytes, as hex.</summary>
    public static readonly string Genesis = LedgerHead.Start.Hash;

    private static readonly byte[] Null = [0xFF, 0xFF, 0xFF, 0xFF];

    /// <summary>HMAC-SHA-256 with the host's key over the entry's personal fields (actor id and name, client address, user agent, note, owners before and after).</summary>
    public static string PersonalHash(byte[] key, HistoryEntry e)
    {
        using var buffer = new Encoder();
        buffer.Add("tt-personal-v1").Add(e.ActorId).Add(e.ActorName).Add(e.ClientAddress).Add(e.UserAgent).Add(e.Note).Add(e.OldOwnerId).Add(e.NewOwnerId);
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, buffer.Bytes));
    }

    /// <summary>The chain hash at <paramref name="position"/>: SHA-256 of the previous hash and the entry's leaf.</summary>
    public static string Chain(string previous, string tenant, long position, FeedEntry entry, string personalHash)
    {
        var e = entry.Entry;
        using var buffer = new Encoder();
        buffer.Add("tt-ledger-v1").Add(tenant).Add(position).Add(e.Id).Add(e.TargetId.Value).Add(e.Action.ToString())
            .Add(e.OldStatus).Add(e.NewStatus).Add(e.Version).Add(Micros(e.OccurredAt))
            .Add(entry.Token.Sequence).Add(e.CorrelationId).Add(e.OperationId).Add(Amount(e.OldAmount)).Add(Amount(e.NewAmount)).Add(personalHash)
            .Add(e.Reason).Add(Micros(e.EffectiveAt));
        Span<byte> step = stackalloc byte[64];
        Convert.FromHexString(previous, step[..32], out _, out _);
        SHA256.HashData(buffer.Bytes, step[32..]);
        return Convert.ToHexStringLower(SHA256.HashData(step));
    }

    /// <summary>A time as the encoding writes it: whole microseconds since the Unix epoch.</summary>
    private static long Micros(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary>An amount as the encoding writes it: the decimal without trailing zeros or exponent, a space, the currency (<c>19.99 EUR</c>).</summary>
    public static string? Amount(Money? amount) =>
        amount is null ? null : amount.Value.ToString("0.####", CultureInfo.InvariantCulture) + " " + amount.Currency;

    /// <summary>Length-prefixed UTF-8 fields: a null is FF FF FF FF, a text its 4-byte big-endian length and its bytes.</summary>
    private sealed class Encoder : IDisposable
    {
        private readonly MemoryStream _stream = new(256);

        public ReadOnlySpan<byte> Bytes => _stream.GetBuffer().AsSpan(0, (int)_stream.Length);

        public Encoder Add(string? value)
        {
            if (value is null)
            {
                _stream.Write(Null);
                return this;
            }

            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)Encoding.UTF8.GetByteCount(value));
            _stream.Write(length);
            _stream.Write(Encoding.UTF8.GetBytes(value));
            return this;
        }

        public Encoder Add(long value) => Add(value.ToString(CultureInfo.InvariantCulture));

        public Encoder Add(Guid value) => Add(value.ToString("D"));

        public void Dispose() => _stream.Dispose();
    }
}
