using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.KeyManagement.AzureKeyVault;

/// <summary>Building the manager from its options: the credential, the Azure.Core pipeline, the client.</summary>
internal sealed partial class AzureKeyVaultKeyManager
{
    // Clouds whose authority hosts Microsoft Entra's instance discovery knows; any other host
    // (Azure Stack, a private cloud) is used as given.
    private static readonly string[] KnownAuthorityHosts =
        ["login.microsoftonline.com", "login.microsoftonline.us", "login.chinacloudapi.cn", "login.microsoftonline.de"];

    /// <summary>The manager configured by <paramref name="options"/> (the section at <c>{sectionPath}:AzureKeyVault</c>).</summary>
    internal static IKeyManager Create(AzureKeyVaultKeyManagerOptions options, string sectionPath, IServiceProvider services) =>
        Create(options, sectionPath, services.GetService<ILogger<AzureKeyVaultKeyManager>>(), transport: null);

    /// <summary>
    /// As above, with the HTTP transport given (tests pass one that trusts the local fake vault's
    /// certificate; null is Azure.Core's default) and, optionally, a credential instead of the configured one.
    /// </summary>
    internal static AzureKeyVaultKeyManager Create(
        AzureKeyVaultKeyManagerOptions options, string sectionPath, ILogger? logger, HttpPipelineTransport? transport, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        AzureKeyVaultKeyManagerOptions.Validate(options, sectionPath, errors);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(sectionPath, typeof(AzureKeyVaultKeyManagerOptions), errors);
        }

        AzureKeyVaultKeyManagerOptions.TryParseVaultUri(options.VaultUri, out var vault);
        var clientOptions = new AzureKeyVaultClientOptions();
        clientOptions.Retry.Mode = RetryMode.Exponential;
        clientOptions.Retry.MaxRetries = options.MaxRetries;
        clientOptions.Retry.Delay = options.RetryDelay;
        clientOptions.Retry.MaxDelay = options.MaxRetryDelay;
        clientOptions.Retry.NetworkTimeout = options.NetworkTimeout;
        clientOptions.Diagnostics.ApplicationId = "identity-issuer";
        if (transport is not null)
        {
            clientOptions.Transport = transport;
        }

        credential ??= CreateCredential(options, transport);
        var pipeline = HttpPipelineBuilder.Build(clientOptions, [], [new AzureKeyVaultChallengePolicy(credential)], new ResponseClassifier());
        var client = new AzureKeyVaultClient(vault, options.ApiVersion, pipeline, $"{sectionPath}:{AzureKeyVaultKeyManagerOptions.SectionName}", options.Credential.Trim().ToLowerInvariant(), options.MaxRetries);
        return new AzureKeyVaultKeyManager(client, options, logger);
    }

    private static TokenCredential CreateCredential(AzureKeyVaultKeyManagerOptions options, HttpPipelineTransport? transport)
    {
        Uri? authority = null;
        if (options.AuthorityHost is not null)
        {
            AzureKeyVaultKeyManagerOptions.TryParseVaultUri(options.AuthorityHost, out authority);
        }

        var unknownAuthority = authority is not null && !KnownAuthorityHosts.Contains(authority.Host, StringComparer.OrdinalIgnoreCase);
        if (string.Equals(options.Credential.Trim(), AzureKeyVaultKeyManagerOptions.ClientSecretCredential, StringComparison.OrdinalIgnoreCase))
        {
            var secretOptions = new ClientSecretCredentialOptions { DisableInstanceDiscovery = unknownAuthority };
            if (authority is not null)
            {
                secretOptions.AuthorityHost = authority;
            }

            if (transport is not null)
            {
                secretOptions.Transport = transport;
            }

            return new ClientSecretCredential(options.TenantId!.Trim(), options.ClientId!.Trim(), options.ClientSecret, secretOptions);
        }

        var defaultOptions = new DefaultAzureCredentialOptions { DisableInstanceDiscovery = unknownAuthority };
        if (authority is not null)
        {
            defaultOptions.AuthorityHost = authority;
        }

        if (!string.IsNullOrWhiteSpace(options.TenantId))
        {
            defaultOptions.TenantId = options.TenantId.Trim();
        }

        if (!string.IsNullOrWhiteSpace(options.ClientId))
        {
            defaultOptions.ManagedIdentityClientId = options.ClientId.Trim();
        }

        if (transport is not null)
        {
            defaultOptions.Transport = transport;
        }

        return new DefaultAzureCredential(defaultOptions);
    }

    /// <summary>Azure.Core client options for the Key Vault pipeline (retry, transport, diagnostics).</summary>
    private sealed class AzureKeyVaultClientOptions : ClientOptions;
}
