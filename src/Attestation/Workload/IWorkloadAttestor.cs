using IdentityIssuer.Attestation.Selectors;

namespace IdentityIssuer.Attestation.Workload;

/// <summary>
/// Turns a local process (known by kernel peer credentials) into selectors. An attestor returns an
/// empty list for a process outside its platform (e.g. the docker attestor for a process that is not
/// in a container) and throws <see cref="WorkloadAttestationException"/> when it cannot tell.
/// </summary>
public interface IWorkloadAttestor
{
    /// <summary>The selector type it produces: <c>unix</c>, <c>systemd</c>, <c>docker</c>, <c>k8s</c>.</summary>
    string Name { get; }

    /// <summary>Selectors for the process; every selector's type is <see cref="Name"/>.</summary>
    Task<IReadOnlyList<Selector>> AttestAsync(WorkloadProcess process, CancellationToken cancellationToken);
}

/// <summary>
/// A caller as the kernel reported it when it connected (SO_PEERCRED: pid, effective uid and gid),
/// with the process's start time (field 22 of <c>/proc/PID/stat</c>, clock ticks since boot) read when
/// the connection was accepted. The pid and start time together name one process for the life of
/// the machine: an attestor refuses a pid whose start time is no longer <see cref="StartTime"/>.
/// </summary>
public sealed record WorkloadProcess(int ProcessId, int UserId, int GroupId, ulong StartTime);
