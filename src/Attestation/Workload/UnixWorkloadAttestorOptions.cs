namespace IdentityIssuer.Attestation.Workload;

/// <summary>Settings of the <c>unix</c> workload attestor.</summary>
public sealed class UnixWorkloadAttestorOptions
{
    /// <summary>Where the proc file system is mounted.</summary>
    public string ProcRoot { get; set; } = "/proc";

    /// <summary>The local user database read for <c>user:</c> names.</summary>
    public string PasswdPath { get; set; } = "/etc/passwd";

    /// <summary>The local group database read for <c>group:</c> and <c>supplementary_group:</c> names.</summary>
    public string GroupPath { get; set; } = "/etc/group";

    /// <summary>
    /// Also produce <c>path:</c> (the running executable) and, unless <see cref="WorkloadSizeLimit"/>
    /// is negative, <c>sha256:</c> of it. Off by default: hashing reads the whole binary on each attestation.
    /// </summary>
    public bool DiscoverWorkloadPath { get; set; }

    /// <summary>
    /// Largest executable, in bytes, that is hashed; a larger one fails attestation. Zero means no
    /// limit; a negative value means never hash (no <c>sha256:</c> selector).
    /// </summary>
    public long WorkloadSizeLimit { get; set; }
}
