namespace IdentityIssuer.Agent.Sinks;

/// <summary>
/// One entry of the <c>Sinks</c> configuration array: write the SVID with this SPIFFE ID (or hint) as
/// PEM files on every rotation, then run a command or signal a process (e.g. to reload nginx).
/// </summary>
public sealed class FileSinkOptions
{
    /// <summary>The SPIFFE ID whose SVID is written (this or <see cref="Hint"/> is required).</summary>
    public string SpiffeId { get; set; } = string.Empty;

    /// <summary>Select the SVID by hint instead.</summary>
    public string Hint { get; set; } = string.Empty;

    /// <summary>Directory to write into (created 0755 when missing).</summary>
    public string Directory { get; set; } = string.Empty;

    /// <summary>Certificate chain file name, leaf first.</summary>
    public string CertificateFileName { get; set; } = "svid.pem";

    /// <summary>Private key file name (always written 0600).</summary>
    public string KeyFileName { get; set; } = "svid.key";

    /// <summary>Trust bundle file name.</summary>
    public string BundleFileName { get; set; } = "bundle.pem";

    /// <summary>Shell command run after the files are written (by /bin/sh -c), e.g. <c>nginx -s reload</c>.</summary>
    public string Command { get; set; } = string.Empty;

    /// <summary>A pid file whose process receives <see cref="Signal"/> after the files are written.</summary>
    public string PidFile { get; set; } = string.Empty;

    /// <summary>Signal for <see cref="PidFile"/>: HUP (default), USR1, USR2, TERM.</summary>
    public string Signal { get; set; } = "HUP";
}
