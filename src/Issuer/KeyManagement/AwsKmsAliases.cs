namespace IdentityIssuer.Issuer.KeyManagement;

/// <summary>
/// Maps key ids to AWS KMS alias names and back. KMS allows <c>A-Z a-z 0-9 / _ -</c> in an alias
/// name (after <c>alias/</c>, 256 characters in all); a key id allows <c>A-Z a-z 0-9 . _ -</c>. The
/// only character of a key id KMS does not take is <c>.</c>, and the only alias character a key id
/// never has is <c>/</c>, so <c>.</c> is written as <c>/</c>: a one-to-one, length-preserving swap
/// (so a 128-character id always fits), reversible by swapping back. <c>.hidden</c> becomes
/// <c>&lt;prefix&gt;/hidden</c>, <c>...</c> becomes <c>&lt;prefix&gt;///</c> — odd-looking, but
/// KMS's alias pattern <c>^alias/[a-zA-Z0-9/_-]+$</c> accepts them.
/// </summary>
internal static class AwsKmsAliases
{
    /// <summary>The alias of <paramref name="keyId"/> under <paramref name="prefix"/>; the id must be valid.</summary>
    public static string ToAlias(string prefix, string keyId) => prefix + keyId.Replace('.', '/');

    /// <summary>
    /// The key id an alias stands for, or null when the alias is outside <paramref name="prefix"/> or
    /// does not decode to a valid key id (someone else's alias).
    /// </summary>
    public static string? ToKeyId(string prefix, string? aliasName)
    {
        if (aliasName is null || aliasName.Length <= prefix.Length || !aliasName.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = aliasName[prefix.Length..];
        if (rest.Contains('.', StringComparison.Ordinal))
        {
            return null;
        }

        var keyId = rest.Replace('/', '.');
        return KeyIds.IsValid(keyId) ? keyId : null;
    }
}
