namespace IdentityIssuer.Attestation.Workload;

/// <summary>Settings of the <c>systemd</c> workload attestor.</summary>
public sealed class SystemdWorkloadAttestorOptions
{
    /// <summary>Where the proc file system is mounted.</summary>
    public string ProcRoot { get; set; } = "/proc";
}
