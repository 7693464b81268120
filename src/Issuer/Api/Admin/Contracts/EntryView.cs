namespace IdentityIssuer.Issuer.Api.Admin.Contracts;

/// <summary>A registration entry as the admin API returns it. TTLs are seconds; 0 means the issuer default.</summary>
public sealed record EntryView(
    string Id,
    string SpiffeId,
    string ParentId,
    IReadOnlyList<string> Selectors,
    int X509SvidTtl,
    int JwtSvidTtl,
    IReadOnlyList<string> DnsNames,
    string Hint,
    bool Admin,
    bool Downstream,
    DateTimeOffset? ExpiresAt,
    long RevisionNumber,
    DateTimeOffset CreatedAt);
