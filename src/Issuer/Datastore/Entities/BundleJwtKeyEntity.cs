namespace IdentityIssuer.Issuer.Datastore.Entities;

/// <summary>Row of <c>bundle_jwt_keys</c>: one JWT signing key of a bundle.</summary>
internal sealed class BundleJwtKeyEntity
{
    public string TrustDomain { get; set; } = string.Empty;

    public string KeyId { get; set; } = string.Empty;

    /// <summary>Order of addition within the bundle.</summary>
    public int Position { get; set; }

    public byte[] PublicKey { get; set; } = [];

    public long NotAfter { get; set; }
}
