namespace IdentityIssuer.Issuer.Datastore;

/// <summary>
/// A revoked X509-SVID. It is listed in the CRL of the authority that signed it until its NotAfter;
/// then the row is pruned (an expired certificate fails validation anyway).
/// </summary>
public sealed record RevokedSvid
{
    /// <summary>Id of the X.509 authority that signed it (the CA's subject key identifier, hex).</summary>
    public required string AuthorityId { get; init; }

    /// <summary>The certificate's serial number (lowercase hex, as in the issuance record).</summary>
    public required string Serial { get; init; }

    /// <summary>The SPIFFE ID in the SVID.</summary>
    public required string SpiffeId { get; init; }

    /// <summary>The registration entry that earned it, when known.</summary>
    public string? EntryId { get; init; }

    /// <summary>Who revoked it: <c>admin:uid:N</c>, or what did (<c>ban:…</c>).</summary>
    public required string Caller { get; init; }

    /// <summary>End of the SVID's validity.</summary>
    public DateTimeOffset NotAfter { get; init; }

    /// <summary>When it was revoked (set by the store).</summary>
    public DateTimeOffset RevokedAt { get; init; }

    /// <summary>The revocation revision that revoked it (set by the store).</summary>
    public long Revision { get; init; }

    /// <summary>Free-text reason given by the operator; may be empty.</summary>
    public string Reason { get; init; } = string.Empty;
}

/// <summary>The latest signed CRL of one X.509 authority.</summary>
public sealed record StoredCrl
{
    /// <summary>The authority that signed it.</summary>
    public required string AuthorityId { get; init; }

    /// <summary>The CRL number extension's value; grows with each CRL of the authority.</summary>
    public required long CrlNumber { get; init; }

    /// <summary>The CRL, DER.</summary>
    public required byte[] Der { get; init; }

    /// <summary>thisUpdate of the CRL.</summary>
    public DateTimeOffset ThisUpdate { get; init; }

    /// <summary>nextUpdate of the CRL: a new one is signed well before.</summary>
    public DateTimeOffset NextUpdate { get; init; }

    /// <summary>The revocation revision the CRL reflects: every revocation up to it is in it.</summary>
    public long RevocationRevision { get; init; }
}
