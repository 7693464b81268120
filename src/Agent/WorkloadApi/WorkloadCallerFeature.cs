using IdentityIssuer.Attestation.Workload;

namespace IdentityIssuer.Agent.WorkloadApi;

/// <summary>
/// The caller of a Workload API connection as it was when the connection was accepted: the kernel's
/// peer credentials (pid, uid, gid) and the process's start time, attached to the connection's
/// features; every HTTP/2 stream on it sees the same value, and attestation refuses the stream when
/// the pid no longer has that start time. Its presence also marks a request as having come through
/// the Workload API listener.
/// </summary>
internal sealed class WorkloadCallerFeature(WorkloadProcess process)
{
    public WorkloadProcess Process { get; } = process;
}
