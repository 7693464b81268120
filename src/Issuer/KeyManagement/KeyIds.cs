namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>
/// The key id rule every key manager enforces: 1 to 128 characters from <c>A-Z a-z 0-9 . _ -</c>,
/// and not <c>.</c> or <c>..</c>. Ids become file names and object labels, so nothing else is allowed.
/// </summary>
internal static class KeyIds
{
    /// <summary>The longest key id.</summary>
    public const int MaxLength = 128;

    /// <summary>The rule, as shown in error messages.</summary>
    public const string Rule = "a key id must be 1 to 128 characters from A-Z, a-z, 0-9, '.', '_' and '-', and not '.' or '..'";

    /// <summary>True when <paramref name="keyId"/> follows the rule.</summary>
    public static bool IsValid(string? keyId)
    {
        if (string.IsNullOrEmpty(keyId) || keyId.Length > MaxLength || keyId is "." or "..")
        {
            return false;
        }

        foreach (var c in keyId)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the rule unless <paramref name="keyId"/> follows it.</summary>
    public static void ThrowIfInvalid(string? keyId, string paramName)
    {
        ArgumentNullException.ThrowIfNull(keyId, paramName);
        if (!IsValid(keyId))
        {
            throw new ArgumentException($"invalid key id '{Printable(keyId)}': {Rule}", paramName);
        }
    }

    private static string Printable(string keyId)
    {
        var shown = keyId.Length > MaxLength ? keyId[..MaxLength] + "…" : keyId;
        return string.Create(shown.Length, shown, static (span, s) =>
        {
            for (var i = 0; i < s.Length; i++)
            {
                span[i] = char.IsControl(s[i]) ? '?' : s[i];
            }
        });
    }
}
