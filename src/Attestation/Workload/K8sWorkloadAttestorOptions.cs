namespace IdentityIssuer.Attestation.Workload;

/// <summary>Settings of the <c>k8s</c> workload attestor.</summary>
public sealed class K8sWorkloadAttestorOptions
{
    /// <summary>
    /// The kubelet's base URL; the attestor reads <c>{KubeletUrl}/pods</c>. The default is the
    /// authenticated port on this node; <c>http://127.0.0.1:10255</c> is the read-only port where
    /// it is still enabled.
    /// </summary>
    public Uri KubeletUrl { get; set; } = new("https://127.0.0.1:10250");

    /// <summary>
    /// A file holding the bearer token sent to the kubelet, re-read for each request so a rotated
    /// (projected) token is picked up. Empty sends no token.
    /// </summary>
    public string TokenPath { get; set; } = "/var/run/secrets/kubernetes.io/serviceaccount/token";

    /// <summary>PEM file of the CA certificates that the kubelet's serving certificate must chain to. Empty uses the system's trust store.</summary>
    public string CaPath { get; set; } = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";

    /// <summary>Accept any kubelet certificate. Off by default; only for clusters whose kubelet certificates cannot be verified.</summary>
    public bool SkipKubeletVerification { get; set; }

    /// <summary>Where the proc file system is mounted.</summary>
    public string ProcRoot { get; set; } = "/proc";

    /// <summary>How many times the pod list is read before a container missing from it fails attestation (a just-started container may not be listed yet).</summary>
    public int MaxPollAttempts { get; set; } = 20;

    /// <summary>The wait between two reads of the pod list.</summary>
    public TimeSpan PollRetryInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long one kubelet request may take.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
