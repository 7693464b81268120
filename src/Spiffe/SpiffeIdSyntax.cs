using System.Globalization;
using System.Text;

namespace IdentityIssuer.Spiffe;

/// <summary>
/// Byte-by-byte validation of SPIFFE IDs, trust domain names and paths (SPIFFE-ID §2). It follows
/// the go-spiffe algorithm: a literal <c>spiffe://</c> prefix, a scan of trust domain bytes up to the
/// first slash, then a per-segment path scan. No URI library is involved, because URI parsers
/// normalize case, dot segments and percent escapes that SPIFFE forbids.
/// </summary>
internal static class SpiffeIdSyntax
{
    internal const string Scheme = "spiffe://";

    internal const string EmptyId = "SPIFFE ID cannot be empty";
    internal const string BadScheme = "scheme is missing or invalid";
    internal const string MissingTrustDomain = "trust domain is missing";
    internal const string EmptySegment = "path cannot contain empty segments";
    internal const string DotSegment = "path cannot contain dot segments";
    internal const string TrailingSlash = "path cannot have a trailing slash";
    internal const string NoLeadingSlash = "path must have a leading slash";

    internal static bool IsTrustDomainChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-' or '_';

    internal static bool IsPathChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '-' or '_';

    /// <summary>Validates a full ID; on success returns the trust domain name and the path.</summary>
    internal static string? ValidateId(string? s, out string trustDomain, out string path)
    {
        trustDomain = string.Empty;
        path = string.Empty;
        if (string.IsNullOrEmpty(s))
        {
            return EmptyId;
        }

        if (!s.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return BadScheme;
        }

        var byteCount = Encoding.UTF8.GetByteCount(s);
        if (byteCount > SpiffeId.MaxLength)
        {
            return $"SPIFFE ID is longer than {SpiffeId.MaxLength} bytes ({byteCount} bytes)";
        }

        var end = Scheme.Length;
        for (; end < s.Length; end++)
        {
            var c = s[end];
            if (c == '/')
            {
                break;
            }

            if (!IsTrustDomainChar(c))
            {
                return TrustDomainCharError(s, end);
            }
        }

        if (end == Scheme.Length)
        {
            return MissingTrustDomain;
        }

        var tdLength = end - Scheme.Length;
        if (tdLength > TrustDomain.MaxLength)
        {
            return TrustDomainTooLong(tdLength);
        }

        var pathError = ValidatePath(s, end);
        if (pathError is not null)
        {
            return pathError;
        }

        trustDomain = s.Substring(Scheme.Length, tdLength);
        path = s[end..];
        return null;
    }

    /// <summary>Validates a bare trust domain name (no scheme).</summary>
    internal static string? ValidateTrustDomainName(string name)
    {
        if (name.Length == 0)
        {
            return MissingTrustDomain;
        }

        for (var i = 0; i < name.Length; i++)
        {
            if (!IsTrustDomainChar(name[i]))
            {
                return TrustDomainCharError(name, i);
            }
        }

        return name.Length > TrustDomain.MaxLength ? TrustDomainTooLong(name.Length) : null;
    }

    /// <summary>
    /// Validates the path held in <paramref name="s"/> from <paramref name="start"/> to its end.
    /// Byte positions in messages are offsets into <paramref name="s"/>.
    /// </summary>
    internal static string? ValidatePath(string s, int start)
    {
        if (start == s.Length)
        {
            return null;
        }

        if (s[start] != '/')
        {
            return NoLeadingSlash;
        }

        var segStart = start;
        var i = start + 1;
        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '/')
            {
                var segmentError = CheckSegment(s, segStart, i);
                if (segmentError is not null)
                {
                    return segmentError;
                }

                segStart = i;
                continue;
            }

            if (!IsPathChar(c))
            {
                return PathCharError(s, i);
            }
        }

        var length = i - segStart;
        if (length == 1)
        {
            return TrailingSlash;
        }

        return IsDotSegment(s, segStart, length) ? DotSegment : null;
    }

    private static string? CheckSegment(string s, int segStart, int segEnd)
    {
        var length = segEnd - segStart;
        if (length == 1)
        {
            return EmptySegment;
        }

        return IsDotSegment(s, segStart, length) ? DotSegment : null;
    }

    // segStart points at the '/', so "/." and "/.." are the dot segments.
    private static bool IsDotSegment(string s, int segStart, int length) =>
        (length == 2 && s[segStart + 1] == '.') ||
        (length == 3 && s[segStart + 1] == '.' && s[segStart + 2] == '.');

    private static string TrustDomainTooLong(int length) =>
        $"trust domain is longer than {TrustDomain.MaxLength} bytes ({length} bytes)";

    private static string TrustDomainCharError(string s, int index)
    {
        var found = Describe(s, index);
        return s[index] switch
        {
            ':' => $"trust domain cannot contain a port or IPv6 address (found {found} at byte {index})",
            '[' or ']' => $"trust domain cannot be an IPv6 address (found {found} at byte {index})",
            '@' => $"trust domain cannot contain userinfo (found {found} at byte {index})",
            '?' or '#' => $"query/fragment not allowed (found {found} at byte {index})",
            '%' => $"trust domain cannot contain percent-encoding (found {found} at byte {index})",
            >= 'A' and <= 'Z' => $"trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores; uppercase is not allowed (found {found} at byte {index})",
            _ => $"trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores (found {found} at byte {index})",
        };
    }

    private static string PathCharError(string s, int index)
    {
        var found = Describe(s, index);
        return s[index] switch
        {
            '?' or '#' => $"query/fragment not allowed (found {found} at byte {index})",
            '%' => $"path cannot contain percent-encoding (found {found} at byte {index})",
            _ => $"path segment characters are limited to letters, numbers, dots, dashes, and underscores (found {found} at byte {index})",
        };
    }

    /// <summary>
    /// Names the character at <paramref name="index"/>: printable ASCII in quotes, anything else as
    /// a code point so that control characters and non-ASCII stay readable in logs.
    /// Every byte before an offending character is ASCII, so the char index equals the UTF-8 byte offset.
    /// </summary>
    internal static string Describe(string s, int index)
    {
        var c = s[index];
        if (c is > ' ' and < (char)0x7F)
        {
            return $"'{c}'";
        }

        var codePoint = Rune.TryGetRuneAt(s, index, out var rune) ? rune.Value : c;
        return "U+" + codePoint.ToString("X4", CultureInfo.InvariantCulture);
    }
}
