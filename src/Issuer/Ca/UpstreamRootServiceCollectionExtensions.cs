using IdentityIssuer.Issuer.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>Registers the key-manager-held upstream root (<c>Ca:Upstream</c>).</summary>
internal static class UpstreamRootServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="UpstreamKeyManager"/> and <see cref="UpstreamRootAuthority"/>. The upstream
    /// disk key manager defaults to <c>&lt;dataDirectory&gt;/upstream-keys</c>, apart from the issuer's keys,
    /// and does not read the issuer's encryption-key variable.
    /// </summary>
    public static IServiceCollection AddUpstreamRoot(this IServiceCollection services, string dataDirectory)
    {
        services.AddOptions<CaOptions>().PostConfigure(options =>
        {
            if (options.Upstream?.KeyManager is { } keyManager)
            {
                KeyManagementServiceCollectionExtensions.ApplyDefaults(
                    keyManager, UpstreamRootOptions.KeyManagerSectionPath, Path.Combine(dataDirectory, "upstream-keys"), getEnvironmentVariable: null);
            }
        });
        services.TryAddSingleton(UpstreamKeyManager.Create);
        services.TryAddSingleton<UpstreamRootAuthority>();
        return services;
    }
}
