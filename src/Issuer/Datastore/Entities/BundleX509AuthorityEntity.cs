namespace IdentityIssuer.Issuer.Datastore.Entities;

/// <summary>Row of <c>bundle_x509_authorities</c>: one CA certificate of a bundle, keyed by its SHA-256.</summary>
internal sealed class BundleX509AuthorityEntity
{
    public string TrustDomain { get; set; } = string.Empty;

    /// <summary>SHA-256 (lowercase hex) of <see cref="Der"/>; certificates are too long for a b-tree key.</summary>
    public string DerSha256 { get; set; } = string.Empty;

    /// <summary>Order of addition within the bundle.</summary>
    public int Position { get; set; }

    public byte[] Der { get; set; } = [];
}
