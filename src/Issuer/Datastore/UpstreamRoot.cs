namespace IdentityIssuer.Issuer.Datastore;

/// <summary>
/// A self-signed root CA created by <c>identity-issuer upstream init</c>. Its private key is in the
/// upstream key manager (<c>Ca:Upstream:KeyManager</c>) and signs nothing but the issuer's X.509 CA
/// certificates, which become intermediates under it.
/// </summary>
public sealed record UpstreamRoot
{
    /// <summary>The hex subject key identifier of the root certificate.</summary>
    public required string Id { get; init; }

    /// <summary>The name of the key manager holding the key (<c>disk</c>, <c>pkcs11</c>, …).</summary>
    public required string KeyManager { get; init; }

    /// <summary>The key's id in that key manager.</summary>
    public required string KeyId { get; init; }

    /// <summary>The root certificate (DER).</summary>
    public required byte[] Certificate { get; init; }

    /// <summary>Start of validity.</summary>
    public DateTimeOffset NotBefore { get; init; }

    /// <summary>End of validity.</summary>
    public DateTimeOffset NotAfter { get; init; }

    /// <summary>When the root was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>True for the root that signs new intermediates; a replaced root is false (still trusted until it expires).</summary>
    public bool IsCurrent { get; init; }
}
