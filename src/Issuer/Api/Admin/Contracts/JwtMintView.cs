namespace IdentityIssuer.Issuer.Api.Admin.Contracts;

/// <summary>A minted JWT-SVID.</summary>
public sealed record JwtMintView(string SpiffeId, string Token, DateTimeOffset ExpiresAt);
