using System.Security.Cryptography;
using System.Text;

namespace IdentityIssuer.Issuer.KeyManagement.AzureKeyVault;

/// <summary>
/// Maps key ids to Key Vault key names and back.
/// <para>
/// Key Vault allows names of 1 to 127 characters from <c>0-9 a-z A-Z -</c> and compares them
/// case-insensitively (<c>A</c> and <c>a</c> are the same key); key ids allow <c>. _</c> too, are
/// case-sensitive and may be 128 characters long. So the name is the prefix followed by one of two
/// forms:
/// </para>
/// <list type="bullet">
/// <item><b>Readable</b>: lower-case letters and digits stand for themselves; <c>-</c> starts a
/// two-character escape: <c>-0</c> is '-', <c>-1</c> is '.', <c>-2</c> is '_', and <c>-</c> followed by
/// a letter is that letter in upper case (<c>x509-ca.A_1</c> becomes <c>x509-0ca-1-a-21</c>). Only
/// lower case is written, so the vault's case folding loses nothing, and decoding left to right
/// gives the id back: the mapping is injective and reversible.</item>
/// <item><b>Hashed</b>, used only when the readable form does not fit: <c>-9</c> followed by the 52
/// base32 characters of SHA-256(key id). No readable name contains <c>-9</c>, so the two forms never
/// meet; the id itself is read back from the key's <see cref="KeyIdTag"/> tag and checked against the
/// hash.</item>
/// </list>
/// Every key the manager creates carries the <see cref="KeyIdTag"/> tag, so keys of other
/// applications whose names happen to start with the prefix are never listed as ours.
/// </summary>
internal static class AzureKeyVaultKeyNames
{
    /// <summary>The longest key name Key Vault allows.</summary>
    public const int MaxNameLength = 127;

    /// <summary>The tag holding the key id on every key this manager creates.</summary>
    public const string KeyIdTag = "identity-issuer-key-id";

    private const string HashedMarker = "-9";
    private const string Base32Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>The key name for <paramref name="keyId"/> (a valid key id) under <paramref name="prefix"/>.</summary>
    public static string ToName(string prefix, string keyId)
    {
        var readable = new StringBuilder(prefix.Length + (keyId.Length * 2));
        readable.Append(prefix);
        foreach (var c in keyId)
        {
            switch (c)
            {
                case >= 'a' and <= 'z' or >= '0' and <= '9':
                    readable.Append(c);
                    break;
                case >= 'A' and <= 'Z':
                    readable.Append('-').Append(char.ToLowerInvariant(c));
                    break;
                case '-':
                    readable.Append("-0");
                    break;
                case '.':
                    readable.Append("-1");
                    break;
                case '_':
                    readable.Append("-2");
                    break;
                default:
                    throw new ArgumentException($"invalid key id: {KeyIds.Rule}", nameof(keyId));
            }
        }

        return readable.Length <= MaxNameLength ? readable.ToString() : prefix + HashedMarker + Hash(keyId);
    }

    /// <summary>
    /// The key id a key named <paramref name="name"/> with tag value <paramref name="taggedKeyId"/>
    /// stands for, or null when the key is not one of ours under <paramref name="prefix"/>.
    /// </summary>
    public static string? ToKeyId(string prefix, string name, string? taggedKeyId)
    {
        if (taggedKeyId is null || !KeyIds.IsValid(taggedKeyId)
            || name.Length <= prefix.Length || !name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var encoded = name[prefix.Length..].ToLowerInvariant();
        var keyId = encoded.StartsWith(HashedMarker, StringComparison.Ordinal) ? taggedKeyId : Decode(encoded);

        // The name must be exactly the one this id maps to: a tag copied onto another key, or a
        // hashed name whose tag was edited, is not ours.
        return keyId is not null && string.Equals(ToName(prefix, keyId), prefix + encoded, StringComparison.OrdinalIgnoreCase)
            && string.Equals(keyId, taggedKeyId, StringComparison.Ordinal) ? keyId : null;
    }

    private static string? Decode(string encoded)
    {
        var keyId = new StringBuilder(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9')
            {
                keyId.Append(c);
                continue;
            }

            if (c != '-' || i + 1 >= encoded.Length)
            {
                return null;
            }

            var escaped = encoded[++i];
            switch (escaped)
            {
                case '0':
                    keyId.Append('-');
                    break;
                case '1':
                    keyId.Append('.');
                    break;
                case '2':
                    keyId.Append('_');
                    break;
                case >= 'a' and <= 'z':
                    keyId.Append(char.ToUpperInvariant(escaped));
                    break;
                default:
                    return null;
            }
        }

        var result = keyId.ToString();
        return KeyIds.IsValid(result) ? result : null;
    }

    private static string Hash(string keyId)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.ASCII.GetBytes(keyId), digest);
        var text = new StringBuilder(52);
        int buffer = 0, bits = 0;
        foreach (var b in digest)
        {
            buffer = ((buffer << 8) | b) & 0xFFFF;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                text.Append(Base32Alphabet[(buffer >> bits) & 31]);
            }
        }

        if (bits > 0)
        {
            text.Append(Base32Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return text.ToString();
    }
}
