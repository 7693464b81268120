using IdentityIssuer.Issuer.Ca;
using IdentityIssuer.Issuer.Datastore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IdentityIssuer.Issuer.Ops;

/// <summary>Ready when the database answers.</summary>
internal sealed class DatastoreHealthCheck : IHealthCheck
{
    private readonly IDataStore _store;

    public DatastoreHealthCheck(IDataStore store) => _store = store;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _store.PingAsync(cancellationToken)
                ? HealthCheckResult.Healthy("datastore answers")
                : HealthCheckResult.Unhealthy("datastore does not answer");
        }
        catch (DatastoreException ex)
        {
            return HealthCheckResult.Unhealthy("datastore does not answer", ex);
        }
    }
}

/// <summary>Ready when the CA has an X.509 authority and a JWT key that have not expired.</summary>
internal sealed class CaHealthCheck : IHealthCheck
{
    private readonly CaManager _ca;
    private readonly TimeProvider _time;

    public CaHealthCheck(CaManager ca, TimeProvider time)
    {
        _ca = ca;
        _time = time;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!_ca.IsReady)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("CA not initialized"));
        }

        var now = _time.GetUtcNow();
        if (_ca.ActiveX509.Record.NotAfter <= now)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("X.509 CA expired"));
        }

        return Task.FromResult(HealthCheckResult.Healthy($"X.509 CA {_ca.ActiveX509.Id} valid until {_ca.ActiveX509.Record.NotAfter:O}"));
    }
}
