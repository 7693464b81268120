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

    public long? EntryRevision { get; set; }

    public string? NodeAttestor { get; set; }

    /// <summary>JSON array of <c>type:value</c> strings; null when no agent asked.</summary>
    public string? NodeSelectors { get; set; }

    /// <summary>JSON array of <c>type:value</c> strings; null when not reported.</summary>
    public string? WorkloadSelectors { get; set; }
}
