using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Attestation.Workload;

namespace IdentityIssuer.Agent.WorkloadApi;

/// <summary>An attested caller: the process the kernel named and the selectors attestation found for it.</summary>
internal sealed record WorkloadCaller(WorkloadProcess Process, IReadOnlySet<Selector> Selectors);
