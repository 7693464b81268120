namespace IdentityIssuer.Issuer.Datastore.Entities;

/// <summary>Row of <c>bundles</c>: one trust domain's bundle header.</summary>
internal sealed class BundleEntity
{
    public string TrustDomain { get; set; } = string.Empty;

    public long Sequence { get; set; }

    public int RefreshHintSeconds { get; set; }

    public bool IsOwn { get; set; }

    public long UpdatedAt { get; set; }

    public List<BundleX509AuthorityEntity> X509Authorities { get; set; } = [];

    public List<BundleJwtKeyEntity> JwtKeys { get; set; } = [];
}
