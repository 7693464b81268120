namespace IdentityIssuer.Attestation.AgentApi;

/// <summary>A registration entry as the agent sees it. TTLs are seconds; 0 means the issuer default.</summary>
public sealed record AgentEntry(
    string Id,
    string SpiffeId,
    string ParentId,
    IReadOnlyList<string> Selectors,
    int X509SvidTtl,
    int JwtSvidTtl,
    IReadOnlyList<string> DnsNames,
    string Hint,
    long RevisionNumber,
    DateTimeOffset CreatedAt);
