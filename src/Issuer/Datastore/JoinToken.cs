namespace IdentityIssuer.Issuer.Datastore;

/// <summary>A single-use join token. Only its SHA-256 hash (lowercase hex) is stored, never the token.</summary>
public sealed record JoinToken(string TokenHash, DateTimeOffset ExpiresAt, DateTimeOffset CreatedAt);
