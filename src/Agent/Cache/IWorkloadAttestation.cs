using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Attestation.Workload;

namespace IdentityIssuer.Agent.Cache;

/// <summary>Runs every configured workload attestor for a caller and returns the union of their selectors.</summary>
internal interface IWorkloadAttestation
{
    /// <summary>Selectors of the process; throws <see cref="WorkloadAttestationException"/> when attestation fails.</summary>
    Task<IReadOnlyList<Selector>> AttestAsync(WorkloadProcess process, CancellationToken cancellationToken);
}
