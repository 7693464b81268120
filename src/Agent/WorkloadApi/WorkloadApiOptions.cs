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
}
