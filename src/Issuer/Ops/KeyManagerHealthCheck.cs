using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.KeyManagement;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IdentityIssuer.Issuer.Ops;

/// <summary>
/// Ready when the key manager still holds the active X.509 CA key: a remote key manager (a vault,
/// an HSM) that stops answering or refuses access makes the issuer unready instead of failing every
/// mint while reporting ready. For the disk and memory managers this is a local lookup.
/// </summary>
internal sealed class KeyManagerHealthCheck : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

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
            return HealthCheckResult.Unhealthy("CA not initialized");
        }

        var keyId = _ca.ActiveX509.Record.KeyId;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            return await _keys.GetKeyAsync(keyId, timeout.Token) is null
                ? HealthCheckResult.Unhealthy($"key manager '{_keys.Name}' no longer holds the active CA key {keyId}")
                : HealthCheckResult.Healthy($"key manager '{_keys.Name}' holds the active CA key {keyId}");
        }
        catch (KeyManagerException ex)
        {
            return HealthCheckResult.Unhealthy($"key manager '{_keys.Name}' failed ({(ex.IsTransient ? "transient" : "permanent")}): {ex.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"key manager '{_keys.Name}' did not answer within {Timeout.TotalSeconds:0} s");
        }
    }
}
