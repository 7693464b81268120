namespace IdentityIssuer.Agent.WorkloadApi;

/// <summary>The <c>WorkloadApi</c> configuration section: where workloads reach the SPIFFE Workload API.</summary>
public sealed class WorkloadApiOptions
{
    /// <summary>The section name.</summary>
    public const string SectionName = "WorkloadApi";

    /// <summary>The default socket path; workloads use <c>unix:///tmp/identity-agent/public/api.sock</c>.</summary>
    public const string DefaultSocketPath = "/tmp/identity-agent/public/api.sock";

    /// <summary>
    /// Absolute path of the Unix socket. The socket is made world-writable (0777), because any local
    /// process may ask who it is; callers are told apart by their kernel peer credentials.
    /// </summary>
    public string SocketPath { get; set; } = DefaultSocketPath;

    /// <summary>Largest request message accepted, in bytes; larger requests get ResourceExhausted.</summary>
    public int MaxRequestMessageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// How long the selectors of one process (pid and start time, uid, gid) are reused for its further
    /// calls instead of attesting it again (kubelet pod list, Docker inspect, executable hash). Every
    /// call still checks that the pid names the process that connected. Zero attests every call.
    /// </summary>
    public TimeSpan AttestationCacheTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many attestations run at once; further callers wait for a free place.</summary>
    public int MaxConcurrentAttestations { get; set; } = 8;

    /// <summary>Most calls (HTTP/2 streams) open at once from callers of one uid; more get ResourceExhausted.</summary>
    public int MaxStreamsPerUid { get; set; } = 256;

    /// <summary>Most calls (HTTP/2 streams) open at once from all callers; more get ResourceExhausted.</summary>
    public int MaxStreams { get; set; } = 4096;

    /// <summary>
    /// Most connections open at once from callers of one uid (as the kernel reports it for the socket's
    /// peer); one more is closed as soon as it is accepted. A workload usually holds one connection.
    /// </summary>
    public int MaxConnectionsPerUid { get; set; } = 256;

    /// <summary>Most connections open at once from all callers; one more is closed as soon as it is accepted.</summary>
    public int MaxConnections { get; set; } = 4096;

    /// <summary>
    /// How long a connection with no call in progress stays open; then the agent closes it (gRPC clients
    /// reconnect on their next call). A connection carrying a call, such as a watching FetchX509SVID
    /// stream, is never idle.
    /// </summary>
    public TimeSpan IdleConnectionTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
