namespace IdentityIssuer.Issuer.Api.Admin.Contracts;

/// <summary>Mint an X509-SVID for a CSR (base64 DER); TTL in seconds, 0 for the default.</summary>
public sealed record X509MintRequest(string? SpiffeId, string? Csr, long Ttl, IReadOnlyList<string>? DnsNames);
