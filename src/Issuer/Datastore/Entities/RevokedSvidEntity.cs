namespace IdentityIssuer.Issuer.Datastore.Entities;

/// <summary>Row of <c>revoked_svids</c>: one revoked X509-SVID, listed in its authority's CRL until it expires.</summary>
internal sealed class RevokedSvidEntity
{
    public string AuthorityId { get; set; } = string.Empty;

    public string Serial { get; set; } = string.Empty;

    public string SpiffeId { get; set; } = string.Empty;

    public string? EntryId { get; set; }

    public string Caller { get; set; } = string.Empty;

    public long NotAfter { get; set; }

    public long RevokedAt { get; set; }

    public long Revision { get; set; }

    public string Reason { get; set; } = string.Empty;
}
