namespace IdentityIssuer.Attestation.AgentApi;

/// <summary>A minted JWT-SVID.</summary>
public sealed record MintJwtResponse(string SpiffeId, string Token, DateTimeOffset ExpiresAt);
