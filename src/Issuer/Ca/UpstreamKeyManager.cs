using IdentityIssuer.Issuer.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IdentityIssuer.Issuer.Ca;

/// <summary>
/// The key manager of <c>Ca:Upstream:KeyManager</c>: built by the same factory as the issuer's
/// <c>KeyManager</c>, but a separate instance (never the <see cref="IKeyManager"/> singleton), so the
/// root key is in its own directory, token or KMS. Null when no upstream root is configured.
/// </summary>
internal sealed class UpstreamKeyManager : IDisposable
{
    public UpstreamKeyManager(IKeyManager? keyManager) => KeyManager = keyManager;

    /// <summary>The upstream key manager, or null.</summary>
    public IKeyManager? KeyManager { get; }

    /// <summary>Builds it from the validated <see cref="CaOptions.Upstream"/> section.</summary>
    public static UpstreamKeyManager Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<CaOptions>>().Value.Upstream;
        return new UpstreamKeyManager(options.KeyManager is { } keyManager
            ? KeyManagementServiceCollectionExtensions.Create(keyManager, UpstreamRootOptions.KeyManagerSectionPath, services)
            : null);
    }

    public void Dispose() => (KeyManager as IDisposable)?.Dispose();
}
