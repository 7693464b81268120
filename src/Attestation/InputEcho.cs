using System.Globalization;
using System.Text;

namespace IdentityIssuer.Attestation;

/// <summary>
/// How caller input is quoted back in error messages and log lines: control characters become
/// <c>?</c>, and anything longer than <see cref="MaxChars"/> is cut to its first <see cref="MaxChars"/>
/// characters followed by <c>… (N bytes)</c>, so a megabyte of junk costs a line, not a megabyte,
/// in every reply and log that names it.
/// </summary>
public static class InputEcho
{
    /// <summary>Longest echo kept whole.</summary>
    public const int MaxChars = 64;

    /// <summary>The marker between the kept prefix and the size of the whole input.</summary>
    public const string Marker = "…";

    /// <summary>The bounded, printable echo of <paramref name="value"/>; empty for null.</summary>
    public static string Of(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        var keep = value.Length <= MaxChars ? value.Length : MaxChars;
        if (keep < value.Length && char.IsHighSurrogate(value[keep - 1]))
        {
            keep--;
        }

        var sb = new StringBuilder(keep + 24);
        foreach (var c in value.AsSpan(0, keep))
        {
            sb.Append(char.IsControl(c) ? '?' : c);
        }

        if (keep < value.Length)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{Marker} ({Encoding.UTF8.GetByteCount(value)} bytes)");
        }

        return sb.ToString();
    }
}
