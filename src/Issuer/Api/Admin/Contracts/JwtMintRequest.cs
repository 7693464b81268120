namespace IdentityIssuer.Issuer.Api.Admin.Contracts;

/// <summary>Mint a JWT-SVID for an audience; TTL in seconds, 0 for the default.</summary>
public sealed record JwtMintRequest(string? SpiffeId, IReadOnlyList<string>? Audience, long Ttl);
