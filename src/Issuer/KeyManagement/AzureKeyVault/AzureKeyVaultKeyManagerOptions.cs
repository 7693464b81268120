using System.Globalization;
using System.Text.RegularExpressions;

namespace IdentityIssuer.Issuer.KeyManagement.AzureKeyVault;

/// <summary>
/// The <c>KeyManager:AzureKeyVault</c> configuration section: the vault, how key ids become key
/// names, which credential gets the vault's tokens, the Key Vault REST API version and the retry
/// policy for throttling and server errors.
/// </summary>
internal sealed partial class AzureKeyVaultKeyManagerOptions
{
    /// <summary>The section name below the key-manager section.</summary>
    public const string SectionName = "AzureKeyVault";

    /// <summary>Value of <c>KeyManager:Type</c> for this key manager.</summary>
    public const string TypeName = "azure-key-vault";

    /// <summary><see cref="Credential"/>: Azure.Identity's DefaultAzureCredential chain.</summary>
    public const string DefaultCredential = "default";

    /// <summary><see cref="Credential"/>: an app registration's client secret (<see cref="TenantId"/>, <see cref="ClientId"/>, <see cref="ClientSecret"/>).</summary>
    public const string ClientSecretCredential = "client-secret";

    /// <summary>The Key Vault REST API version used unless <see cref="ApiVersion"/> says otherwise.</summary>
    public const string DefaultApiVersion = "7.5";

    /// <summary>The longest <see cref="KeyNamePrefix"/>, so every key id still fits in a 127-character key name.</summary>
    public const int MaxPrefixLength = 63;

    /// <summary>The vault, e.g. <c>https://my-vault.vault.azure.net/</c>. Required.</summary>
    public string? VaultUri { get; set; }

    /// <summary>Put in front of every key name, so several issuers (or other applications) can share a vault.</summary>
    public string KeyNamePrefix { get; set; } = "identity-issuer-";

    /// <summary><c>default</c> (DefaultAzureCredential: environment, workload identity, managed identity, Azure CLI, ...) or <c>client-secret</c>.</summary>
    public string Credential { get; set; } = DefaultCredential;

    /// <summary>The Microsoft Entra tenant (required for <c>client-secret</c>; optional for <c>default</c>).</summary>
    public string? TenantId { get; set; }

    /// <summary>The application (client) id for <c>client-secret</c>; for <c>default</c>, the user-assigned managed identity's client id.</summary>
    public string? ClientId { get; set; }

    /// <summary>The client secret for <c>client-secret</c>. A secret: never logged or echoed in errors.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>The Microsoft Entra authority host; defaults to the Azure public cloud (<c>https://login.microsoftonline.com/</c>).</summary>
    public string? AuthorityHost { get; set; }

    /// <summary>The Key Vault REST API version: 7.4 or later.</summary>
    public string ApiVersion { get; set; } = DefaultApiVersion;

    /// <summary>Create keys as HSM-protected (<c>EC-HSM</c>, <c>RSA-HSM</c>; needs a Premium vault) instead of software-protected.</summary>
    public bool HardwareProtected { get; set; }

    /// <summary>
    /// After deleting a key, purge it too (needs the keys/purge permission and a vault without purge
    /// protection). Off by default: a deleted key stays recoverable for the vault's retention period.
    /// </summary>
    public bool PurgeDeletedKeys { get; set; }

    /// <summary>How often a throttled (429), timed-out or failed (5xx) request is retried.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first retry delay; it doubles per retry up to <see cref="MaxRetryDelay"/> (a Retry-After header wins).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(0.8);

    /// <summary>The longest delay between two retries.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one request may take before it counts as failed (and is retried).</summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Adds every problem with <paramref name="o"/> to <paramref name="errors"/>, naming the setting as <c>{sectionPath}:AzureKeyVault:Xxx</c>.</summary>
    internal static void Validate(AzureKeyVaultKeyManagerOptions? o, string sectionPath, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        o ??= new AzureKeyVaultKeyManagerOptions();
        var path = $"{sectionPath}:{SectionName}";
        if (string.IsNullOrWhiteSpace(o.VaultUri))
        {
            errors.Add($"{path}:VaultUri must be set to the vault's URI, e.g. https://my-vault.vault.azure.net/");
        }
        else if (!TryParseVaultUri(o.VaultUri, out _))
        {
            errors.Add($"{path}:VaultUri must be an absolute https URI without a path, query or user info, e.g. https://my-vault.vault.azure.net/ (got '{o.VaultUri}')");
        }

        if (o.KeyNamePrefix is null || o.KeyNamePrefix.Length > MaxPrefixLength || !PrefixPattern().IsMatch(o.KeyNamePrefix))
        {
            errors.Add($"{path}:KeyNamePrefix must be at most {MaxPrefixLength} characters from 0-9, a-z, A-Z and '-' (got '{o.KeyNamePrefix}')");
        }

        var credential = o.Credential?.Trim();
        if (string.Equals(credential, ClientSecretCredential, StringComparison.OrdinalIgnoreCase))
        {
            RequireGuidLike(o.TenantId, $"{path}:TenantId", "the Microsoft Entra tenant id", errors);
            RequireGuidLike(o.ClientId, $"{path}:ClientId", "the application (client) id", errors);
            if (string.IsNullOrEmpty(o.ClientSecret))
            {
                errors.Add($"{path}:ClientSecret must be set when {path}:Credential is '{ClientSecretCredential}' (e.g. through the environment variable IDENTITY_ISSUER_{sectionPath.Replace(":", "__", StringComparison.Ordinal)}__{SectionName}__ClientSecret)");
            }
        }
        else if (!string.Equals(credential, DefaultCredential, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{path}:Credential must be '{DefaultCredential}' or '{ClientSecretCredential}' (got '{o.Credential}')");
        }

        if (o.AuthorityHost is not null && !TryParseVaultUri(o.AuthorityHost, out _))
        {
            errors.Add($"{path}:AuthorityHost must be an absolute https URI without a path, e.g. https://login.microsoftonline.com/ (got '{o.AuthorityHost}')");
        }

        if (!IsSupportedApiVersion(o.ApiVersion))
        {
            errors.Add($"{path}:ApiVersion must be a Key Vault REST API version 7.4 or later, e.g. {DefaultApiVersion} (got '{o.ApiVersion}')");
        }

        if (o.MaxRetries is < 0 or > 10)
        {
            errors.Add($"{path}:MaxRetries must be between 0 and 10 (got {o.MaxRetries.ToString(CultureInfo.InvariantCulture)})");
        }

        if (o.RetryDelay < TimeSpan.Zero || o.RetryDelay > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{path}:RetryDelay must be between 00:00:00 and 00:01:00 (got {o.RetryDelay})");
        }

        if (o.MaxRetryDelay < o.RetryDelay || o.MaxRetryDelay > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{path}:MaxRetryDelay must be at least {path}:RetryDelay and at most 00:05:00 (got {o.MaxRetryDelay})");
        }

        if (o.NetworkTimeout <= TimeSpan.Zero || o.NetworkTimeout > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{path}:NetworkTimeout must be more than zero and at most 00:10:00 (got {o.NetworkTimeout})");
        }
    }

    /// <summary>The vault URI as the client uses it (https, host and port only), or false when it is not one.</summary>
    internal static bool TryParseVaultUri(string? text, out Uri uri)
    {
        uri = null!;
        if (!Uri.TryCreate(text?.Trim(), UriKind.Absolute, out var parsed)
            || parsed.Scheme != Uri.UriSchemeHttps
            || !string.IsNullOrEmpty(parsed.UserInfo)
            || parsed.AbsolutePath != "/"
            || !string.IsNullOrEmpty(parsed.Query)
            || !string.IsNullOrEmpty(parsed.Fragment))
        {
            return false;
        }

        uri = new Uri(parsed.GetLeftPart(UriPartial.Authority) + "/");
        return true;
    }

    private static bool IsSupportedApiVersion(string? version)
    {
        var match = version is null ? null : ApiVersionPattern().Match(version);
        if (match is not { Success: true })
        {
            return false;
        }

        var major = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var minor = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        return major > 7 || (major == 7 && minor >= 4);
    }

    private static void RequireGuidLike(string? value, string setting, string what, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{setting} must be set to {what} when the credential is '{ClientSecretCredential}'");
        }
        else if (!IdPattern().IsMatch(value))
        {
            errors.Add($"{setting} must be {what}: a GUID or a name from 0-9, a-z, A-Z, '.' and '-' (got '{value}')");
        }
    }

    [GeneratedRegex("^[0-9a-zA-Z-]*$")]
    private static partial Regex PrefixPattern();

    [GeneratedRegex(@"^([0-9]{1,3})\.([0-9]{1,3})(-preview(\.[0-9]+)?)?$")]
    private static partial Regex ApiVersionPattern();

    [GeneratedRegex(@"^[0-9a-zA-Z.-]{1,256}$")]
    private static partial Regex IdPattern();
}
