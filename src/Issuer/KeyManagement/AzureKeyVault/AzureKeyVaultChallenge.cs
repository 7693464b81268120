using System.Text.RegularExpressions;

namespace IdentityIssuer.Issuer.KeyManagement.AzureKeyVault;

/// <summary>Parses Key Vault's <c>WWW-Authenticate: Bearer ...</c> challenge into a token scope and tenant.</summary>
internal static partial class AzureKeyVaultChallenge
{
    /// <summary>The scope and tenant of a Bearer challenge, or null when the header is not one Key Vault sends.</summary>
    public static (string Scope, string? TenantId)? Parse(string header)
    {
        if (!header.TrimStart().StartsWith("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (Match match in ParameterPattern().Matches(header))
        {
            parameters[match.Groups[1].Value] = match.Groups[2].Value;
        }

        string? scope = null;
        if (parameters.TryGetValue("scope", out var s) && !string.IsNullOrWhiteSpace(s))
        {
            scope = s.Trim();
        }
        else if (parameters.TryGetValue("resource", out var resource) && !string.IsNullOrWhiteSpace(resource))
        {
            scope = resource.Trim().TrimEnd('/') + "/.default";
        }

        if (scope is null || !Uri.TryCreate(scope, UriKind.Absolute, out _))
        {
            return null;
        }

        var authority = parameters.GetValueOrDefault("authorization") ?? parameters.GetValueOrDefault("authorization_uri");
        string? tenant = null;
        if (authority is not null && Uri.TryCreate(authority, UriKind.Absolute, out var authorityUri))
        {
            var first = authorityUri.AbsolutePath.Trim('/').Split('/')[0];
            tenant = first.Length > 0 ? first : null;
        }

        return (scope, tenant);
    }

    /// <summary>
    /// True when <paramref name="scope"/>'s host is <paramref name="requestHost"/> or a parent
    /// domain of it (<c>vault.azure.net</c> for <c>my-vault.vault.azure.net</c>), as the Azure SDK checks.
    /// </summary>
    public static bool ScopeMatchesHost(string scope, string requestHost)
    {
        if (!Uri.TryCreate(scope, UriKind.Absolute, out var scopeUri))
        {
            return false;
        }

        var host = scopeUri.Host;
        return string.Equals(requestHost, host, StringComparison.OrdinalIgnoreCase)
            || requestHost.EndsWith("." + host, StringComparison.OrdinalIgnoreCase);
    }

    [GeneratedRegex("""([A-Za-z_]+)\s*=\s*"([^"]*)"?""")]
    private static partial Regex ParameterPattern();
}
