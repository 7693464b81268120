using IdentityIssuer.Gateway.Identity;
using IdentityIssuer.Gateway.Policy;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IdentityIssuer.Gateway.Ops;

/// <summary>Ready while the gateway holds an unexpired SVID from the Workload API and a loaded policy.</summary>
internal sealed class GatewayReadinessHealthCheck(IWorkloadIdentitySource identities, ToolPolicyStore policies, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        WorkloadIdentity identity;
        ToolPolicy policy;
        try
        {
            identity = identities.Current;
            policy = policies.Current;
        }
        catch (InvalidOperationException ex)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(ex.Message));
        }

        var notAfter = new DateTimeOffset(identity.Certificate.NotAfter.ToUniversalTime());
        return Task.FromResult(notAfter > time.GetUtcNow()
            ? HealthCheckResult.Healthy($"{identity.Id} valid until {notAfter:O}; policy with {policy.Tools.Count} tool(s)")
            : HealthCheckResult.Unhealthy($"the gateway's SVID {identity.Id} expired at {notAfter:O}"));
    }
}
