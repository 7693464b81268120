using IdentityIssuer.Agent.Cache;
using IdentityIssuer.Attestation.Selectors;
using IdentityIssuer.Attestation.Workload;

namespace IdentityIssuer.Agent.Tests.Support;

/// <summary>Attests a caller by the uid the kernel reported for its connection: <c>unix:uid:N</c>.</summary>
internal sealed class UidWorkloadAttestation : IWorkloadAttestation
{
    private readonly List<WorkloadProcess> _seen = [];

    /// <summary>Every caller attested so far, as the server saw it.</summary>
    public IReadOnlyList<WorkloadProcess> Seen
    {
        get
        {
            lock (_seen)
            {
                return _seen.ToArray();
            }
        }
    }

    public Task<IReadOnlyList<Selector>> AttestAsync(WorkloadProcess process, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(process);
        lock (_seen)
        {
            _seen.Add(process);
        }

        IReadOnlyList<Selector> selectors = [Selector.Create("unix", $"uid:{process.UserId}")];
        return Task.FromResult(selectors);
    }
}
