using IdentityIssuer.Attestation;

namespace IdentityIssuer.Issuer.Registration;

/// <summary>Checks DNS names for X509-SVID SANs: lowercase LDH labels, an optional leading wildcard label, at most <see cref="MaxCount"/> of them.</summary>
internal static class DnsNames
{
    /// <summary>Most DNS names one entry or one SVID may carry.</summary>
    public const int MaxCount = 64;

    /// <summary>Longest DNS name (RFC 1035).</summary>
    public const int MaxLength = 253;

    /// <summary>Null when <paramref name="names"/> is within <see cref="MaxCount"/>, else what is wrong.</summary>
    public static string? CheckCount(IReadOnlyList<string>? names) =>
        names is { Count: > MaxCount } ? $"{names.Count} DNS names is more than the limit of {MaxCount} per entry" : null;

    /// <summary>Null when <paramref name="name"/> is a valid DNS SAN, else what is wrong.</summary>
    public static string? Check(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "a DNS name is empty";
        }

        if (name.Length > MaxLength)
        {
            return $"'{InputEcho.Of(name)}' is longer than {MaxLength} characters";
        }

        var labels = name.Split('.');
        for (var i = 0; i < labels.Length; i++)
        {
            var label = labels[i];
            if (i == 0 && label == "*" && labels.Length > 2)
            {
                continue;
            }

            if (label.Length is 0 or > 63)
            {
                return $"'{name}' has an empty label or one longer than 63 characters";
            }

            if (label[0] == '-' || label[^1] == '-')
            {
                return $"'{name}' has a label that starts or ends with '-'";
            }

            foreach (var c in label)
            {
                if (c is not (>= 'a' and <= 'z' or >= '0' and <= '9' or '-'))
                {
                    return $"'{name}' may contain only lowercase letters, digits, '-' and '.' (found '{c}')";
                }
            }
        }

        return null;
    }
}
