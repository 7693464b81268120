namespace IdentityIssuer.Issuer.Datastore.Entities;

/// <summary>Row of <c>crls</c>: the latest signed CRL of one X.509 authority.</summary>
internal sealed class CrlEntity
{
    public string AuthorityId { get; set; } = string.Empty;

    public long CrlNumber { get; set; }

    public byte[] Der { get; set; } = [];

    public long ThisUpdate { get; set; }

    public long NextUpdate { get; set; }

    public long RevocationRevision { get; set; }
}
