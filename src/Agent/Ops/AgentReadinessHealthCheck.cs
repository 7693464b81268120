using IdentityIssuer.Agent.Sync;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IdentityIssuer.Agent.Ops;

/// <summary>
/// Ready once the agent has attested, holds an agent SVID that has not expired, and has completed a
/// sync with the issuer since it started (so the Workload API serves SVIDs and bundles). A later outage
/// of the issuer does not make it unready while the agent SVID is valid: the agent keeps serving what
/// it holds, and <c>identity_agent_issuer_reachable</c> says whether it can renew.
/// </summary>
internal sealed class AgentReadinessHealthCheck(AgentService agent, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (agent.AgentId is not { } id || agent.AgentSvidNotAfter is not { } notAfter)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("not attested yet"));
        }

        if (notAfter <= time.GetUtcNow())
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"the agent SVID of {id} expired at {notAfter:O}"));
        }

        return Task.FromResult(agent.LastSync is { } synced
            ? HealthCheckResult.Healthy($"{id}, agent SVID valid until {notAfter:O}, last sync {synced:O}")
            : HealthCheckResult.Unhealthy($"{id} has not completed a sync with the issuer yet"));
    }
}
