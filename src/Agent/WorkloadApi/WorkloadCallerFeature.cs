using IdentityIssuer.Attestation.Unix;

namespace IdentityIssuer.Agent.WorkloadApi;

/// <summary>
/// The kernel's peer credentials of a Workload API connection, read once when the connection is
/// accepted and attached to the connection's features; every HTTP/2 stream on it sees the same value.
/// Its presence also marks a request as having come through the Workload API listener.
/// </summary>
internal sealed class WorkloadCallerFeature(PeerCredentials credentials)
{
    public PeerCredentials Credentials { get; } = credentials;
}
