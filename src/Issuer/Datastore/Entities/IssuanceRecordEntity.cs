namespace IdentityIssuer.Issuer.Datastore.Entities;

/// <summary>Row of <c>issuance_records</c>: one minted SVID.</summary>
internal sealed class IssuanceRecordEntity
{
    public string Serial { get; set; } = string.Empty;

    public int Kind { get; set; }

    public string SpiffeId { get; set; } = string.Empty;

    public string? EntryId { get; set; }

    public string Caller { get; set; } = string.Empty;

    public long NotBefore { get; set; }

    public long NotAfter { get; set; }

    public string KeyType { get; set; } = string.Empty;

    public string SigningAuthority { get; set; } = string.Empty;

    public long CreatedAt { get; set; }
}
