namespace IdentityIssuer.Issuer.Ca;

/// <summary>The <c>Ca</c> configuration section: the X.509 CA and the JWT signing key.</summary>
internal sealed class CaOptions
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Ca";

    /// <summary>X.509 CA key type: <c>ec-p256</c> (default), <c>ec-p384</c>, <c>rsa-2048</c>, <c>rsa-4096</c>.</summary>
    public string KeyType { get; set; } = "ec-p256";

    /// <summary>JWT signing key type, same names; default <c>ec-p256</c> (ES256).</summary>
    public string JwtKeyType { get; set; } = "ec-p256";

    /// <summary>Lifetime of the CA certificate and JWT key.</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Fraction of the active authority's lifetime after which the next one is prepared (published, not signing).</summary>
    public double PrepareAt { get; set; } = 0.5;

    /// <summary>Fraction of the active authority's lifetime after which the prepared one takes over signing.</summary>
    public double ActivateAt { get; set; } = 5.0 / 6.0;

    /// <summary>Subject of the CA certificate, as an X.500 name; a serialNumber attribute is added.</summary>
    public string Subject { get; set; } = "C=US, O=IdentityIssuer";

    /// <summary>Subject of X509-SVIDs; the first DNS name, when an entry has any, is added as CN.</summary>
    public string SvidSubject { get; set; } = "C=US, O=IdentityIssuer";

    /// <summary>PEM file with the upstream CA certificate (first) and any intermediates above it; empty for a self-signed CA.</summary>
    public string UpstreamCertificateFile { get; set; } = string.Empty;

    /// <summary>PEM file with the upstream CA's private key (PKCS#8, SEC1 or PKCS#1).</summary>
    public string UpstreamKeyFile { get; set; } = string.Empty;

    /// <summary>PEM file with the roots to publish as the trust bundle; empty when the upstream certificate is itself a root.</summary>
    public string UpstreamBundleFile { get; set; } = string.Empty;

    /// <summary>
    /// This replica's name in the CA journal. Several issuers on one database each need their own, stable
    /// name: a replica signs only with authorities journaled under its name (their keys are in its key
    /// manager). Letters, digits, '.', '_' and '-', at most 64; default <c>primary</c>.
    /// </summary>
    public string ReplicaName { get; set; } = "primary";

    /// <summary>Validity (nextUpdate − thisUpdate) of the CRLs the CA signs; a new one is signed at half of it, or at once on a revocation.</summary>
    public TimeSpan CrlTtl { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// The <c>Ca:Upstream</c> section: a root CA whose key is held by its own key manager
    /// (<c>Ca:Upstream:KeyManager</c>); the X.509 CA becomes an intermediate under it. Mutually
    /// exclusive with <see cref="UpstreamCertificateFile"/>.
    /// </summary>
    public UpstreamRootOptions Upstream { get; set; } = new();

    /// <summary>True when an upstream CA is configured.</summary>
    public bool HasUpstream => UpstreamCertificateFile.Length > 0 || UpstreamKeyFile.Length > 0;
}
