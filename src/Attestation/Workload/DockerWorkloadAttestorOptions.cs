namespace IdentityIssuer.Attestation.Workload;

/// <summary>Settings of the <c>docker</c> workload attestor.</summary>
public sealed class DockerWorkloadAttestorOptions
{
    /// <summary>The Docker Engine API endpoint; only <c>unix://</c> sockets are supported.</summary>
    public string DockerHost { get; set; } = "unix:///var/run/docker.sock";

    /// <summary>The Engine API version requested (the path prefix <c>/v1.43/</c>); 1.43 is Docker 24.</summary>
    public string ApiVersion { get; set; } = "1.43";

    /// <summary>Docker's data root; a container's /etc/hostname mount under it identifies the container when its cgroup does not.</summary>
    public string DataRoot { get; set; } = "/var/lib/docker";

    /// <summary>Where the proc file system is mounted.</summary>
    public string ProcRoot { get; set; } = "/proc";

    /// <summary>How long one Engine API request may take.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
