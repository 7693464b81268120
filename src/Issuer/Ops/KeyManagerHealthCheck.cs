using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.KeyManagement;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IdentityIssuer.Issuer.Ops;

/// <summary>
/// Ready when the key manager still holds the active X.509 CA key: an HSM whose token was removed,
/// or whose module failed, makes the issuer unready (it cannot sign) without stopping it.
/// </summary>
internal sealed class KeyManagerHealthCheck : IHealthCheck
{
    private readonly CaManager _ca;
    private readonly IKeyManager _keys;

    public KeyManagerHealthCheck(CaManager ca, IKeyManager keys)
    {
        _ca = ca;
        _keys = keys;
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!_ca.IsReady)
        {
            // The CA check reports this; the key manager is asked once there is a key to look for.
            return HealthCheckResult.Unhealthy("CA not initialized");
        }

        var keyId = _ca.ActiveX509.Record.KeyId;
        try
        {
            return await _keys.GetKeyAsync(keyId, cancellationToken) is null
                ? HealthCheckResult.Unhealthy($"the {_keys.Name} key manager no longer has the CA key '{keyId}'")
                : HealthCheckResult.Healthy($"the {_keys.Name} key manager holds the CA key '{keyId}'");
        }
        catch (KeyManagerException ex)
        {
            return HealthCheckResult.Unhealthy($"the {_keys.Name} key manager cannot reach the CA key '{keyId}': {ex.Message}", ex);
        }
    }
}
