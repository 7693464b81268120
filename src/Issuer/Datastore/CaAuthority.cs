namespace IdentityIssuer.Issuer.Datastore;

/// <summary>Which kind of signing authority a journal row describes.</summary>
public enum AuthorityKind
{
    /// <summary>Not set; rejected.</summary>
    Unspecified = 0,

    /// <summary>An X.509 CA certificate and key that sign X509-SVIDs.</summary>
    X509 = 1,

    /// <summary>A JWT signing key that signs JWT-SVIDs.</summary>
    Jwt = 2,
}

/// <summary>Lifecycle of an authority in the CA journal.</summary>
public enum AuthorityStatus
{
    /// <summary>Not set; rejected.</summary>
    Unspecified = 0,

    /// <summary>Published in the bundle, not yet signing.</summary>
    Prepared = 1,

    /// <summary>Signing new SVIDs.</summary>
    Active = 2,

    /// <summary>Replaced by a newer authority; still trusted until it expires.</summary>
    Old = 3,

    /// <summary>
    /// Not trusted to have stayed secret: agents replace everything it signed, and the CA uses it for
    /// nothing but its CRL. Still in the bundle until revoked.
    /// </summary>
    Tainted = 4,

    /// <summary>A tainted authority removed from the bundle; nothing it signed validates any more.</summary>
    Revoked = 5,
}

/// <summary>One authority (X.509 CA or JWT key) in the CA journal.</summary>
public sealed record CaAuthority
{
    /// <summary>Authority id: for X.509 the hex subject key identifier, for JWT the kid.</summary>
    public required string Id { get; init; }

    /// <summary>X.509 CA or JWT key.</summary>
    public required AuthorityKind Kind { get; init; }

    /// <summary>Slot name, <c>A</c> or <c>B</c>.</summary>
    public required string Slot { get; init; }

    /// <summary>Current lifecycle state.</summary>
    public required AuthorityStatus Status { get; init; }

    /// <summary>The key manager's id for the private key.</summary>
    public required string KeyId { get; init; }

    /// <summary>X.509: the CA certificate (DER). JWT: the public key as SubjectPublicKeyInfo (DER).</summary>
    public required byte[] PublicData { get; init; }

    /// <summary>X.509 with an upstream CA: the chain above the CA certificate (concatenated DER); else empty.</summary>
    public byte[] UpstreamChain { get; init; } = [];

    /// <summary>Start of validity.</summary>
    public DateTimeOffset NotBefore { get; init; }

    /// <summary>End of validity.</summary>
    public DateTimeOffset NotAfter { get; init; }

    /// <summary>When the row was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>
    /// The issuer replica that owns the authority: its key is in that replica's key manager, and only
    /// that replica signs with it, rotates it and signs its CRL. Every replica trusts every authority.
    /// </summary>
    public string Replica { get; init; } = "primary";
}
