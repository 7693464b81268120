using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;

namespace IdentityIssuer.Spiffe;

/// <summary>
/// Strict unpadded base64url (RFC 7515 §2): only <c>A-Z a-z 0-9 - _</c>, no padding, no whitespace.
/// </summary>
internal static class Base64UrlStrict
{
    internal static bool TryDecode(string value, [NotNullWhen(true)] out byte[]? bytes)
    {
        bytes = null;
        if (value.Length % 4 == 1)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is not ((>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_'))
            {
                return false;
            }
        }

        try
        {
            bytes = Base64Url.DecodeFromChars(value);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    internal static string Encode(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);
}
