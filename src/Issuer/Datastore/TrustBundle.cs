namespace IdentityIssuer.Issuer.Datastore;

/// <summary>A JWT signing key as stored in a bundle.</summary>
public sealed record BundleJwtKey(string KeyId, byte[] SubjectPublicKeyInfo, DateTimeOffset NotAfter);

/// <summary>
/// A trust domain's bundle as stored: X.509 authorities (DER certificates), JWT keys and the
/// sequence number that grows with every change.
/// </summary>
public sealed record TrustBundle
{
    /// <summary>Trust domain name, e.g. <c>example.org</c>.</summary>
    public required string TrustDomain { get; init; }

    /// <summary>DER-encoded CA certificates, in the order they were added.</summary>
    public IReadOnlyList<byte[]> X509Authorities { get; init; } = [];

    /// <summary>JWT keys, in the order they were added.</summary>
    public IReadOnlyList<BundleJwtKey> JwtKeys { get; init; } = [];

    /// <summary>Starts at 1 and grows by one with every change.</summary>
    public long Sequence { get; init; }

    /// <summary>Refresh hint in seconds published with the bundle; 0 for none.</summary>
    public int RefreshHintSeconds { get; init; }

    /// <summary>True for this issuer's own trust domain; false for a federated one.</summary>
    public bool IsOwn { get; init; }

    /// <summary>Last change.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
}
