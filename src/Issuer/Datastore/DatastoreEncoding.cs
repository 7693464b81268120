using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IdentityIssuer.Attestation.Selectors;

namespace IdentityIssuer.Issuer.Datastore;

/// <summary>The datastore's value encodings: unix-millisecond times, selector hashes, JSON lists, page tokens.</summary>
internal static class DatastoreEncoding
{
    public static long ToUnixMs(DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromUnixMs(long value) => DateTimeOffset.FromUnixTimeMilliseconds(value);

    /// <summary>SHA-256 (lowercase hex) of the canonical (sorted, unique) <c>type:value</c> lines joined by <c>\n</c>.</summary>
    public static string SelectorsHash(IReadOnlyList<Selector> normalized)
    {
        var canonical = string.Join('\n', normalized.Select(s => s.ToString()));
        return Sha256Hex(Encoding.UTF8.GetBytes(canonical));
    }

    public static string Sha256Hex(ReadOnlySpan<byte> data) =>
        Convert.ToHexStringLower(SHA256.HashData(data));

    public static string ToJson(IReadOnlyList<string> values) => JsonSerializer.Serialize(values);

    public static IReadOnlyList<string> FromJson(string json) =>
        JsonSerializer.Deserialize<string[]>(json) ?? [];

    /// <summary>An opaque token for the parts of a keyset position.</summary>
    public static string EncodePageToken(params string[] parts) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Join('\n', parts)));

    /// <summary>The parts of a token made by <see cref="EncodePageToken"/>; throws <see cref="ArgumentException"/> when it is not one.</summary>
    public static string[] DecodePageToken(string token, int expectedParts)
    {
        string[] parts;
        try
        {
            parts = Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split('\n');
        }
        catch (FormatException ex)
        {
            throw new ArgumentException("page token is not valid", nameof(token), ex);
        }

        if (parts.Length != expectedParts || parts.Any(p => p.Length == 0))
        {
            throw new ArgumentException("page token is not valid", nameof(token));
        }

        return parts;
    }

    public static long ParseLong(string text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ArgumentException("page token is not valid", nameof(text));

    public static string FormatLong(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>0 → 100; 1..1000 as given; anything else is a caller bug.</summary>
    public static int PageSize(int requested) => requested switch
    {
        0 => 100,
        >= 1 and <= 1000 => requested,
        _ => throw new ArgumentOutOfRangeException(nameof(requested), requested, "page size must be 0 (default 100) or 1..1000"),
    };
}
