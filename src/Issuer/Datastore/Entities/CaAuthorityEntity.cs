namespace IdentityIssuer.Issuer.Datastore.Entities;

/// <summary>Row of <c>ca_authorities</c>, the CA journal.</summary>
internal sealed class CaAuthorityEntity
{
    public string Id { get; set; } = string.Empty;

    public int Kind { get; set; }

    public string Slot { get; set; } = string.Empty;

    public int Status { get; set; }

    public string KeyId { get; set; } = string.Empty;

    public byte[] PublicData { get; set; } = [];

    public byte[] UpstreamChain { get; set; } = [];

    public long NotBefore { get; set; }

    public long NotAfter { get; set; }

    public long CreatedAt { get; set; }

    public string Replica { get; set; } = string.Empty;
}
